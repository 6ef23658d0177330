"""What an order costs, in a real browser, from the cart's code to Stripe: the demo's WELCOME10 and
Standard shipping, and the review, pay and order pages showing one breakdown that adds up, for which
localstripe's PaymentIntent is made out."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from commerce.discounts.demo import seed_discounts
from commerce.orders.models import Order
from commerce.payments.models import Payment
from commerce.payments.stripe_client import intent_retrieve
from commerce.shipping.demo import seed_shipping
from commerce.tax.demo import seed_tax_rates
from tests.e2e.support import check_out_as_guest, fill_card, order_paid_email_sent
from tests.factories import VariantFactory

pytestmark = pytest.mark.e2e
MARKS = ("subtotal", "discount", "shipping", "tax", "total")


@pytest.fixture
def demo_terms():  # type: ignore[no-untyped-def]
    """The demo's shipping, tax and codes, and a tee to buy: 2 × 24.00."""
    seed_shipping()
    seed_tax_rates()
    seed_discounts()
    return VariantFactory(product__name="Harbour Tee", product__slug="harbour-tee", name="M", price="24.00", stock=5)


def figures(page: Page, within: str) -> dict[str, str]:
    """Each marked figure inside `within`, as the page shows it."""
    return {mark: page.locator(f"{within} [data-amount={mark}]").first.inner_text().strip() for mark in MARKS}


def amount(text: str) -> Decimal:
    return Decimal(text.replace("$", "").replace(",", "").replace("−", "").strip())


def test_welcome10_and_standard_show_one_breakdown_from_review_to_stripe(
    page: Page, live_url: str, demo_terms, stripe_settings
):  # type: ignore[no-untyped-def]
    page.goto(demo_terms.product.get_absolute_url())
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#cart-count")).to_have_text("2")

    page.goto("/cart/")
    page.locator("#discount-form input[name=code]").fill("welcome10")
    page.locator("#discount-form input[name=code]").press("Enter")
    expect(page.locator("#cart-body [data-amount=discount]")).to_contain_text("$4.80")

    check_out_as_guest(page, live_url)
    standard = page.get_by_role("radio", name=re.compile(r"^Standard"))
    page.get_by_role("radio", name=re.compile(r"^Express")).check()
    expect(page.locator("#review-body [data-amount=shipping]")).to_have_text("$15.00")
    standard.check()
    expect(page.locator("#review-body [data-amount=shipping]")).to_have_text("$5.00")
    review = figures(page, "#review-body")
    # 48.00 less 10% (4.80), Standard 5.00 (43.20 is under the 75.00 free threshold), 8% US tax on the goods.
    assert review == {
        "subtotal": "$48.00",
        "discount": "−$4.80",
        "shipping": "$5.00",
        "tax": "$3.46",
        "total": "$51.66",
    }
    subtotal, discount, shipping, tax, total = (amount(review[mark]) for mark in MARKS)
    assert total == subtotal - discount + shipping + tax

    page.get_by_role("button", name="Pay $51.66").click()
    expect(page.locator("#pay-total")).to_have_text("$51.66")
    assert figures(page, "main") == review
    order = Order.objects.get()
    payment = Payment.objects.get(order=order)
    assert intent_retrieve(intent_id=payment.intent_id).amount == 5166  # cents, at localstripe

    fill_card(page)
    page.get_by_role("button", name="Pay $51.66").click()
    expect(page).to_have_url(re.compile(rf"/orders/{order.number}/$"))
    expect(page.locator("#order-status")).to_have_attribute("data-status", "paid")
    assert figures(page, "main") == review
    order.refresh_from_db()
    assert (order.discount_code, order.shipping_method_name, order.total) == ("WELCOME10", "Standard", Decimal("51.66"))
    order_paid_email_sent(order.number)
