"""The recommendations on a real product page and the cart page (commerce/recommendations/sections.py)."""

import html as htmllib
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commerce.recommendations.services import recommendations_compute
from realtime.topics import verify_topics
from tests.factories import CartFactory, CartLineFactory, CategoryFactory, ProductFactory, UserFactory, VariantFactory

from .orders import bought

pytestmark = pytest.mark.django_db
CART = reverse("cart:detail")


def section(page: str) -> tuple[str, list[str]] | None:
    """The section's heading and its cards' names, or None when there is no section."""
    found = re.search(r'<section id="recommendations".*?</section>', page, re.S)
    if found is None or found[0].startswith('<section id="recommendations" class="recommendations" hidden>'):
        return None
    heading = re.search(r'<h2 id="recommendations-title"[^>]*>([^<]*)</h2>', found[0])
    assert heading
    return heading[1], re.findall(r'<span class="product-card__name">([^<]*)</span>', found[0])


def get(client: Client, path: str) -> tuple[str, list[str]]:
    """The page, and the SQL of its queries."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in queries]


@pytest.fixture
def shop(db):  # type: ignore[no-untyped-def]
    """A tee bought with a mug twice, with a cap once, with a poster since sold out; another tee near in price."""
    tees, mugs = CategoryFactory(name="Tees"), CategoryFactory(name="Mugs")
    tee = VariantFactory(product=ProductFactory(name="Harbour Tee", category=tees), price="24.00", stock=10)
    mug = VariantFactory(product=ProductFactory(name="Deep Sea Mug", category=mugs), price="14.00", stock=10)
    cap = VariantFactory(product=ProductFactory(name="Sun Cap", category=mugs), price="18.00", stock=10)
    poster = VariantFactory(product=ProductFactory(name="Tideline Poster", category=mugs), price="19.00", stock=10)
    VariantFactory(product=ProductFactory(name="Dune Tee", category=tees), price="26.00", stock=10)
    bought(tee, mug)
    bought(tee, mug, cap)
    bought(tee, poster)
    poster.stock = 0
    poster.save()
    recommendations_compute()
    return {"tee": tee, "mug": mug, "cap": cap, "poster": poster}


def test_a_product_page_shows_what_was_bought_with_it(client, shop):
    page, _ = get(client, shop["tee"].product.get_absolute_url())

    assert section(page) == ("Customers also bought", ["Deep Sea Mug", "Sun Cap", "Dune Tee"])
    assert f'href="{shop["mug"].product.get_absolute_url()}"' in page
    assert "$14.00" in page


def test_a_product_page_again_reads_no_recommendation_and_only_the_stock(client, shop):
    path = shop["tee"].product.get_absolute_url()
    get(client, path)

    page, queries = get(client, path)

    assert section(page) == ("Customers also bought", ["Deep Sea Mug", "Sun Cap", "Dune Tee"])
    assert not [sql for sql in queries if "recommendations_" in sql or "catalog_product" in sql]
    assert len([sql for sql in queries if sql.startswith('SELECT id, stock FROM "catalog_variant"')]) == 2
    assert len(queries) <= 4, queries


def test_the_cards_stock_is_live(client, shop):
    """Each shown option's figure is on its card (hidden; "Sold out" shows when a push takes the
    last), and the page follows it."""
    tee, mug, cap = shop["tee"], shop["mug"], shop["cap"]

    page, _ = get(client, tee.product.get_absolute_url())

    # 10 less the two bought
    assert f'<span id="stock-{mug.pk}" class="stock stock--in" data-stock="8">In stock</span>' in page
    token = htmllib.unescape(re.search(r'ws-connect="/ws/live/\?t=([^"]+)"', page)[1])  # type: ignore[index]
    followed = verify_topics(token, binding="s:")
    assert {f"stock.{mug.pk}", f"stock.{cap.pk}", f"stock.{tee.pk}"} <= set(followed)
    assert f"stock.{shop['poster'].pk}" not in followed  # sold out: not shown


def test_without_co_purchases_the_heading_says_so(client, shop):
    page, _ = get(client, reverse("catalog:product", kwargs={"slug": "dune-tee"}))

    assert section(page) == ("You may also like", ["Harbour Tee"])


def test_a_product_with_nothing_to_show_keeps_the_hook_empty_and_hidden(client, db):
    lone = VariantFactory(product__name="Lone Lamp", stock=3)

    page, _ = get(client, lone.product.get_absolute_url())

    assert section(page) is None
    assert '<section id="recommendations" class="recommendations" hidden></section>' in page


def test_names_are_escaped(client, shop):
    mug = shop["mug"].product
    mug.name = "<b>Mug</b> & co"
    mug.save()

    page, _ = get(client, shop["tee"].product.get_absolute_url())

    assert "&lt;b&gt;Mug&lt;/b&gt; &amp; co" in page
    assert "<b>Mug</b>" not in page


def test_the_cart_shows_what_goes_with_its_products(client, shop):
    user = UserFactory()
    cart = CartFactory(user=user)
    CartLineFactory(cart=cart, variant=shop["tee"])
    CartLineFactory(cart=cart, variant=shop["mug"])
    client.force_login(user)
    get(client, CART)

    page, queries = get(client, CART)

    assert section(page) == ("Customers also bought", ["Sun Cap", "Dune Tee"])
    assert not [sql for sql in queries if "recommendations_" in sql]
    # The section's one query: the stock of its candidates (the cart reads its own lines' otherwise).
    assert len([sql for sql in queries if sql.startswith('SELECT id, stock FROM "catalog_variant"')]) == 1
    assert len(queries) <= 11, queries


def test_an_empty_cart_has_no_section(client, shop):
    page, _ = get(client, CART)

    assert "Your cart is empty" in page
    assert section(page) is None
