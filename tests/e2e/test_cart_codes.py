"""The cart page's code and estimate, live in two tabs of one cart."""

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from commerce.discounts.services import discount_redeem
from commerce.orders.models import Order
from tests.commerce.shipping.factories import ShippingMethodFactory, ShippingZoneFactory
from tests.commerce.tax.factories import TaxRateFactory
from tests.e2e.servers import ROOT
from tests.e2e.support import LIVE, elsewhere, wait_for_socket
from tests.factories import ADDRESS, DiscountCodeFactory, VariantFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def store():  # type: ignore[no-untyped-def]
    """The demo's selling rules: Standard $5.00 (free over $75.00) and Express $15.00 in the US, 8% tax,
    and WELCOME10 with one use left."""
    us = ShippingZoneFactory(name="United States", countries=["US"])
    ShippingMethodFactory(zone=us, name="Standard", price=Decimal("5.00"), free_over=Decimal("75.00"))
    ShippingMethodFactory(zone=us, name="Express", price=Decimal("15.00"))
    TaxRateFactory(country="US", rate=Decimal("8"))
    VariantFactory(product__name="Harbour Tee", product__slug="harbour-tee", name="M", price="20.00", stock=9)
    return DiscountCodeFactory(code="WELCOME10", usage_limit=1)


def amount(tab: Page, name: str):  # type: ignore[no-untyped-def]
    return tab.locator(f"#cart-body [data-amount={name}]")


def test_a_code_applied_in_one_tab_shows_in_the_other_and_its_end_shows_in_both(page: Page, store):
    page.goto("/products/harbour-tee/")
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#cart-count")).to_have_text("2")
    other = page.context.new_page()
    for tab in (page, other):
        tab.goto("/cart/")
        wait_for_socket(tab)
        # $40.00, Standard $5.00, 8% of $40.00 = $3.20.
        expect(amount(tab, "shipping")).to_have_text("$5.00")
        expect(amount(tab, "tax")).to_have_text("$3.20")
        expect(amount(tab, "total")).to_have_text("$48.20")
    other.screenshot(path=str(ROOT / "test-artifacts" / "cart-code-used-up.png"), full_page=True)

    page.get_by_label("Discount code").fill("welcome10")
    page.get_by_role("button", name="Apply").click()

    # $40.00 − $4.00, Standard $5.00, 8% of $36.00 = $2.88.
    for tab in (page, other):
        expect(amount(tab, "discount")).to_have_text("−$4.00", timeout=LIVE)
        expect(tab.locator("#cart-body .summary-total--discount")).to_contain_text("WELCOME10 (10% off)")
        expect(amount(tab, "total")).to_have_text("$43.88", timeout=LIVE)

    page.set_viewport_size({"width": 1280, "height": 1100})
    page.screenshot(path=str(ROOT / "test-artifacts" / "cart-desktop.png"), full_page=True)
    page.set_viewport_size({"width": 375, "height": 800})
    page.screenshot(path=str(ROOT / "test-artifacts" / "cart-mobile.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the cart overflows a phone"

    # Someone else takes the code's last use: both tabs say so, and count it no more.
    order = Order.objects.create(
        email="else@example.com", shipping_address=ADDRESS, subtotal=Decimal("40.00"), total=Decimal("40.00")
    )
    elsewhere(discount_redeem, code=store, order=order, user=None, email="else@example.com")

    for tab in (page, other):
        expect(tab.locator("#applied-code")).to_contain_text(
            "The code WELCOME10 has been used as many times as it allows.", timeout=LIVE
        )
        expect(amount(tab, "discount")).to_have_count(0)
        expect(amount(tab, "total")).to_have_text("$48.20")
    other.screenshot(path=str(ROOT / "test-artifacts" / "cart-code-used-up.png"), full_page=True)

    # The estimate chosen in one tab is the other's too.
    other.get_by_label("Country").select_option("FR")
    for tab in (page, other):
        expect(tab.locator("#cart-body .summary-total--not-shipped")).to_contain_text(
            "We do not ship to France yet.", timeout=LIVE
        )
        expect(amount(tab, "total")).to_have_text("$40.00")
