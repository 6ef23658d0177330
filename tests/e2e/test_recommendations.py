"""Recommendations in a real browser: a product page's "Customers also bought" stays true live."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from commerce.orders import services as order_services
from commerce.recommendations.models import CoPurchase
from tests.e2e.support import LIVE, elsewhere, wait_for_socket
from tests.factories import ADDRESS, CartFactory, CartLineFactory, UserFactory, VariantFactory

pytestmark = pytest.mark.e2e


def test_a_recommended_product_sold_out_while_watching_says_so(page: Page):
    tee = VariantFactory(product__name="Harbour Tee", product__slug="harbour-tee", stock=5)
    mug = VariantFactory(product__name="Last Mug", stock=1)
    for product, other in ((tee.product, mug.product), (mug.product, tee.product)):
        CoPurchase.objects.create(product=product, other=other, orders=3, computed_at=timezone.now())
    page.goto("/products/harbour-tee/")
    wait_for_socket(page)
    section = page.locator("#recommendations")
    expect(section.get_by_role("heading", name="Customers also bought")).to_be_visible()
    card = section.locator(".product-card", has_text="Last Mug")
    expect(card.locator(".product-card__soldout")).to_be_hidden()

    buyer = UserFactory()
    cart = CartFactory(user=buyer)
    CartLineFactory(cart=cart, variant=mug, quantity=1)
    elsewhere(order_services.checkout_start, cart=cart, user=buyer, email=buyer.email, address=ADDRESS)

    expect(card.locator(".product-card__soldout")).to_be_visible(timeout=LIVE)
    page.reload()
    expect(page.locator("#recommendations .product-card")).to_have_count(0)  # sold out: no longer recommended
    expect(page.locator("#recommendations")).to_be_hidden()  # the hook stays, empty
