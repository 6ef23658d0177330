import re

import pytest
from playwright.sync_api import Page, expect

from commerce.inventory.services import stock_take
from tests.e2e.support import LIVE, elsewhere, wait_for_socket
from tests.factories import CategoryFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def clothing():
    clothing = CategoryFactory(name="Clothing", slug="clothing", description="Layers for the coast, sea to summit.")
    tees = CategoryFactory(name="Tees", slug="tees", parent=clothing)
    hoodies = CategoryFactory(name="Hoodies", slug="hoodies", parent=clothing)
    tee = VariantFactory(product=ProductFactory(name="Harbour Tee", category=tees), price="24.00", stock=3)
    VariantFactory(product=ProductFactory(name="Fleece Hoodie", category=hoodies), price="55.00")
    VariantFactory(product=ProductFactory(name="Rain Jacket", category=clothing), price="90.00")
    VariantFactory(product__name="Campfire Mug", product__category__name="Mugs", price="14.00")
    return tee


def test_from_the_shop_to_a_category_and_down_to_a_subcategory(page: Page, clothing):
    page.goto("/")
    page.get_by_role("complementary", name="Filters").get_by_role("link", name="Clothing").click()

    expect(page).to_have_url(re.compile(r"/c/clothing/$"))
    expect(page).to_have_title("Clothing · Live Store")
    expect(page.get_by_role("heading", level=1)).to_have_text("Clothing")
    expect(page.get_by_text("Layers for the coast, sea to summit.")).to_be_visible()
    # Its own products and its subcategories', newest first; not the mug.
    expect(page.locator(".product-card__name")).to_have_text(["Rain Jacket", "Fleece Hoodie", "Harbour Tee"])

    # The sort swaps the results through htmx and keeps the category's address.
    page.get_by_label("Sort by").select_option("price")
    expect(page).to_have_url(re.compile(r"/c/clothing/\?sort=price$"))
    expect(page.locator(".product-card__name")).to_have_text(["Harbour Tee", "Fleece Hoodie", "Rain Jacket"])

    # The cards stay live on a category page: a sale elsewhere shows at once.
    wait_for_socket(page)
    elsewhere(_sell, pk=clothing.pk, quantity=3)
    expect(page.locator(f"#stock-{clothing.pk}")).to_have_attribute("data-stock", "0", timeout=LIVE)

    page.get_by_role("navigation", name="Subcategories of Clothing").get_by_role("link", name="Tees").click()
    expect(page).to_have_url(re.compile(r"/c/tees/\?sort=price$"))
    expect(page.locator(".product-card__name")).to_have_text(["Harbour Tee"])
    crumbs = page.get_by_role("navigation", name="Breadcrumb")
    expect(crumbs).to_have_text(re.compile(r"Shop\s*›\s*Clothing\s*›\s*Tees"))

    crumbs.get_by_role("link", name="Clothing").click()
    expect(page).to_have_url(re.compile(r"/c/clothing/$"))


def _sell(*, pk: int, quantity: int) -> None:
    from django.db import transaction

    with transaction.atomic():
        stock_take(quantities=[(pk, quantity)])
