"""Checkout, payment and hold release under real concurrency: threads, each with its own connection,
against PostgreSQL's row locks (both checkout paths)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from commerce.catalog.models import Variant
from commerce.discounts.errors import DiscountError
from commerce.discounts.models import DiscountRedemption
from commerce.inventory.errors import OutOfStock
from commerce.inventory.models import StockHold
from commerce.orders import services
from commerce.orders.models import Order, OrderEvent
from tests.factories import (
    ADDRESS,
    CartFactory,
    CartLineFactory,
    DiscountCodeFactory,
    OrderFactory,
    UserFactory,
    VariantFactory,
)
from tests.races import race, wait_for_a_lock_wait

S = Order.Status
EMAIL = "buyer@example.com"


def stock(sku: str) -> int:
    return Variant.objects.get(sku=sku).stock


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("checkout_path")
class TestConcurrency:
    @pytest.fixture(autouse=True)
    def _postgres_only(self):  # type: ignore[no-untyped-def]
        if connection.vendor != "postgresql":
            pytest.skip("needs PostgreSQL row locks")

    def test_forty_buyers_race_for_the_last_ten_units(self):
        variant = VariantFactory(stock=10, sku="LAST")
        carts = [
            CartLineFactory(cart=CartFactory(user=UserFactory()), variant=variant, quantity=1).cart for _ in range(40)
        ]

        results = race(
            40, lambda i: services.checkout_start(cart=carts[i], user=carts[i].user, email=EMAIL, address=ADDRESS)
        )

        orders = [r for r in results if isinstance(r, Order)]
        refused = [r for r in results if isinstance(r, OutOfStock)]
        assert len(orders) == 10
        assert len(refused) == 30, [r for r in results if not isinstance(r, (Order, OutOfStock))][:3]
        assert stock("LAST") == 0
        assert Order.objects.filter(status=S.PENDING_PAYMENT).count() == 10
        assert all(r.message == f"{variant} sold out while you were checking out." for r in refused)

    def test_two_hundred_buyers_race_for_a_code_limited_to_fifty_uses(self):
        """The code's uses are taken like stock, in the order's transaction: exactly 50 orders carry
        it, the other 150 buyers are told it is used up, and nothing of theirs is written."""
        code = DiscountCodeFactory(code="FIFTY", usage_limit=50)
        variant = VariantFactory(stock=1000, sku="PLENTY", price="20.00")
        carts = [CartFactory(user=None, discount_code="FIFTY") for _ in range(200)]
        for cart in carts:
            CartLineFactory(cart=cart, variant=variant, quantity=1)

        results = race(
            200,
            lambda i: services.checkout_start(cart=carts[i], user=None, email=f"b{i}@example.com", address=ADDRESS),
        )

        orders = [r for r in results if isinstance(r, Order)]
        refused = [r for r in results if isinstance(r, DiscountError)]
        assert (len(orders), len(refused)) == (50, 150), [r for r in results if r not in orders + refused][:3]
        assert {error.code for error in refused} == {"used_up"}
        assert Order.objects.count() == Order.objects.filter(discount_code="FIFTY", discount_total="2.00").count() == 50
        assert DiscountRedemption.objects.filter(code=code, released_at__isnull=True).count() == 50
        code.refresh_from_db()
        assert code.times_used == 50
        assert stock("PLENTY") == 950

    def test_a_buyer_who_passes_the_first_look_but_loses_the_take_gets_nothing(self):
        """The stock read before the order is written is only a first look: here a sale commits
        between it and the take, and the take refuses and undoes everything."""
        kettle = VariantFactory(stock=5, sku="KETTLE")  # taken first (lower pk), then given back
        lamp = VariantFactory(product__name="Lamp", name="Brass", stock=1, sku="LAMP")
        cart = CartLineFactory(cart=CartFactory(), variant=kettle, quantity=1).cart
        CartLineFactory(cart=cart, variant=lamp, quantity=1)
        locked, release = threading.Event(), threading.Event()
        outcome: list[object] = []

        def rival_sale() -> None:  # holds the lamp's row, then sells the last one
            try:
                with transaction.atomic():
                    Variant.objects.select_for_update().get(pk=lamp.pk)
                    locked.set()
                    release.wait(10)
                    Variant.objects.filter(pk=lamp.pk).update(stock=0)
            finally:
                connection.close()

        def buy() -> None:
            try:
                outcome.append(services.checkout_start(cart=cart, user=None, email=EMAIL, address=ADDRESS))
            except OutOfStock as exc:
                outcome.append(exc)
            finally:
                connection.close()

        rival, buyer = threading.Thread(target=rival_sale), threading.Thread(target=buy)
        rival.start()
        assert locked.wait(10)
        buyer.start()
        wait_for_a_lock_wait()  # the buyer's take waits for the lamp's row
        release.set()
        rival.join(10)
        buyer.join(10)

        (refused,) = outcome
        assert isinstance(refused, OutOfStock)
        assert refused.message == "Lamp — Brass sold out while you were checking out."
        assert (stock("KETTLE"), stock("LAMP")) == (5, 0)
        assert not Order.objects.exists()
        assert not StockHold.objects.exists()

    def test_two_variants_in_opposite_cart_orders_do_not_deadlock(self):
        a = VariantFactory(stock=20, sku="A")
        b = VariantFactory(stock=20, sku="B")
        carts = []
        for i in range(20):
            cart = CartFactory(user=UserFactory())
            first, second = (a, b) if i % 2 else (b, a)  # lines added in opposite orders
            CartLineFactory(cart=cart, variant=first, quantity=1)
            CartLineFactory(cart=cart, variant=second, quantity=1)
            carts.append(cart)

        results = race(
            20, lambda i: services.checkout_start(cart=carts[i], user=carts[i].user, email=EMAIL, address=ADDRESS)
        )

        assert [type(r).__name__ for r in results] == ["Order"] * 20
        assert (stock("A"), stock("B")) == (0, 0)

    def test_release_running_twice_at_once_returns_stock_once(
        self,
    ):
        variant = VariantFactory(stock=10, sku="HELD")
        user = UserFactory()
        orders = [OrderFactory(variant=variant, quantity=2, user=user) for _ in range(3)]
        StockHold.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
        assert stock("HELD") == 4

        results = race(2, lambda i: services.holds_release_expired())

        assert sum(results) == 3  # type: ignore[arg-type]
        assert stock("HELD") == 10
        assert all(o.status == S.CANCELLED for o in Order.objects.filter(pk__in=[o.pk for o in orders]))
        assert OrderEvent.objects.filter(kind="expired").count() == 3

    def test_payment_and_expiry_at_once_leave_one_outcome(self):
        variant = VariantFactory(stock=1, sku="ONE", price="10.00")
        order = OrderFactory(variant=variant)
        StockHold.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

        race(
            2,
            lambda i: (
                services.holds_release_expired()
                if i
                else services.order_mark_paid(order=order, amount_minor=1000, currency="usd", reference="pi_x")
            ),
        )

        order.refresh_from_db()
        hold = StockHold.objects.get(order=order)
        if order.status == S.PAID:
            assert (stock("ONE"), hold.converted_at is not None, hold.released_at) == (0, True, None)
        else:
            assert order.status == S.CANCELLED
            assert (stock("ONE"), hold.released_at is not None, hold.converted_at) == (1, True, None)
