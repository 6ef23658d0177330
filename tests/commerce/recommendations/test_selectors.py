"""What is recommended beside a product or a cart: the most bought together first, then the nearest
in price of the category; never sold out, hidden, deleted, or one of the products themselves
(commerce/recommendations/selectors.py)."""

import re

import pytest
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from commerce.catalog.models import Variant
from commerce.recommendations.models import CoPurchase
from commerce.recommendations.selectors import recommended_for
from commerce.recommendations.services import recommendations_compute
from tests.factories import CategoryFactory, ProductFactory, VariantFactory

from .orders import bought

pytestmark = pytest.mark.django_db


def names(product_pks: list[int]) -> tuple[list[str], bool]:
    shown = recommended_for(product_pks)
    found = [re.search(r'class="product-card__name">([^<]*)<', card) for card in shown.cards]
    return [match[1] for match in found if match], shown.bought_together


def product(name: str, *, category: str = "Tees", price: str = "20.00", stock: int = 5):  # type: ignore[no-untyped-def]
    return VariantFactory(
        product=ProductFactory(name=name, category=CategoryFactory(name=category)), price=price, stock=stock
    ).product


def together(first, second, orders: int) -> None:  # type: ignore[no-untyped-def]
    """`orders` paid orders held both (the table as the count writes it, both ways)."""
    now = timezone.now()
    CoPurchase.objects.create(product=first, other=second, orders=orders, computed_at=now)
    CoPurchase.objects.create(product=second, other=first, orders=orders, computed_at=now)


def test_most_often_bought_together_first_then_by_name():
    tee = product("Tee", category="Tees")
    mug, cap, bag, hat, pin = (product(n, category="Other") for n in ("Mug", "Cap", "Bag", "Hat", "Pin"))
    together(tee, mug, 3)
    together(tee, cap, 2)
    together(tee, bag, 2)
    together(tee, pin, 1)
    together(tee, hat, 1)

    assert names([tee.pk]) == (["Mug", "Bag", "Cap", "Hat"], True)


def test_never_sold_out_hidden_deleted_unbuyable_or_itself():
    tee = product("Tee", category="Tees")
    sold_out = product("Sold Out", category="Other", stock=0)
    hidden = product("Hidden", category="Other")
    hidden.is_published = False
    hidden.save()
    deleted = product("Deleted", category="Other")
    deleted.deleted_at = timezone.now()
    deleted.save()
    retired = product("Retired", category="Other")
    retired.variants.update(is_active=False)
    mug = product("Mug", category="Other")
    for other in (sold_out, hidden, deleted, retired):
        together(tee, other, 5)
    together(tee, mug, 1)

    assert names([tee.pk]) == (["Mug"], True)


def test_an_option_in_stock_is_enough():
    tee = product("Tee")
    mug = product("Mug", category="Other", stock=0)
    VariantFactory(product=mug, stock=1)
    together(tee, mug, 1)

    assert names([tee.pk]) == (["Mug"], True)


def test_without_co_purchases_the_category_nearest_in_price_in_stock():
    tee = product("Tee", price="20.00")
    product("Dearer", price="21.00")
    product("Sold Out Near", price="19.50", stock=0)
    product("Far Dearer", price="30.00")
    product("Far Cheaper", price="10.00")
    product("Dearest", price="45.00")
    product("Other Category", category="Mugs", price="20.00")
    cheapest_option = product("Cheap Option", price="29.00")
    VariantFactory(product=cheapest_option, price="24.00", stock=3)  # its cheapest option is 4.00 away

    assert names([tee.pk]) == (["Dearer", "Cheap Option", "Far Cheaper", "Far Dearer"], False)


def test_too_few_co_purchases_are_filled_from_the_category():
    tee = product("Tee", price="20.00")
    mug = product("Mug", category="Mugs")
    product("Near Tee", price="22.00")
    product("Far Tee", price="40.00")
    together(tee, mug, 1)

    assert names([tee.pk]) == (["Mug", "Near Tee", "Far Tee"], True)


def test_nothing_to_show():
    tee = product("Tee")

    assert names([tee.pk]) == ([], False)


def test_a_cart_gets_what_goes_with_all_its_products_but_none_of_them():
    tee = product("Tee", category="Tees")
    mug = product("Mug", category="Mugs")
    cap, bag, pin = (product(n, category="Other") for n in ("Cap", "Bag", "Pin"))
    together(tee, mug, 4)  # in the cart too: not shown
    together(tee, cap, 2)
    together(mug, cap, 2)  # 4 in all
    together(tee, bag, 3)
    together(mug, pin, 1)

    assert names([tee.pk, mug.pk]) == (["Cap", "Bag", "Pin"], True)


def test_a_cart_of_one_category_gets_each_nearest_once():
    tee = product("Tee", price="20.00")
    other_tee = product("Other Tee", price="20.00")
    product("Near Tee", price="21.00")
    product("Far Tee", price="30.00")

    assert names([tee.pk, other_tee.pk]) == (["Near Tee", "Far Tee"], False)


def test_from_paid_orders_to_the_product_page_list():
    tee, mug, cap = (VariantFactory(product__name=n, stock=10) for n in ("Tee", "Mug", "Cap"))
    bought(tee, mug)
    bought(tee, mug, cap)
    bought(tee, cap, status="cancelled")
    bought(tee, cap, status="pending_payment")

    recommendations_compute()

    assert names([tee.product.pk]) == (["Mug", "Cap"], True)
    assert names([cap.product.pk])[0] == ["Mug", "Tee"]  # one order each: by name


class TestCached:
    """The lists are kept by catalog version; each request reads only the stock."""

    def test_a_second_request_reads_only_the_stock(self, django_assert_num_queries):
        tee = product("Tee")
        together(tee, product("Mug", category="Mugs"), 1)
        product("Near Tee")
        first = names([tee.pk])

        with django_assert_num_queries(1) as queries:
            assert names([tee.pk]) == first == (["Mug", "Near Tee"], True)
        assert queries.captured_queries[0]["sql"].startswith('SELECT id, stock FROM "catalog_variant"')

    def test_selling_out_drops_a_product_at_once(self):
        tee = product("Tee")
        mug = product("Mug", category="Mugs")
        together(tee, mug, 1)
        assert names([tee.pk]) == (["Mug"], True)

        Variant.objects.filter(product=mug).update(stock=F("stock") - 5)  # a sale: the version stays

        assert names([tee.pk]) == ([], False)

    def test_a_new_count_shows_once_committed(self, django_capture_on_commit_callbacks):
        tee, mug = (VariantFactory(product__name=n, stock=10) for n in ("Tee", "Mug"))
        assert names([tee.product.pk]) == ([], False)
        bought(tee, mug)

        with django_capture_on_commit_callbacks(execute=True):
            recommendations_compute()

        assert names([tee.product.pk]) == (["Mug"], True)

    def test_hiding_a_product_drops_it(self, django_capture_on_commit_callbacks):
        tee = product("Tee")
        mug = product("Mug", category="Mugs")
        together(tee, mug, 1)
        assert names([tee.pk]) == (["Mug"], True)

        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():  # as the admin saves
            mug.is_published = False
            mug.save()

        assert names([tee.pk]) == ([], False)


def test_a_changed_count_is_stamped_anew(clock):
    """The table's rows say when each count last changed."""
    tee, mug = (VariantFactory(product__name=n, stock=10) for n in ("Tee", "Mug"))
    bought(tee, mug)
    recommendations_compute()
    clock.advance(seconds=7200)
    bought(tee, mug)
    recommendations_compute()

    assert set(CoPurchase.objects.values_list("orders", "computed_at")) == {(2, timezone.now())}
