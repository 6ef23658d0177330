import re

import pytest
from playwright.sync_api import Page, expect

from commerce.inventory.services import stock_take
from commerce.search.services import search_index_rebuild
from tests.e2e.support import LIVE, elsewhere, wait_for_socket
from tests.factories import CategoryFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def shoes():
    category = CategoryFactory(name="Shoes", slug="shoes")
    trail = VariantFactory(
        product=ProductFactory(name="Trail Running Shoes", category=category), price="89.00", stock=4
    )
    VariantFactory(product=ProductFactory(name="Road Running Shoe", category=category), price="120.00", stock=0)
    VariantFactory(product__name="Campfire Mug", price="14.00")
    search_index_rebuild()
    return trail


def test_header_box_suggests_as_you_type_then_shows_results(page: Page, shoes):
    page.goto("/")
    box = page.get_by_role("combobox", name="Search products")

    box.press_sequentially("runn", delay=40)
    suggestions = page.get_by_role("listbox", name="Suggestions")
    expect(suggestions).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(suggestions.get_by_role("option")).to_have_text(
        ["Road Running Shoe", "Trail Running Shoes", "See all results for “runn”"]
    )

    # The arrow keys move through the options; Escape closes the list.
    box.press("ArrowDown")
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", "site-search-option-2")
    expect(suggestions.get_by_role("option", name="Trail Running Shoes")).to_have_attribute("aria-selected", "true")
    box.press("Escape")
    expect(suggestions).to_be_hidden()

    # Enter with no option chosen searches; a typo still finds the shoes.
    box.fill("runing shoe")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=runing\+shoe$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Results for “runing shoe”")
    expect(page.locator(".product-card__name")).to_have_count(2)

    # A facet swaps the results through htmx and keeps the URL shareable.
    page.get_by_role("link", name=re.compile(r"^In stock only")).click()
    expect(page).to_have_url(re.compile(r"\?q=runing\+shoe&in_stock=1$"))
    expect(page.locator(".product-card__name")).to_have_text(["Trail Running Shoes"])
    expect(page.locator("#search-count")).to_have_text("1 product")

    # The swapped results follow their own stock topics: a sale elsewhere shows at once.
    page.wait_for_selector("body[data-live-refreshed]", state="attached")
    wait_for_socket(page)
    elsewhere(_sell, pk=shoes.pk, quantity=4)
    expect(page.locator(f"#stock-{shoes.pk}")).to_have_attribute("data-stock", "0", timeout=LIVE)
    expect(page.locator(".product-card__soldout")).to_be_visible()


def _sell(*, pk: int, quantity: int) -> None:
    from django.db import transaction

    with transaction.atomic():
        stock_take(quantities=[(pk, quantity)])
