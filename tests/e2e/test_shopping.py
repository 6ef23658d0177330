import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import CategoryFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def shop():
    tees = CategoryFactory(name="Tees", slug="tees")
    mugs = CategoryFactory(name="Mugs", slug="mugs")
    tee = ProductFactory(name="Harbour Tee", slug="harbour-tee", category=tees)
    small = VariantFactory(product=tee, name="S / Navy", price="24.00", stock=8)
    large = VariantFactory(product=tee, name="L / Navy", price="26.00", stock=3)
    VariantFactory(product=tee, name="XL / Navy", price="26.00", stock=0)
    VariantFactory(product__name="Campfire Mug", product__category=mugs, price="14.00")
    return {"small": small, "large": large}


def test_browse_category_add_two_variants_badge_and_cart_agree(page: Page, shop):
    page.goto("/")
    expect(page.locator("#cart-count")).to_have_text("0")
    expect(page.locator(".product-card__name")).to_have_count(2)

    # The category filter leads to the category's own page, a shareable URL.
    page.get_by_role("link", name="Tees").click()
    expect(page).to_have_url(re.compile(r"/c/tees/$"))
    expect(page.locator(".product-card__name")).to_have_text(["Harbour Tee"])
    expect(page.get_by_role("heading", level=1)).to_have_text("Tees")

    page.get_by_role("link", name="Harbour Tee").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Harbour Tee")
    expect(page.locator(f"#stock-{shop['large'].pk}")).to_have_attribute("data-stock", "3")
    expect(page.get_by_role("radio", name=re.compile(r"^XL . Navy"))).to_be_disabled()

    page.get_by_role("radio", name=re.compile(r"^S . Navy")).check()
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#add-result")).to_contain_text("Added 2 × Harbour Tee — S / Navy")
    expect(page.locator("#cart-count")).to_have_text("2")

    page.get_by_role("radio", name=re.compile(r"^L . Navy")).check()
    page.get_by_label("Quantity").fill("1")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#cart-count")).to_have_text("3")

    # Asking for more than is left is refused on the page, and nothing changes.
    page.get_by_label("Quantity").fill("5")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#add-result")).to_contain_text("Only 3 of Harbour Tee — L / Navy left")
    expect(page.locator("#cart-count")).to_have_text("3")

    page.get_by_role("link", name=re.compile("Cart")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your cart")
    expect(page.locator(".cart-line")).to_have_count(2)
    expect(page.locator("#cart-total-items")).to_have_text("3")
    expect(page.locator("#cart-count")).to_have_text("3")
    expect(page.locator("#cart-subtotal")).to_have_text("$74.00")

    # Change a quantity and remove a line: badge and totals follow without a reload.
    page.get_by_label("Quantity of Harbour Tee — S / Navy").fill("4")
    page.get_by_label("Quantity of Harbour Tee — S / Navy").press("Enter")
    expect(page.locator("#cart-subtotal")).to_have_text("$122.00")
    expect(page.locator("#cart-count")).to_have_text("5")
    page.get_by_role("button", name="Remove Harbour Tee — L / Navy").click()
    expect(page.locator(".cart-line")).to_have_count(1)
    expect(page.locator("#cart-count")).to_have_text("4")

    # The badge is right on every page.
    page.goto("/")
    expect(page.locator("#cart-count")).to_have_text("4")
