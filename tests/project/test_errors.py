"""project/errors.py: a DomainError that escapes its view is answered with its message at its status."""

import json

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.project.errors_urls")]
NO_PAYMENT = "This order has no successful payment to refund."
HOLD = "Your hold has expired and the items went back on sale. Please check out again."


def test_a_page_gets_the_message_at_the_error_s_status(client):
    response = client.get("/escaping/")

    assert response.status_code == 422
    html = response.content.decode()
    assert f'<p class="alert alert--error" role="alert" data-error="no_payment">{NO_PAYMENT}</p>' in html
    assert '<a href="/">Continue shopping</a>' in html


def test_htmx_gets_a_fragment_that_replaces_nothing_and_an_event_with_the_message(htmx_client):
    response = htmx_client.get("/escaping/?kind=hold")

    assert response.status_code == 409
    assert response.content.decode().strip() == (
        f'<p class="alert alert--error" role="alert" data-error="hold_expired">{HOLD}</p>'
    )
    assert response["HX-Reswap"] == "none"
    assert json.loads(response["HX-Trigger"]) == {"domainError": {"code": "hold_expired", "message": HOLD}}


def test_other_exceptions_are_left_to_django(client):
    from django.urls import reverse

    # An unknown order is a 404 as before (Http404 is not a DomainError).
    assert client.get(reverse("orders:detail", args=["LS-0000-0000"])).status_code == 404
