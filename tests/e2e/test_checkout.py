"""Paying in a real browser: the pay page, localstripe's Stripe.js stand-in, the order page."""

import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from commerce.catalog.models import Variant
from commerce.inventory.models import StockHold
from commerce.orders.models import Order
from commerce.orders.services import holds_release_expired
from commerce.payments.models import Payment
from tests.e2e.support import PASSWORD, fill_card, order_paid_email_sent, sign_in
from tests.factories import OrderFactory, UserFactory, VariantFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def shopper_order():  # type: ignore[no-untyped-def]
    """A signed-up shopper whose checkout is placed: 2 × Harbour Tee at 24.00, stock 5 -> 3 held."""
    user = UserFactory(email="payer@example.com", password=PASSWORD)
    tee = VariantFactory(product__name="Harbour Tee", name="M / Navy", price="24.00", stock=5)
    order = OrderFactory(user=user, variant=tee, quantity=2)
    return {"user": user, "order": order, "tee": tee}


def test_pay_with_the_test_card_and_see_the_order_paid(page: Page, shopper_order):
    order = shopper_order["order"]
    sign_in(page, "payer@example.com")

    page.goto(f"/checkout/pay/{order.number}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Pay for order {order.number}")
    expect(page.locator("#pay-total")).to_have_text("$48.00")
    # The countdown ticks in mm:ss from the 10-minute hold.
    expect(page.locator("#hold-time")).to_have_text(re.compile(r"^(10:00|09:[0-5]\d)$"))

    fill_card(page)
    page.get_by_role("button", name="Pay $48.00").click()

    expect(page).to_have_url(re.compile(rf"/orders/{order.number}/$"))
    expect(page.locator("#order-status")).to_have_attribute("data-status", "paid")
    assert Payment.objects.get(order=order).status == Payment.Status.SUCCEEDED
    assert Variant.objects.get(pk=shopper_order["tee"].pk).stock == 3  # sold, not returned
    order_paid_email_sent(order.number)


def test_a_declined_card_is_shown_inline_and_the_order_still_waits(page: Page, shopper_order):
    order = shopper_order["order"]
    sign_in(page, "payer@example.com")
    page.goto(f"/checkout/pay/{order.number}/")

    fill_card(page, "4000000000000341")  # localstripe declines charges on this card
    page.get_by_role("button", name="Pay $48.00").click()

    expect(page.locator("#card-errors")).to_have_text("Your card was declined.")
    expect(page.get_by_role("button", name="Pay $48.00")).to_be_enabled()
    assert Order.objects.get(pk=order.pk).status == Order.Status.PENDING_PAYMENT


def test_the_countdown_reaches_zero_then_the_hold_is_released(page: Page, shopper_order):
    order, tee = shopper_order["order"], shopper_order["tee"]
    sign_in(page, "payer@example.com")
    # Long enough for a loaded machine to render the page before it runs out (it is seen enabled first).
    StockHold.objects.filter(order=order).update(expires_at=timezone.now() + timedelta(seconds=8))

    page.goto(f"/checkout/pay/{order.number}/")
    expect(page.get_by_role("button", name="Pay $48.00")).to_be_enabled()

    expect(page.locator("#hold-message")).to_contain_text("Your hold has expired", timeout=15_000)
    expect(page.get_by_role("button", name="Pay $48.00")).to_be_disabled()
    expect(page.locator("#hold-announce")).to_have_text("Your hold has expired.")

    # The page rounds the time left down, so it may say "expired" up to a second early.
    hold = StockHold.objects.get(order=order)
    time.sleep(max(0.0, (hold.expires_at - timezone.now()).total_seconds()) + 0.1)
    assert holds_release_expired() == 1
    assert Variant.objects.get(pk=tee.pk).stock == 5

    # The release reaches the open page: its status turns cancelled, and the page stays where it is.
    expect(page.locator("#order-status")).to_have_attribute("data-status", "cancelled")
    expect(page).to_have_url(re.compile(rf"/checkout/pay/{order.number}/$"))
    expect(page.locator("#hold-message")).to_contain_text("check out again")

    page.goto(f"/checkout/pay/{order.number}/")
    expect(page).to_have_url(re.compile(rf"/orders/{order.number}/$"))
    expect(page.locator("#order-status")).to_have_attribute("data-status", "cancelled")


def test_an_expired_hold_shows_expired_on_the_pay_page(page: Page, shopper_order):
    order = shopper_order["order"]
    StockHold.objects.filter(order=order).update(expires_at=timezone.now() - timedelta(seconds=30))
    sign_in(page, "payer@example.com")

    page.goto(f"/checkout/pay/{order.number}/")

    expect(page.locator("#hold-message")).to_contain_text("Your hold has expired")
    expect(page.locator("#payment-form")).to_have_count(0)


def test_a_yen_store_shows_whole_yen_and_stripe_takes_whole_yen(
    browser, daphne, settings, localstripe_url, transactional_db
):  # type: ignore[no-untyped-def]
    """A store in JPY (STORE_CURRENCY): ¥1,200 reads "¥1,200" and Stripe is asked for 1200, not 120000."""
    import stripe

    settings.STORE_CURRENCY = "JPY"  # the order is placed here as the yen store places it
    user = UserFactory(email="kei@example.com", password=PASSWORD)
    order = OrderFactory(
        user=user, variant__product__name="Harbour Tee", variant__name="M / Navy", variant__price="1200"
    )
    server = daphne(STORE_CURRENCY="JPY")
    context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        sign_in(page, "kei@example.com")
        page.goto(f"/checkout/pay/{order.number}/")
        expect(page.locator("#pay-total")).to_have_text("¥1,200")

        fill_card(page)
        page.get_by_role("button", name="Pay ¥1,200").click()

        expect(page).to_have_url(re.compile(rf"/orders/{order.number}/$"))
        expect(page.locator("#order-status")).to_have_attribute("data-status", "paid")
        expect(page.locator(".summary-total--grand")).to_have_text(re.compile(r"Total\s+¥1,200"))
    finally:
        context.close()
    payment = Payment.objects.get(order=order)
    stripe_api = stripe.StripeClient("sk_test_localstripe", base_addresses={"api": localstripe_url})
    intent = stripe_api.v1.payment_intents.retrieve(payment.intent_id)
    assert (intent.amount, intent.currency, intent.status) == (1200, "jpy", "succeeded")
    assert (payment.amount_minor, payment.currency, payment.status) == (1200, "JPY", Payment.Status.SUCCEEDED)
