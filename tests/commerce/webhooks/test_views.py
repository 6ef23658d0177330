"""The ops pages: endpoints list and add form, one endpoint with its log, send again; ops staff only."""

import pytest
from django.test import Client
from django.urls import reverse

from commerce.webhooks.models import WebhookDelivery, WebhookEndpoint
from commerce.webhooks.services import webhook_emit
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
D = WebhookDelivery.Status


@pytest.fixture
def ops_client(ops_user) -> Client:  # type: ignore[no-untyped-def]
    client = Client(enforce_csrf_checks=False)
    client.force_login(ops_user)
    return client


def test_only_ops_staff_see_the_pages(make_endpoint):
    endpoint = make_endpoint("order.paid")
    shopper = Client()
    shopper.force_login(UserFactory(email="sam@example.com"))
    urls = [
        reverse("webhooks:list"),
        reverse("webhooks:endpoint", args=[endpoint.pk]),
    ]
    for url in urls:
        assert Client().get(url).status_code == 302
        assert Client().get(url)["Location"].startswith("/accounts/login/")
        assert shopper.get(url).status_code == 403
    assert shopper.post(reverse("webhooks:rotate", args=[endpoint.pk])).status_code == 403
    assert (
        shopper.post(reverse("webhooks:list"), {"url": "https://x.example.com/", "events": ["order.paid"]}).status_code
        == 403
    )
    assert WebhookEndpoint.objects.count() == 1


def test_ops_add_an_endpoint_and_see_its_secret(ops_client, ops_user, receiver):
    page = ops_client.get(reverse("webhooks:list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="events" value="order.paid"' in html
    assert 'name="events" value="stock.low"' in html

    answer = ops_client.post(
        reverse("webhooks:list"),
        {"url": receiver.url + "/erp", "description": "ERP", "events": ["order.paid", "stock.low"], "active": "on"},
    )

    endpoint = WebhookEndpoint.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == reverse("webhooks:endpoint", args=[endpoint.pk])
    assert (endpoint.url, endpoint.description, endpoint.events, endpoint.active, endpoint.created_by) == (
        receiver.url + "/erp",
        "ERP",
        ["order.paid", "stock.low"],
        True,
        ops_user,
    )
    assert endpoint.secret.startswith("whsec_")
    assert len(endpoint.secret) == 54
    detail = ops_client.get(answer["Location"]).content.decode()
    assert endpoint.secret in detail
    assert "Nothing sent yet" in detail
    listing = ops_client.get(reverse("webhooks:list")).content.decode()
    assert f'href="/ops/webhooks/{endpoint.pk}/"' in listing


@pytest.mark.parametrize(
    ("url", "events", "error"),
    [
        (
            "https://127.0.0.1/hook",
            ["order.paid"],
            "The host is on a private network: webhooks go to public addresses only.",
        ),
        ("ftp://example.com/hook", ["order.paid"], "Give an http:// or https:// address."),
        ("not a url", ["order.paid"], "Enter a valid URL."),
        ("https://shop.example.com/hook", [], "This field is required."),
        ("https://user:pw@93.184.215.14/hook", ["order.paid"], "Put no user name or password in the address"),
    ],
)
def test_a_bad_endpoint_is_refused_with_the_reason(ops_client, url, events, error):
    answer = ops_client.post(reverse("webhooks:list"), {"url": url, "events": events, "active": "on"})

    assert answer.status_code == 400
    assert error in answer.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_ops_change_an_endpoint_and_rotate_its_secret(ops_client, make_endpoint):
    endpoint = make_endpoint("order.paid")
    old_secret = endpoint.secret

    answer = ops_client.post(
        reverse("webhooks:endpoint", args=[endpoint.pk]),
        {"url": endpoint.url, "description": "Fulfilment", "events": ["order.shipped"]},
    )
    assert answer.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.description, endpoint.events, endpoint.active) == ("Fulfilment", ["order.shipped"], False)

    ops_client.post(reverse("webhooks:rotate", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.secret != old_secret
    assert endpoint.secret.startswith("whsec_")


def test_the_log_shows_each_delivery_and_send_again_delivers_again(
    ops_client, make_endpoint, receiver, clock, django_capture_on_commit_callbacks
):
    endpoint = make_endpoint("order.paid")
    receiver.statuses = [500]
    with django_capture_on_commit_callbacks(execute=True):
        [delivery] = webhook_emit(event="order.paid", key="order.paid:9", data={"order": {"number": "A9"}})

    page = ops_client.get(reverse("webhooks:endpoint", args=[endpoint.pk])).content.decode()
    assert f'data-delivery="{delivery.pk}" data-status="pending"' in page
    assert "<strong>500</strong>" in page
    assert "answered 500" in page
    assert "1 attempt<" in page

    with django_capture_on_commit_callbacks(execute=True):
        answer = ops_client.post(reverse("webhooks:resend", args=[endpoint.pk, delivery.pk]))
    assert answer.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_status_code) == (D.SUCCEEDED, 200)

    with django_capture_on_commit_callbacks(execute=True):  # succeeded: the operator asks again, it goes again
        ops_client.post(reverse("webhooks:resend", args=[endpoint.pk, delivery.pk]))
    assert len(receiver.requests) == 3
    page = ops_client.get(reverse("webhooks:endpoint", args=[endpoint.pk])).content.decode()
    assert f'data-delivery="{delivery.pk}" data-status="succeeded"' in page
    assert "3 attempts<" in page


def test_send_again_needs_a_post_and_the_endpoint_it_belongs_to(ops_client, make_endpoint):
    endpoint = make_endpoint("order.paid")
    other = make_endpoint("order.paid", path="/other")
    [delivery, _] = webhook_emit(event="order.paid", key="order.paid:3", data={})

    assert ops_client.get(reverse("webhooks:resend", args=[endpoint.pk, delivery.pk])).status_code == 405
    wrong = other.pk if delivery.endpoint_id == endpoint.pk else endpoint.pk
    assert ops_client.post(reverse("webhooks:resend", args=[wrong, delivery.pk])).status_code == 404


def test_send_again_needs_csrf(ops_user, make_endpoint):
    endpoint = make_endpoint("order.paid")
    [delivery] = webhook_emit(event="order.paid", key="order.paid:4", data={})
    client = Client(enforce_csrf_checks=True)
    client.force_login(ops_user)

    assert client.post(reverse("webhooks:resend", args=[endpoint.pk, delivery.pk])).status_code == 403
