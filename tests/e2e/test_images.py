"""Lighthouse-style checks of product pictures in a real browser: every <img> reserves its box
(width and height), offers sizes (srcset), and no page fetches a picture more than twice as wide
as it is shown, on a desktop and on a phone (the catalog, a product page, the cart, the wishlist)."""

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import Browser, Page, expect

from commerce.catalog import demo
from commerce.catalog.images import image_renditions_generate
from commerce.catalog.models import ProductImage
from tests.factories import CategoryFactory, ProductFactory, VariantFactory

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

# Each picture, as the browser holds it: its attributes, the file it chose and how wide it shows.
MEASURE = """() => Array.from(document.querySelectorAll('main img')).map(img => ({
  alt: img.alt, width: img.getAttribute('width'), height: img.getAttribute('height'),
  srcset: img.getAttribute('srcset'), loading: img.getAttribute('loading'),
  inPicture: img.parentElement.tagName === 'PICTURE', current: img.currentSrc,
  natural: img.naturalWidth, shown: img.getBoundingClientRect().width }))"""


@pytest.fixture
def shop(settings, tmp_path: Path, transactional_db) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    tees = CategoryFactory(name="Tees", slug="tees")
    products = []
    for index, (name, colour) in enumerate(demo.CATEGORIES[0].products[:6]):
        product = ProductFactory(name=name, slug=f"tee-{index}", category=tees)
        VariantFactory(product=product, name=f"M / {colour}", price="24.00", stock=9)
        for view in (False, True):  # large originals: the renditions do the shrinking
            picture = demo.product_picture(name, "tee", colour, size=1400, alt_view=view)
            image = ProductImage(product=product, alt=f"{name} in {colour.lower()}", position=int(view))
            image.image.save(f"{product.slug}-{int(view)}.jpg", ContentFile(picture), save=True)
            image_renditions_generate(image=image)
        products.append(product)
    return {"media": tmp_path, "products": products}


@pytest.fixture
def server_url(daphne, shop) -> str:  # type: ignore[no-untyped-def]
    """A Daphne serving this test's media folder (the shared one keeps its own)."""
    return str(daphne(MEDIA_ROOT=str(shop["media"])).url)


def open_page(browser: Browser, base_url: str, viewport: dict[str, int]) -> Page:
    context = browser.new_context(base_url=base_url, viewport=viewport, device_scale_factor=1)
    context.set_default_timeout(10_000)
    return context.new_page()


def measured(page: Page, path: str) -> list[dict[str, Any]]:
    """Open `path`, scroll through it so lazy pictures load, and measure every picture once loaded."""
    page.goto(path)
    height = page.evaluate("document.body.scrollHeight")
    for y in range(0, height + 900, 400):
        page.mouse.wheel(0, 400)
        page.wait_for_timeout(30)
        del y
    images = page.locator("main img")
    for index in range(images.count()):
        expect(images.nth(index)).to_have_js_property("complete", True)
        expect(images.nth(index)).not_to_have_js_property("naturalWidth", 0)
    page.mouse.wheel(0, -100_000)
    return list(page.evaluate(MEASURE))


def check_lighthouse_rules(pictures: list[dict[str, Any]], where: str) -> None:
    assert pictures, f"{where}: no pictures"
    for p in pictures:
        label = f"{where}: {p['alt'] or p['current']}"
        assert (p["width"] or "").isdigit(), f"{label} has no width"
        assert (p["height"] or "").isdigit(), f"{label} has no height"
        assert p["inPicture"], f"{label} is not in a <picture>"
        assert p["srcset"], f"{label} has no srcset"
        assert p["current"].endswith(".webp"), f"{label} is not the WebP rendition: {p['current']}"
        assert "/products/renditions/" in p["current"], label
        assert p["natural"] <= 2 * p["shown"], f"{label}: {p['natural']}px file shown at {p['shown']:.0f}px"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_pictures_are_sized_for_their_box(browser, server_url, shop, viewport):
    page = open_page(browser, server_url, viewport)
    try:
        catalog = measured(page, "/")
        check_lighthouse_rules(catalog, "catalog")
        assert len(catalog) == 6
        # The first row (of four on a desktop) loads at once; the rest wait until scrolled near.
        assert [p["loading"] for p in catalog] == [None, None, None, None, "lazy", "lazy"]

        tee = shop["products"][0]
        product = measured(page, tee.get_absolute_url())
        check_lighthouse_rules(product, "product page")
        main, thumb = product[0], product[1]
        assert main["alt"] == f"{tee.name} in navy"
        assert main["loading"] is None
        expect(page.locator("img.product__image")).to_have_attribute("fetchpriority", "high")
        assert main["shown"] > 300
        assert thumb["shown"] == 80

        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.get_by_role("button", name="Saved", exact=True)).to_have_attribute("aria-pressed", "true")
        page.get_by_role("radio", name=re.compile(r"^M . Navy")).check()
        page.get_by_role("button", name="Add to cart").click()
        expect(page.locator("#cart-count")).to_have_text("1")
        cart = measured(page, "/cart/")
        check_lighthouse_rules(cart, "cart")
        assert cart[0]["shown"] == (80 if viewport is DESKTOP else 64)
        wishlist = measured(page, "/wishlist/")
        check_lighthouse_rules(wishlist, "wishlist")
        assert wishlist[0]["shown"] == (96 if viewport is DESKTOP else 56)
        shots = Path(__file__).resolve().parents[2] / "test-artifacts"
        shots.mkdir(exist_ok=True)
        page.goto(tee.get_absolute_url())
        page.screenshot(path=str(shots / f"images-product-{viewport['width']}.png"), full_page=True)
        page.goto("/")
        page.screenshot(path=str(shots / f"images-catalog-{viewport['width']}.png"), full_page=True)
        page.goto("/wishlist/")
        page.screenshot(path=str(shots / f"images-wishlist-{viewport['width']}.png"), full_page=True)
    finally:
        page.context.close()
