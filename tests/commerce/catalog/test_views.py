import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.middleware.csrf import _unmask_cipher_token
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from commerce.catalog.models import Variant
from tests.factories import CategoryFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

LIST = reverse("catalog:list")
TEES, MUGS = reverse("catalog:category", args=["tees"]), reverse("catalog:category", args=["mugs"])


def names(html: str) -> list[str]:
    return re.findall(r'<span class="product-card__name">([^<]+)</span>', html)


@pytest.fixture
def catalog():
    now = timezone.now()
    tees = CategoryFactory(name="Tees", slug="tees")
    mugs = CategoryFactory(name="Mugs", slug="mugs")
    for i, (name, category, price) in enumerate(
        [("Alpha Tee", tees, "30.00"), ("Bravo Tee", tees, "20.00"), ("Cocoa Mug", mugs, "9.00")]
    ):
        product = ProductFactory(name=name, category=category, created_at=now - timedelta(days=i))
        VariantFactory(product=product, price=Decimal(price), stock=3)
        VariantFactory(product=product, price=Decimal(price) + 5, stock=0)
    ProductFactory(name="Deleted Tee", category=tees, deleted_at=now)  # never shown
    VariantFactory(product__name="Hidden Tee", product__category=tees, product__is_published=False)
    return {"tees": tees, "mugs": mugs}


class TestList:
    def test_full_page_lists_live_products_newest_first(self, client, catalog):
        response = client.get(LIST)

        html = response.content.decode()
        assert response.status_code == 200
        assert "<html" in html
        assert names(html) == ["Alpha Tee", "Bravo Tee", "Cocoa Mug"]
        assert "3 products" in html

    def test_category_filter_and_price_sort(self, client, catalog):
        html = client.get(TEES, {"sort": "price"}).content.decode()

        assert names(html) == ["Bravo Tee", "Alpha Tee"]
        assert "from $20.00" in html

    def test_a_card_whose_cheapest_option_is_on_sale_shows_the_price_before_it(self, client, catalog):
        sale = ProductFactory(name="Delta Tee", category=catalog["tees"])
        VariantFactory(product=sale, price="18.00", compare_at_price="24.00")
        VariantFactory(product=sale, price="20.00", compare_at_price="99.00")  # not the "from" price
        dearer = ProductFactory(name="Echo Tee", category=catalog["tees"])
        VariantFactory(product=dearer, price="18.00")
        VariantFactory(product=dearer, price="22.00", compare_at_price="30.00")  # on sale, but not the cheapest

        html = client.get(TEES).content.decode()

        assert (
            '<span class="product-card__price"><s class="price-was"><span class="visually-hidden">Was </span>'
            '$24.00</s> <span class="visually-hidden">now </span>from $18.00</span>'
        ) in html
        assert html.count('class="price-was"') == 1
        assert '<span class="product-card__price">from $30.00</span>' in html  # Alpha Tee, no sale

    def test_htmx_request_gets_only_the_results(self, htmx_client, catalog):
        response = htmx_client.get(MUGS)

        html = response.content.decode()
        assert html.lstrip().startswith('<section id="results"')
        assert "<html" not in html
        assert names(html) == ["Cocoa Mug"]
        assert "HX-Request" in response["Vary"]

    def test_history_restore_gets_the_full_page(self, htmx_client, catalog):
        response = htmx_client.get(LIST, HTTP_HX_HISTORY_RESTORE_REQUEST="true")

        assert "<html" in response.content.decode()

    def test_unknown_category_is_404_and_unknown_sort_falls_back(self, client, catalog):
        assert client.get(LIST, {"category": "nope"}).status_code == 404
        assert client.get(reverse("catalog:category", args=["nope"])).status_code == 404
        assert names(client.get(LIST, {"sort": "DROP TABLE"}).content.decode())[0] == "Alpha Tee"

    def test_pagination_out_of_range_shows_the_last_page(self, client, settings, catalog):
        settings.CATALOG_PAGE_SIZE = 2

        html = client.get(LIST, {"page": "99"}).content.decode()

        assert names(html) == ["Cocoa Mug"]
        assert "Page 2 of 2" in html
        assert names(client.get(LIST, {"page": "abc"}).content.decode()) == ["Alpha Tee", "Bravo Tee"]

    def test_query_count_does_not_grow_with_products(self, client, settings, catalog):
        settings.CATALOG_CACHE_SECONDS = 0  # the render itself (test_list_cache.py: a cached page reads no catalog row)
        client.get(LIST)  # the first visit creates the guest's session (its live socket is bound to it)
        with CaptureQueriesContext(connection) as few:
            client.get(LIST)
        for i in range(8):
            VariantFactory(product__name=f"More {i}", product__category=catalog["mugs"])
        with CaptureQueriesContext(connection) as many:
            client.get(LIST)
        assert len(many) == len(few)

    def test_empty_category_has_a_clear_empty_state(self, client):
        CategoryFactory(slug="empty")

        html = client.get(reverse("catalog:category", args=["empty"])).content.decode()

        assert "No products here yet." in html


class TestProductPage:
    def test_variants_prices_stock_and_add_button(self, client):
        product = ProductFactory(name="Harbour Tee", seo_title="Harbour Tee in navy")
        in_stock = VariantFactory(product=product, name="M", price="24.00", stock=20)
        low = VariantFactory(product=product, name="L", price="24.00", stock=2)
        out = VariantFactory(product=product, name="XL", price="26.00", stock=0)

        response = client.get(reverse("catalog:product", args=[product.slug]))

        html = response.content.decode()
        assert response.status_code == 200
        assert "<title>Harbour Tee in navy · Live Store</title>" in html
        assert f'id="stock-{in_stock.pk}" class="stock stock--in" data-stock="20">In stock<' in html
        assert f'id="stock-{low.pk}" class="stock stock--low" data-stock="2">Only 2 left<' in html
        assert f'id="stock-{out.pk}" class="stock stock--out" data-stock="0">Sold out<' in html
        assert re.search(rf'value="{out.pk}" disabled', html)
        assert re.search(rf'value="{in_stock.pk}" checked', html)
        assert re.search(r'<button type="submit" class="button button--primary">\s*<span[^>]*></span>Add to cart', html)

    def test_an_option_on_sale_shows_the_price_before_it_struck_through(self, client):
        product = ProductFactory(name="Canopy Tee")
        VariantFactory(product=product, name="M", price="24.00", compare_at_price="30.00")
        VariantFactory(product=product, name="XL", price="26.00")

        html = client.get(reverse("catalog:product", args=[product.slug])).content.decode()

        assert (
            '<span class="variant__price"><s class="price-was"><span class="visually-hidden">Was </span>$30.00</s>'
            ' <span class="visually-hidden">now </span>$24.00</span>'
        ) in html
        assert '<span class="variant__price">$26.00</span>' in html  # not on sale: the price alone

    def test_all_sold_out_disables_add_to_cart(self, client):
        variant = VariantFactory(stock=0)

        html = client.get(reverse("catalog:product", args=[variant.product.slug])).content.decode()

        assert re.search(r'class="button button--primary" disabled>', html)
        assert '<p class="note add-form__sold-out">Every option of this product is sold out.</p>' in html

    def test_the_shared_body_is_kept_and_each_load_writes_the_stock_and_its_own_form_fields(self, client):
        product = ProductFactory(name="Quay Tee")
        small = VariantFactory(product=product, name="S", stock=3)
        large = VariantFactory(product=product, name="L", stock=5)
        url = reverse("catalog:product", args=[product.slug])
        client.get(url)  # renders and keeps the body

        Variant.objects.filter(pk=small.pk).update(stock=0)  # a sale: the catalog's version stays
        with CaptureQueriesContext(connection) as queries:
            html = client.get(url + "?ref=mail&utm=x").content.decode()

        assert not [q for q in queries if "catalog_product" in q["sql"]]  # the kept body, not read again
        assert re.search(
            rf'class="variant variant--out">\s*<input type="radio" name="variant" value="{small.pk}" disabled>', html
        )
        assert re.search(rf'value="{large.pk}" checked>', html)  # the first option still in stock
        assert (
            '<p class="note add-form__sold-out" hidden>Every option of this product is sold out.</p>' in html
        )  # kept for the page to show live
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]
        assert _unmask_cipher_token(token) == client.cookies[settings.CSRF_COOKIE_NAME].value
        assert 'name="next" value="/products/quay-tee/?ref=mail&amp;utm=x"' in html  # escaped

        Variant.objects.filter(pk=large.pk).update(stock=0)
        html = client.get(url).content.decode()

        assert "checked" not in html
        assert re.search(r'class="button button--primary" disabled>', html)
        assert '<p class="note add-form__sold-out">Every option of this product is sold out.</p>' in html
        assert "\x00" not in html

    def test_deleted_unpublished_and_unknown_products_are_404(self, client):
        deleted = ProductFactory(deleted_at=timezone.now())
        hidden = ProductFactory(is_published=False)

        for slug in (deleted.slug, hidden.slug, "no-such-thing"):
            assert client.get(reverse("catalog:product", args=[slug])).status_code == 404
