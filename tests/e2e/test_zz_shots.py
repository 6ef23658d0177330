import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, expect

from commerce.catalog.models import Product, Variant
from tests.e2e.support import sign_in

pytestmark = pytest.mark.e2e


def test_shots(browser: Browser, live_url, transactional_db):
    call_command("seed_demo")
    for width, tag in ((1280, "desk"), (390, "phone")):
        ctx = browser.new_context(base_url=live_url, viewport={"width": width, "height": 900})
        page = ctx.new_page()
        page.goto("/wishlist/")
        page.screenshot(path=f"/tmp/wl-empty-{tag}.png", full_page=True)
        page.goto("/")
        first = page.locator(".product-card").first
        first.locator(".wishlist-button").click()
        expect(first.locator(".wishlist-button--saved")).to_be_visible()
        page.screenshot(path=f"/tmp/wl-cards-{tag}.png")
        sold = Variant.objects.filter(stock=0).select_related("product").first()
        products = list(Product.objects.live()[:3])
        if sold:
            products.append(sold.product)
        for p in products:
            page.goto(p.get_absolute_url())
            button = page.locator("#wishlist-toggle button")
            if button.get_attribute("aria-pressed") == "false":
                button.click()
            expect(page.get_by_role("button", name="Saved", exact=True)).to_be_visible()
        page.screenshot(path=f"/tmp/wl-product-{tag}.png", full_page=True)
        if tag == "desk":
            sign_in(page, "shopper@example.com", "shopper-pass-123")
        page.goto("/wishlist/")
        page.screenshot(path=f"/tmp/wl-list-{tag}.png", full_page=True)
        ctx.close()
