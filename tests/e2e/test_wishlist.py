"""The wishlist in a real browser: a guest saves from a card and from a product page, signs in and
finds both; "Move to cart" moves the header's badge; the saved options' stock and price change live."""

import pytest
from playwright.sync_api import Browser, Page, expect

from commerce.orders import services as order_services
from tests.e2e.support import LIVE, elsewhere, sign_in, wait_for_socket
from tests.factories import ADDRESS, CartFactory, CartLineFactory, ProductFactory, UserFactory, VariantFactory

pytestmark = pytest.mark.e2e


def test_a_guest_saves_two_products_signs_in_and_moves_one_to_the_cart(page: Page):
    UserFactory(email="wren@example.com", password="wren-pass-123")
    cap = VariantFactory(product=ProductFactory(name="Anchor Cap", slug="anchor-cap"), name="One size", stock=4)
    VariantFactory(product=ProductFactory(name="Buoy Bag", slug="buoy-bag"), name="Blue", stock=2)

    page.goto("/")
    page.get_by_role("button", name="Save Anchor Cap", exact=True).click()
    expect(page.get_by_role("button", name="Saved Anchor Cap", exact=True)).to_have_attribute("aria-pressed", "true")
    page.goto("/products/buoy-bag/")
    save = page.get_by_role("button", name="Save", exact=True)
    expect(save).to_have_attribute("aria-pressed", "false")
    save.click()
    expect(page.get_by_role("button", name="Saved", exact=True)).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("button", name="Saved", exact=True)).to_be_focused()  # the swap keeps the focus

    sign_in(page, "wren@example.com", "wren-pass-123")
    page.get_by_role("link", name="Wishlist", exact=True).click()

    items = page.locator(".wishlist-item__name")
    expect(items).to_have_text(["Buoy Bag", "Anchor Cap"])  # newest first
    expect(page.locator("#cart-count")).to_have_text("0")
    page.locator(f"#wish-{cap.product_id}").get_by_role("button", name="Move to cart").click()

    expect(page.locator("#cart-count")).to_have_text("1")
    expect(page.get_by_role("status").filter(has_text="Moved Anchor Cap — One size to your cart.")).to_be_visible()
    expect(items).to_have_text(["Buoy Bag"])
    page.goto("/cart/")
    expect(page.locator(".cart-line__name")).to_have_text(["Anchor Cap"])


def test_saved_stock_and_price_change_live_when_the_last_unit_sells_and_staff_restock(
    browser: Browser, live_url, transactional_db
):
    UserFactory(email="wren@example.com", password="wren-pass-123")
    UserFactory(email="root@example.com", password="root-pass-123", is_staff=True, is_superuser=True)
    variant = VariantFactory(product=ProductFactory(name="Last Mug", slug="last-mug"), name="11 oz", stock=1)
    contexts = [browser.new_context(base_url=live_url) for _ in range(2)]
    try:
        shopper, staff = (c.new_page() for c in contexts)
        sign_in(shopper, "wren@example.com", "wren-pass-123")
        shopper.goto("/products/last-mug/")
        shopper.get_by_role("button", name="Save", exact=True).click()
        expect(shopper.get_by_role("button", name="Saved", exact=True)).to_be_visible()
        shopper.goto("/wishlist/")
        wait_for_socket(shopper)
        badge = shopper.locator(f"#stock-{variant.pk}")
        expect(badge).to_have_attribute("data-stock", "1")

        # Another shopper buys the last one (through the service the checkout uses).
        buyer = UserFactory()
        cart = CartFactory(user=buyer)
        CartLineFactory(cart=cart, variant=variant, quantity=1)
        elsewhere(order_services.checkout_start, cart=cart, user=buyer, email=buyer.email, address=ADDRESS)
        expect(badge).to_have_attribute("data-stock", "0", timeout=LIVE)
        expect(badge).to_have_text("Sold out")

        # Staff restock it in the admin, in another browser.
        staff.goto("/admin/login/")
        staff.get_by_label("Email address").fill("root@example.com")
        staff.get_by_label("Password").fill("root-pass-123")
        staff.get_by_role("button", name="Log in").click()
        staff.goto(f"/admin/catalog/variant/{variant.pk}/change/")
        staff.locator("#id_stock").fill("12")
        staff.locator("#id_price").fill("9.50")
        staff.get_by_role("button", name="Save", exact=True).click()
        expect(staff.locator(".messagelist")).to_contain_text("was changed successfully")

        expect(badge).to_have_attribute("data-stock", "12", timeout=LIVE)
        expect(badge).to_have_text("In stock")
        expect(shopper.locator(f"#variant-price-{variant.pk}")).to_have_text("$9.50", timeout=LIVE)
        expect(shopper.locator(f"#price-{variant.product_id}")).to_have_attribute("data-price", "9.50")
    finally:
        for c in contexts:
            c.close()
