"""Billing elsewhere, in a real browser: the billing fields appear only when the shopper unticks
"Bill to the shipping address", and the review page shows where the invoice goes."""

import pytest
from playwright.sync_api import Page, expect

from commerce.orders.models import Order
from tests.factories import VariantFactory

pytestmark = pytest.mark.e2e


def test_unticking_bill_to_shipping_asks_for_a_billing_address(page: Page, live_url: str):  # type: ignore[no-untyped-def]
    tee = VariantFactory(product__name="Harbour Tee", product__slug="harbour-tee", name="M", price="24.00", stock=5)
    page.goto(tee.product.get_absolute_url())
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#cart-count")).to_have_text("1")

    page.goto("/checkout/")
    billing = page.get_by_role("group", name="Billing address")
    expect(billing).to_be_hidden()
    page.get_by_label("Email", exact=True).fill("kim@example.com")
    page.get_by_label("Full name", exact=True).fill("Kim Shopper")
    page.get_by_label("Address", exact=True).fill("1 Harbour Road")
    page.get_by_label("City", exact=True).fill("Portland")
    page.get_by_label("Postal code", exact=True).fill("04101")
    page.get_by_label("State / region", exact=True).fill("ME")
    page.get_by_label("Bill to the shipping address").uncheck()
    expect(billing).to_be_visible()
    page.get_by_label("Billing full name").fill("Kim Accounts")
    page.get_by_label("Billing address", exact=True).fill("9 Ledger Lane")
    page.get_by_label("Billing city").fill("Boston")
    page.get_by_label("Billing postal code").fill("02108")
    page.get_by_label("Billing state / region").fill("MA")
    page.get_by_role("button", name="Continue to review").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Review your order")
    expect(page.locator("#review-body")).to_contain_text("9 Ledger Lane")
    page.get_by_role("button", name="Pay $24.00").click()
    expect(page.locator("#pay-total")).to_have_text("$24.00")
    assert Order.objects.get().billing_address["line1"] == "9 Ledger Lane"  # type: ignore[index]
