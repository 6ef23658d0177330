"""The co-purchase table: counted from paid orders only, each product once per order, and the same
however often or however concurrently the count runs (commerce/recommendations/services.py)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, transaction

from commerce.catalog import cache as catalog_cache
from commerce.orders.models import Order
from commerce.orders.services import order_mark_refunded
from commerce.recommendations import tasks
from commerce.recommendations.models import CoPurchase
from commerce.recommendations.services import Computed, recommendations_compute
from tests.factories import ProductFactory, VariantFactory

from .orders import bought

S = Order.Status


def table() -> dict[tuple[str, str], int]:
    rows = CoPurchase.objects.values_list("product__name", "other__name", "orders")
    return {(product, other): orders for product, other, orders in rows}


@pytest.fixture
def goods(db):  # type: ignore[no-untyped-def]
    """Products A to D, one option each; A has a second option."""
    made = {name: VariantFactory(product=ProductFactory(name=name), stock=20) for name in "ABCD"}
    made["A2"] = VariantFactory(product=made["A"].product, stock=20)
    return made


def test_counts_orders_holding_both_over_paid_orders_only(goods):
    a, a2, b, c, d = (goods[k] for k in ("A", "A2", "B", "C", "D"))
    bought(a, b, status=S.PAID)
    bought(a, b, c, status=S.DELIVERED)
    bought(a, a2, c, status=S.SHIPPED)  # two options of A: A is in it once
    bought(b, c, status=S.PACKED)
    bought(a, d, status=S.PENDING_PAYMENT)
    bought(b, d, status=S.CANCELLED)
    bought(c, d, status=S.REFUNDED)

    assert recommendations_compute() == Computed(removed=0, added=6)

    assert table() == {
        ("A", "B"): 2,
        ("B", "A"): 2,
        ("A", "C"): 2,
        ("C", "A"): 2,
        ("B", "C"): 2,
        ("C", "B"): 2,
    }


def test_an_order_of_one_product_makes_no_pair(goods):
    bought(goods["A"], goods["A2"])

    recommendations_compute()

    assert table() == {}


def test_a_second_run_changes_nothing(goods, clock, django_capture_on_commit_callbacks):
    bought(goods["A"], goods["B"])
    with django_capture_on_commit_callbacks(execute=True):
        recommendations_compute()
    rows = list(CoPurchase.objects.order_by("pk").values_list("pk", "product", "other", "orders", "computed_at"))
    version = catalog_cache.catalog_version()
    clock.advance(seconds=3600)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert recommendations_compute() == Computed(removed=0, added=0)

    assert (
        list(CoPurchase.objects.order_by("pk").values_list("pk", "product", "other", "orders", "computed_at")) == rows
    )
    assert callbacks == []  # nothing changed: the cached recommendations stay
    assert catalog_cache.catalog_version() == version


def test_a_run_follows_new_and_refunded_orders(goods, django_capture_on_commit_callbacks):
    first = bought(goods["A"], goods["B"])
    bought(goods["A"], goods["B"])
    recommendations_compute()
    version = catalog_cache.catalog_version()

    order_mark_refunded(order=first, actor=None)
    bought(goods["C"], goods["D"])
    with django_capture_on_commit_callbacks(execute=True):
        assert recommendations_compute() == Computed(removed=2, added=4)

    assert table() == {("A", "B"): 1, ("B", "A"): 1, ("C", "D"): 1, ("D", "C"): 1}
    assert catalog_cache.catalog_version() != version  # the cached lists are made again


def test_no_longer_bought_together_leaves_the_table(goods):
    order = bought(goods["A"], goods["B"])
    recommendations_compute()
    order_mark_refunded(order=order, actor=None)

    assert recommendations_compute() == Computed(removed=2, added=0)
    assert table() == {}


def test_the_periodic_task_says_whether_anything_changed(goods):
    bought(goods["A"], goods["B"])

    assert tasks.recommendations_compute.delay().get() is True
    assert tasks.recommendations_compute.delay().get() is False
    assert table() == {("A", "B"): 1, ("B", "A"): 1}


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_end_with_the_right_table():
    """The second run starts while the first holds its rows uncommitted: it waits for the first,
    then finds the table right (without the lock it would insert the same pairs and fail)."""
    a, b, c = (VariantFactory(product=ProductFactory(name=name), stock=20) for name in "ABC")
    bought(a, b)
    bought(a, b, c)
    first_wrote, first_may_commit = threading.Event(), threading.Event()

    def first() -> Computed:
        try:
            with transaction.atomic():
                computed = recommendations_compute()
                first_wrote.set()
                first_may_commit.wait(timeout=10)
            return computed
        finally:
            connection.close()

    def second() -> Computed:
        try:
            first_wrote.wait(timeout=10)
            return recommendations_compute()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        one, two = pool.submit(first), pool.submit(second)
        first_wrote.wait(timeout=10)
        threading.Timer(0.5, first_may_commit.set).start()  # the second is waiting by then
        assert one.result(timeout=30) == Computed(removed=0, added=6)
        assert two.result(timeout=30) == Computed(removed=0, added=0)

    assert table() == {
        ("A", "B"): 2,
        ("B", "A"): 2,
        ("A", "C"): 1,
        ("C", "A"): 1,
        ("B", "C"): 1,
        ("C", "B"): 1,
    }
