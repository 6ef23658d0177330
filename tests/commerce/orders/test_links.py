"""Guests' order links: they expire (ORDER_LINK_MAX_AGE), and /orders/lookup/ emails a fresh one to the
order's own address, answering the same whether or not the order and email matched."""

import re
import time

import pytest
from django.core import mail, signing
from django.test import Client
from django.urls import reverse

from commerce.orders import services
from commerce.orders.models import Order
from commerce.orders.selectors import ACCESS_SALT
from tests.factories import ADDRESS, OrderFactory

pytestmark = pytest.mark.django_db

LOOKUP = "/orders/lookup/"
SENT = "If that order exists, we've emailed a link to its address."
DAY = 24 * 3600


@pytest.fixture
def guest_order(filled_cart) -> Order:  # type: ignore[no-untyped-def]
    """A guest's order, placed with Guest@Example.com."""
    filled_cart.user = None
    filled_cart.save()
    return OrderFactory(cart=filled_cart, email="Guest@Example.com")


def link_token(number: str, age: int) -> str:
    """The order's link as it was signed `age` seconds ago."""

    class Past(signing.TimestampSigner):
        def timestamp(self) -> str:
            return signing.b62_encode(int(time.time()) - age)

    return Past(salt=ACCESS_SALT).sign_object(number)


def page_text(html: bytes) -> str:
    text = html.decode()
    text = re.sub(r'(csrfmiddlewaretoken" value=|X-CSRFToken": )"[^"]+"', r'\1"-"', text)
    return re.sub(r"ws-connect=\"[^\"]+\"", 'ws-connect="-"', text)


def test_a_link_opens_the_order_for_thirty_days_by_default(guest_order):
    url = guest_order.get_absolute_url()

    # Each link opened in a browser of its own: one that opened a valid link keeps the order (the
    # session remembers it), whatever link it opens next.
    assert Client().get(url, {"k": link_token(guest_order.number, age=29 * DAY)}).status_code == 200
    expired = Client().get(url, {"k": link_token(guest_order.number, age=31 * DAY)})

    assert expired.status_code == 410
    html = expired.content.decode()
    assert "This link has expired" in html
    assert f'name="number" value="{guest_order.number}"' in html
    assert f'action="{LOOKUP}"' in html
    assert "Tee" not in html  # nothing of the order itself


def test_order_link_max_age_sets_how_long_links_work(settings, guest_order):
    settings.ORDER_LINK_MAX_AGE = 3600
    url = guest_order.get_absolute_url()

    assert Client().get(url, {"k": link_token(guest_order.number, age=1800)}).status_code == 200
    assert Client().get(url, {"k": link_token(guest_order.number, age=7200)}).status_code == 410


def test_a_browser_that_opened_a_valid_link_keeps_the_order_after_the_link_expires(client, guest_order):
    url = guest_order.get_absolute_url()
    assert client.get(url, {"k": link_token(guest_order.number, age=29 * DAY)}).status_code == 200

    assert client.get(url, {"k": link_token(guest_order.number, age=31 * DAY)}).status_code == 200
    assert client.get(url).status_code == 200


def test_an_expired_link_to_another_order_is_a_plain_404(client, guest_order):
    stale_elsewhere = link_token("LS-0000-0000", age=31 * DAY)

    assert client.get(guest_order.get_absolute_url(), {"k": stale_elsewhere}).status_code == 404


def test_the_lookup_emails_a_fresh_link_to_the_orders_address(client, guest_order, django_capture_on_commit_callbacks):
    page = client.get(LOOKUP)
    assert page.status_code == 200
    assert 'name="number"' in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):  # the link's task is queued after commit
        response = client.post(LOOKUP, {"number": f" {guest_order.number.lower()} ", "email": "guest@example.COM"})

    assert response.status_code == 200
    assert SENT in response.content.decode()
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["Guest@Example.com"], f"Your link to order {guest_order.number}")
    ]
    link = re.search(r"http://127\.0\.0\.1:8000(/orders/\S+)", str(mail.outbox[0].body))
    assert link
    opened = Client().get(link.group(1))
    assert opened.status_code == 200
    assert 'data-status="pending_payment"' in opened.content.decode()


def test_the_lookup_answers_the_same_when_nothing_matches(
    client, guest_order, buyer, filled_cart, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        matched = client.post(LOOKUP, {"number": guest_order.number, "email": "guest@example.com"})
    assert len(mail.outbox) == 1
    mail.outbox.clear()
    customers = services.checkout_start(cart=filled_cart, user=buyer, email=buyer.email, address=ADDRESS)

    for number, email in [
        (guest_order.number, "someone-else@example.com"),
        ("LS-0000-0000", "guest@example.com"),
        (customers.number, buyer.email),  # signed-in customers' orders need no link
    ]:
        with django_capture_on_commit_callbacks(execute=True):
            answer = client.post(LOOKUP, {"number": number, "email": email})
        assert answer.status_code == 200
        assert page_text(answer.content) == page_text(matched.content)
    assert mail.outbox == []


def test_bad_input_is_a_422_and_sends_nothing(client):
    response = client.post(LOOKUP, {"number": "", "email": "not-an-email"})

    assert response.status_code == 422
    html = response.content.decode()
    assert "This field is required." in html
    assert "Enter a valid email address." in html
    assert mail.outbox == []


def test_the_lookup_is_rate_limited_per_order(settings, guest_order, django_capture_on_commit_callbacks):
    settings.ORDER_LOOKUP_RATE_PER_ORDER = "2/hour"
    data = {"number": guest_order.number, "email": "guest@example.com"}
    with django_capture_on_commit_callbacks(execute=True):
        assert Client(REMOTE_ADDR="198.51.100.1").post(LOOKUP, data).status_code == 200
        assert Client(REMOTE_ADDR="198.51.100.2").post(LOOKUP, data).status_code == 200

        refused = Client(REMOTE_ADDR="198.51.100.3").post(LOOKUP, data)

    assert refused.status_code == 429
    assert "Too many requests for order links. Please wait 60 minutes and try again." in refused.content.decode()
    assert len(mail.outbox) == 2


def test_the_lookup_is_rate_limited_per_address(client, settings, guest_order, django_capture_on_commit_callbacks):
    settings.ORDER_LOOKUP_RATE_PER_ADDRESS = "2/hour"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(LOOKUP, {"number": "LS-AAAA-0001", "email": "guest@example.com"})
        client.post(LOOKUP, {"number": "LS-AAAA-0002", "email": "guest@example.com"})

        refused = client.post(LOOKUP, {"number": guest_order.number, "email": "guest@example.com"})

    assert refused.status_code == 429
    assert mail.outbox == []
    assert (
        Client(REMOTE_ADDR="198.51.100.9")
        .post(LOOKUP, {"number": guest_order.number, "email": "guest@example.com"})
        .status_code
        == 200
    )


def test_the_footer_links_to_the_lookup(client):
    assert f'<a href="{LOOKUP}">Find an order</a>' in client.get(reverse("catalog:list")).content.decode()
