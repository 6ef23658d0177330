"""The product page's JSON-LD follows the live stock, as its badges do, without a reload."""

import json
import time

import pytest
from playwright.sync_api import Page, expect

from commerce.orders import services as order_services
from tests.e2e.support import LIVE, elsewhere, wait_for_socket
from tests.factories import ADDRESS, CartFactory, CartLineFactory, ProductFactory, UserFactory, VariantFactory

pytestmark = pytest.mark.e2e

IN_STOCK, OUT_OF_STOCK = "https://schema.org/InStock", "https://schema.org/OutOfStock"


def offers(page: Page) -> dict[str, str]:
    data = json.loads(page.locator("#product-ld").text_content() or "")
    return {offer["sku"]: offer["availability"] for offer in data["offers"]}


def offers_become(page: Page, expected: dict[str, str], timeout_ms: int) -> dict[str, str]:
    """The offers once they equal `expected`, or as they are when the time is up (expect() reads no
    <script> text, and a wait_for_function would need eval, which the CSP blocks)."""
    deadline = time.monotonic() + timeout_ms / 1000
    seen = offers(page)
    while seen != expected and time.monotonic() < deadline:
        page.wait_for_timeout(50)
        seen = offers(page)
    return seen


def test_a_live_sell_out_updates_the_json_ld_availability(page: Page):
    product = ProductFactory(name="Last Mug", slug="last-mug")
    last = VariantFactory(product=product, sku="LM-11", name="11 oz", stock=1)
    large = VariantFactory(product=product, sku="LM-15", name="15 oz", stock=2)
    page.goto("/products/last-mug/")
    wait_for_socket(page)
    assert offers(page) == {"LM-11": IN_STOCK, "LM-15": IN_STOCK}

    # Another shopper buys the last 11 oz mug (through the same service the checkout uses).
    buy(last, 1)

    expect(page.locator(f"#stock-{last.pk}")).to_have_attribute("data-stock", "0", timeout=LIVE)
    sold_out = {"LM-11": OUT_OF_STOCK, "LM-15": IN_STOCK}
    assert offers_become(page, sold_out, LIVE) == sold_out
    availability = page.locator('meta[property="product:availability"]')
    expect(availability).to_have_attribute("content", "in stock")

    buy(large, 2)  # and the last two 15 oz ones

    expect(page.locator(f"#stock-{large.pk}")).to_have_attribute("data-stock", "0", timeout=LIVE)
    every_one = {"LM-11": OUT_OF_STOCK, "LM-15": OUT_OF_STOCK}
    assert offers_become(page, every_one, LIVE) == every_one
    expect(availability).to_have_attribute("content", "out of stock")
    # What a fresh load says too.
    page.reload()
    assert offers(page) == every_one
    expect(availability).to_have_attribute("content", "out of stock")


def buy(variant, quantity: int) -> None:  # type: ignore[no-untyped-def]
    buyer = UserFactory()
    cart = CartFactory(user=buyer)
    CartLineFactory(cart=cart, variant=variant, quantity=quantity)
    elsewhere(order_services.checkout_start, cart=cart, user=buyer, email=buyer.email, address=ADDRESS)
