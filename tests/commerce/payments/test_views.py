import socket
from datetime import timedelta

import pytest
from django.utils import timezone

from commerce.inventory.models import StockHold
from commerce.orders.models import Order
from commerce.orders.services import order_cancel
from commerce.payments.models import Payment
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]


def pay_url(order: Order) -> str:
    return f"/checkout/pay/{order.number}/"


def test_owner_sees_the_pay_page_with_countdown_and_card_form(clock, client, order, buyer):
    # The clock stopped before the order was placed (first argument: set up first), so the whole hold is left.
    client.force_login(buyer)

    response = client.get(pay_url(order))

    assert response.status_code == 200
    payment = Payment.objects.get(order=order)
    html = response.content.decode()
    assert f'data-client-secret="{payment.client_secret}"' in html
    assert 'id="hold-countdown"' in html
    assert 'data-seconds-left="600"' in html
    assert 'id="hold-time">10:00<' in html
    assert 'id="card-element"' in html
    assert "/js.stripe.com/v3/" in html
    assert "$48.00" in html


def test_guest_whose_session_placed_the_order_sees_it(client, order):
    Order.objects.filter(pk=order.pk).update(user=None)
    session = client.session
    session["order_numbers"] = [order.number]
    session.save()

    assert client.get(pay_url(order)).status_code == 200


@pytest.mark.parametrize("who", ["anonymous", "someone_else"])
def test_anyone_else_gets_404(client, order, who):
    if who == "someone_else":
        client.force_login(UserFactory())

    assert client.get(pay_url(order)).status_code == 404
    assert client.get(f"/checkout/pay/{order.number}/return/").status_code == 404
    assert Payment.objects.count() == 0


def test_a_paid_or_cancelled_order_redirects_to_the_order_page(client, order, buyer):
    client.force_login(buyer)
    order_cancel(order=order, actor=None)

    response = client.get(pay_url(order))

    assert response.status_code == 302
    assert response.url == f"/orders/{order.number}/"


def test_unreachable_stripe_shows_a_retryable_error(client, order, buyer, settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        settings.STRIPE_API_BASE = f"http://127.0.0.1:{sock.getsockname()[1]}"
    client.force_login(buyer)

    response = client.get(pay_url(order))

    assert response.status_code == 503
    html = response.content.decode()
    assert "We could not reach our payment provider" in html
    assert "Try again" in html
    assert 'id="payment-form"' not in html


def test_the_pay_page_alone_may_load_stripe_js_and_talk_to_stripe(client, order, buyer, localstripe_url):
    client.force_login(buyer)

    def policy(path: str) -> dict[str, list[str]]:
        header = client.get(path)["Content-Security-Policy"]
        return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}

    pay, home = policy(pay_url(order)), policy("/")

    assert pay["script-src"] == ["'self'", localstripe_url]
    assert pay["connect-src"] == ["'self'", localstripe_url]
    assert home["script-src"] == ["'self'"]
    assert home["connect-src"] == ["'self'"]


def test_with_real_stripe_the_pay_page_adds_stripes_documented_origins(settings):
    from commerce.payments.stripe_client import csp_sources

    settings.STRIPE_API_BASE, settings.STRIPE_JS_URL = "", "https://js.stripe.com/v3/"

    assert csp_sources() == {
        "script-src": ["https://js.stripe.com", "https://*.js.stripe.com"],
        "connect-src": ["https://api.stripe.com"],
        "frame-src": ["https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"],
    }


def test_expired_hold_shows_expired_and_no_card_form(client, order, buyer):
    StockHold.objects.filter(order=order).update(expires_at=timezone.now() - timedelta(seconds=5))
    client.force_login(buyer)

    response = client.get(pay_url(order))

    assert response.status_code == 409
    html = response.content.decode()
    assert "Your hold has expired" in html
    assert 'id="payment-form"' not in html
    assert Payment.objects.count() == 0


def test_return_page_syncs_and_redirects_to_the_order(client, order, buyer):
    client.force_login(buyer)
    client.get(pay_url(order))

    response = client.get(f"/checkout/pay/{order.number}/return/")

    assert response.status_code == 302
    assert response.url == f"/orders/{order.number}/"


def test_test_token_endpoint_is_off_with_real_stripe(client, order, buyer, settings):
    settings.STRIPE_API_BASE = ""
    client.force_login(buyer)

    response = client.post(f"/checkout/pay/{order.number}/test-token/", {"token": "tok_1"})

    assert response.status_code == 404
