"""The live price on /wishlist/: a price edit in the admin reaches the wishlist pages showing it."""

import pytest
from django.urls import reverse

from commerce.wishlist.live import price_snapshot
from tests.factories import UserFactory, VariantFactory

pytestmark = pytest.mark.django_db


def test_the_wishlist_page_follows_its_products_prices(client, variant):
    client.post(reverse("wishlist:save", args=[variant.product_id]))

    response = client.get(reverse("wishlist:detail"))

    assert f"wishlist_price.{variant.product_id}" in response.wsgi_request._live_topics  # type: ignore[attr-defined]
    assert f'<span id="price-{variant.product_id}" class="wishlist-item__price" data-price="12.50">$12.50</span>' in (
        response.content.decode()
    )


def test_a_price_edit_in_the_admin_pushes_the_new_prices(client, variant, capture_broadcasts):
    other = VariantFactory(product=variant.product, name="L / Navy", price="14.00")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    data = {
        "product": variant.product_id,
        "sku": variant.sku,
        "name": variant.name,
        "options": "{}",
        "price": "9.99",
        "compare_at_price": "12.50",
        "weight": "0",
        "stock": "5",
        "position": "0",
        "is_active": "on",
    }

    with capture_broadcasts() as sent:
        response = client.post(reverse("admin:catalog_variant_change", args=[variant.pk]), data)

    assert response.status_code == 302
    pushed = dict(sent)[f"wishlist_price.{variant.product_id}"]
    assert (
        f'<span id="price-{variant.product_id}" class="wishlist-item__price" data-price="9.99" hx-swap-oob="true">'
        in (pushed)
    )
    assert "from $9.99" in pushed
    assert f'<span id="variant-price-{variant.pk}" class="variant__price" hx-swap-oob="true">' in pushed
    assert '<span class="visually-hidden">Was </span>$12.50</s>' in pushed
    assert f'<span id="variant-price-{other.pk}" class="variant__price" hx-swap-oob="true">$14.00</span>' in pushed


def test_a_hidden_or_unknown_product_has_no_snapshot(variant):
    variant.product.is_published = False
    variant.product.save()

    assert price_snapshot(str(variant.product_id)) is None
    assert price_snapshot("999999") is None
    assert price_snapshot("x") is None
