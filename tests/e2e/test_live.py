"""Live updates in real browsers: pushes cross from this test process through Redis to Daphne."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from commerce.orders import services as order_services
from tests.e2e.support import LIVE, elsewhere, sign_in, wait_for_socket
from tests.factories import ADDRESS, CartFactory, CartLineFactory, OrderFactory, UserFactory, VariantFactory

pytestmark = pytest.mark.e2e


def test_two_browsers_of_one_user_share_the_cart(browser: Browser, live_url, transactional_db):
    UserFactory(email="sam@example.com", password="sam-pass-123")
    VariantFactory(product__name="Harbour Tee", product__slug="harbour-tee", name="M", stock=9)
    contexts = [browser.new_context(base_url=live_url) for _ in range(2)]
    try:
        laptop, phone = (c.new_page() for c in contexts)
        for page in (laptop, phone):
            sign_in(page, "sam@example.com", "sam-pass-123")
        # The phone opened a page before the cart existed: the first add creates it on the laptop.
        laptop.goto("/products/harbour-tee/")
        laptop.get_by_role("button", name="Add to cart").click()
        expect(laptop.locator("#cart-count")).to_have_text("1")

        phone.goto("/cart/")
        wait_for_socket(phone)
        expect(phone.locator("#cart-count")).to_have_text("1")
        laptop.get_by_label("Quantity").fill("2")
        laptop.get_by_role("button", name="Add to cart").click()

        expect(phone.locator("#cart-count")).to_have_text("3", timeout=LIVE)
        expect(phone.get_by_label("Quantity of Harbour Tee — M")).to_have_value("3", timeout=LIVE)
    finally:
        for c in contexts:
            c.close()


def test_watching_shopper_sees_the_last_unit_sell_out(page: Page):
    variant = VariantFactory(product__name="Last Mug", product__slug="last-mug", name="11 oz", stock=1)
    page.goto("/products/last-mug/")
    wait_for_socket(page)
    expect(page.locator(f"#stock-{variant.pk}")).to_have_attribute("data-stock", "1")
    expect(page.get_by_role("button", name="Add to cart")).to_be_enabled()
    expect(page.get_by_text("Every option of this product is sold out.")).to_be_hidden()

    # Another shopper buys it (through the same service the checkout uses).
    buyer = UserFactory()
    cart = CartFactory(user=buyer)
    CartLineFactory(cart=cart, variant=variant, quantity=1)
    elsewhere(order_services.checkout_start, cart=cart, user=buyer, email=buyer.email, address=ADDRESS)

    expect(page.locator(f"#stock-{variant.pk}")).to_have_attribute("data-stock", "0", timeout=LIVE)
    expect(page.locator(f"#stock-{variant.pk}")).to_have_text("Sold out")
    expect(page.get_by_role("button", name="Add to cart")).to_be_disabled(timeout=LIVE)
    expect(page.get_by_text("Every option of this product is sold out.")).to_be_visible()


def test_order_page_follows_the_order(page: Page):
    user = UserFactory(email="olive@example.com", password="olive-pass-123")
    order = OrderFactory(paid=True, user=user, variant__stock=5, variant__price="10.00")
    sign_in(page, "olive@example.com", "olive-pass-123")
    page.goto(order.get_absolute_url())
    wait_for_socket(page)
    expect(page.locator("#order-status")).to_have_attribute("data-status", "paid")

    staff = UserFactory(is_staff=True)
    elsewhere(order_services.order_transition, order=order, to="packed", actor=staff)
    elsewhere(order_services.order_transition, order=order, to="shipped", actor=staff, tracking_number="1Z999")

    expect(page.locator("#order-status")).to_have_attribute("data-status", "shipped", timeout=LIVE)
    expect(page.locator("#order-timeline")).to_contain_text("Shipped")


def test_pay_page_learns_the_hold_was_released(page: Page):
    from datetime import timedelta

    from django.utils import timezone

    user = UserFactory(email="late@example.com", password="late-pass-123")
    order = OrderFactory(user=user, variant__stock=4, variant__price="10.00")
    sign_in(page, "late@example.com", "late-pass-123")
    page.goto(f"/checkout/pay/{order.number}/")
    wait_for_socket(page)
    expect(page.get_by_role("button", name="Pay $10.00")).to_be_enabled()

    # The countdown still shows minutes left, but the server released the hold (say, a clock skew).
    elsewhere(order_services.holds_release_expired, now=timezone.now() + timedelta(hours=1))

    expect(page.locator("#order-status")).to_have_attribute("data-status", "cancelled", timeout=LIVE)
    expect(page.locator("#hold-message")).to_contain_text("Your hold has expired", timeout=LIVE)
    expect(page.get_by_role("button", name="Pay $10.00")).to_be_disabled()


def test_catalog_cards_show_sold_out_live(page: Page):
    last = VariantFactory(product__name="Only Tee", stock=1)
    VariantFactory(product=last.product, stock=0)
    page.goto("/")
    wait_for_socket(page)
    card = page.locator(".product-card", has_text="Only Tee")
    expect(card.locator(".product-card__soldout")).to_be_hidden()

    buyer = UserFactory()
    cart = CartFactory(user=buyer)
    CartLineFactory(cart=cart, variant=last, quantity=1)
    elsewhere(order_services.checkout_start, cart=cart, user=buyer, email=buyer.email, address=ADDRESS)

    expect(card.locator(".product-card__soldout")).to_be_visible(timeout=LIVE)
    expect(card).to_have_class(re.compile("product-card--out"))


def test_two_guest_tabs_opened_before_the_cart_existed_stay_identical(page: Page):
    VariantFactory(product__name="Dune Tee", product__slug="dune-tee", name="S", stock=9)
    other = page.context.new_page()
    other.goto("/")
    page.goto("/products/dune-tee/")
    for tab in (page, other):
        wait_for_socket(tab)
        expect(tab.locator("#cart-count")).to_have_text("0")

    page.get_by_role("button", name="Add to cart").click()  # creates the guest's cart

    expect(other.locator("#cart-count")).to_have_text("1", timeout=LIVE)
    # Both tabs now follow the cart itself: a change in the other tab reaches this one too
    # (once this tab has re-signed its topics and reconnected).
    page.wait_for_selector("body[data-live-refreshed][data-live=open]", state="attached", timeout=LIVE)
    other.goto("/cart/")
    other.get_by_label("Quantity of Dune Tee — S").fill("3")
    other.get_by_label("Quantity of Dune Tee — S").press("Enter")
    expect(page.locator("#cart-count")).to_have_text("3", timeout=LIVE)


def test_cart_page_warns_live_when_stock_drops_below_a_line(page: Page):
    variant = VariantFactory(product__name="Slate Tee", product__slug="slate-tee", name="L", stock=5)
    page.goto("/products/slate-tee/")
    page.get_by_label("Quantity").fill("3")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#cart-count")).to_have_text("3")
    page.goto("/cart/")
    wait_for_socket(page)
    expect(page.locator(".cart-line--problem")).to_have_count(0)

    buyer = UserFactory()
    cart = CartFactory(user=buyer)
    CartLineFactory(cart=cart, variant=variant, quantity=4)
    elsewhere(order_services.checkout_start, cart=cart, user=buyer, email=buyer.email, address=ADDRESS)

    expect(page.locator(f"#stock-{variant.pk}")).to_have_attribute("data-stock", "1", timeout=LIVE)
    expect(page.locator(".cart-line--problem")).to_contain_text(
        "Only 1 left: lower the quantity to 1 or fewer.", timeout=LIVE
    )
