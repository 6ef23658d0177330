from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from commerce.cart.models import Cart, CartLine
from commerce.catalog.models import Variant
from commerce.inventory.errors import OutOfStock
from commerce.inventory.models import StockHold
from commerce.orders import services
from commerce.orders.errors import OrderError
from commerce.orders.models import Order, OrderEvent
from tests.factories import ADDRESS, CartFactory, DiscountCodeFactory, OrderFactory, UserFactory

pytestmark = pytest.mark.django_db
S = Order.Status


def stock(sku: str) -> int:
    return Variant.objects.get(sku=sku).stock


def timeline(order: Order) -> list[str]:
    return list(OrderEvent.objects.filter(order=order).values_list("kind", flat=True))


@pytest.mark.parametrize("function", ["commerce_checkout_place", "commerce_checkout_lines"])
def test_the_database_functions_run_on_generic_plans(function):
    """Planning each statement with the call's values cost most of a sell-out's database CPU (a
    connection's first five calls); a replacement of a function must keep the setting."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT proconfig FROM pg_proc WHERE proname = %s", [function])
        assert cursor.fetchall() == [(["plan_cache_mode=force_generic_plan"],)]


@pytest.mark.usefixtures("checkout_path")
class TestCheckoutStart:
    def test_the_database_path_is_one_call(self, filled_cart, buyer, checkout_path):
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            services.checkout_start(cart=filled_cart, user=buyer, email=buyer.email, address=ADDRESS)

        calls = [q["sql"] for q in queries.captured_queries if "commerce_checkout_place" in q["sql"]]
        assert len(calls) == (1 if checkout_path == "database" else 0)

    def test_creates_the_order_with_snapshots_takes_stock_and_holds_it(self, filled_cart, buyer, settings):
        settings.STOCK_HOLD_SECONDS = 600
        before = timezone.now()

        order = services.checkout_start(cart=filled_cart, user=buyer, email=buyer.email, address=ADDRESS)

        assert order.status == S.PENDING_PAYMENT
        assert order.number.startswith("LS-")
        assert len(order.number) == 12
        assert order.total == Decimal("62.00")
        assert order.total_minor == 6200
        assert order.shipping_address == ADDRESS
        assert [
            (line.product_name, line.variant_name, line.sku, line.unit_price, line.quantity)
            for line in order.lines.all()
        ] == [
            ("Tee", "M", "TEE-M", Decimal("24.00"), 2),
            ("Mug", "11 oz", "MUG-11", Decimal("14.00"), 1),
        ]
        assert (stock("TEE-M"), stock("MUG-11")) == (3, 2)
        hold = StockHold.objects.get(order=order)
        assert before + timedelta(seconds=599) < hold.expires_at <= timezone.now() + timedelta(seconds=600)
        assert timeline(order) == ["placed"]
        assert CartLine.objects.filter(cart=filled_cart).count() == 2  # the cart empties when paid

    def test_line_snapshot_keeps_the_price_paid(self, filled_cart, buyer):
        order = services.checkout_start(cart=filled_cart, user=buyer, email=buyer.email, address=ADDRESS)
        Variant.objects.filter(sku="TEE-M").update(price=Decimal("99.00"))

        assert order.lines.get(sku="TEE-M").unit_price == Decimal("24.00")

    def test_out_of_stock_names_the_line_and_rolls_everything_back(self, filled_cart, buyer):
        Variant.objects.filter(sku="MUG-11").update(stock=0)  # the second line in pk order fails

        with pytest.raises(OutOfStock) as err:
            services.checkout_start(cart=filled_cart, user=buyer, email=buyer.email, address=ADDRESS)

        assert err.value.message == "Mug — 11 oz sold out while you were checking out."
        assert stock("TEE-M") == 5  # the first take was rolled back
        assert not Order.objects.exists()
        assert not StockHold.objects.exists()

    def test_partial_stock_says_how_many_are_left(self, filled_cart, buyer):
        Variant.objects.filter(sku="TEE-M").update(stock=1)

        with pytest.raises(OutOfStock) as err:
            services.checkout_start(cart=filled_cart, user=buyer, email=buyer.email, address=ADDRESS)

        assert err.value.message == "Only 1 of Tee — M left (you wanted 2)."

    def test_empty_cart_is_refused(self, buyer):
        with pytest.raises(OrderError) as err:
            services.checkout_start(cart=CartFactory(user=buyer), user=buyer, email=buyer.email, address=ADDRESS)
        assert err.value.code == "empty_cart"

    def test_withdrawn_product_is_refused(self, filled_cart, buyer):
        Variant.objects.filter(sku="MUG-11").update(is_active=False)

        with pytest.raises(OrderError) as err:
            services.checkout_start(cart=filled_cart, user=buyer, email=buyer.email, address=ADDRESS)

        assert err.value.code == "unavailable"
        assert stock("TEE-M") == 5

    def test_checking_out_again_replaces_the_unpaid_order(self, filled_cart, buyer):
        first = services.checkout_start(cart=filled_cart, user=buyer, email=buyer.email, address=ADDRESS)
        second = services.checkout_start(cart=filled_cart, user=buyer, email=buyer.email, address=ADDRESS)

        first.refresh_from_db()
        assert first.status == S.CANCELLED
        assert second.status == S.PENDING_PAYMENT
        assert (stock("TEE-M"), stock("MUG-11")) == (3, 2)  # held once, not twice


class TestPayment:
    def test_mark_paid_converts_the_hold_and_empties_the_cart_once(self, filled_cart, buyer):
        order = OrderFactory(cart=filled_cart, user=buyer)

        services.order_mark_paid(order=order, amount_minor=6200, currency="usd", reference="pi_1")
        services.order_mark_paid(order=order, amount_minor=6200, currency="usd", reference="pi_1")

        order.refresh_from_db()
        assert order.status == S.PAID
        assert order.paid_at is not None
        assert timeline(order) == ["placed", "paid"]
        assert StockHold.objects.get(order=order).converted_at is not None
        assert not CartLine.objects.filter(cart=filled_cart).exists()
        assert (stock("TEE-M"), stock("MUG-11")) == (3, 2)

    def test_paid_keeps_what_was_added_to_the_cart_after_checkout(self, filled_cart, buyer):
        order = OrderFactory(cart=filled_cart, user=buyer)
        CartLine.objects.filter(cart=filled_cart, variant__sku="TEE-M").update(quantity=3)

        services.order_mark_paid(order=order, amount_minor=6200, currency="usd", reference="pi_1")

        assert list(CartLine.objects.filter(cart=filled_cart).values_list("variant__sku", "quantity")) == [("TEE-M", 1)]

    def test_paid_takes_the_code_it_used_off_the_cart(self, filled_cart, buyer):
        DiscountCodeFactory(code="ONCE", per_customer_limit=1)
        Cart.objects.filter(pk=filled_cart.pk).update(discount_code="ONCE")
        order = OrderFactory(cart=filled_cart, user=buyer)
        assert order.discount_code == "ONCE"

        services.order_mark_paid(order=order, amount_minor=order.total_minor, currency="usd", reference="pi_1")

        assert Cart.objects.get(pk=filled_cart.pk).discount_code == ""

    def test_wrong_amount_does_not_pay(self, filled_cart, buyer):
        order = OrderFactory(cart=filled_cart, user=buyer)

        services.order_mark_paid(order=order, amount_minor=100, currency="usd", reference="pi_1")

        order.refresh_from_db()
        assert order.status == S.PENDING_PAYMENT
        assert timeline(order) == ["placed", "payment_mismatch"]

    def test_failed_after_paid_changes_nothing(self, filled_cart, buyer):
        order = OrderFactory(paid=True, cart=filled_cart, user=buyer)

        services.order_note_payment_failed(order=order, message="card declined", reference="pi_1")

        order.refresh_from_db()
        assert order.status == S.PAID
        assert timeline(order) == ["placed", "paid"]

    def test_payment_after_expiry_leaves_the_order_cancelled(self, filled_cart, buyer):
        order = OrderFactory(cart=filled_cart, user=buyer)
        StockHold.objects.filter(order=order).update(expires_at=timezone.now() - timedelta(seconds=1))
        assert services.holds_release_expired() == 1

        services.order_mark_paid(order=order, amount_minor=6200, currency="usd", reference="pi_1")

        order.refresh_from_db()
        assert order.status == S.CANCELLED
        assert timeline(order) == ["placed", "expired", "payment_after_cancel"]
        assert (stock("TEE-M"), stock("MUG-11")) == (5, 3)


class TestStatusMachine:
    @pytest.fixture
    def paid(self, filled_cart, buyer):  # type: ignore[no-untyped-def]
        return OrderFactory(paid=True, cart=filled_cart, user=buyer)

    def test_forward_path_writes_the_timeline(self, paid):
        staff = UserFactory(is_staff=True)

        services.order_transition(order=paid, to=S.PACKED, actor=staff)
        services.order_transition(order=paid, to=S.SHIPPED, actor=staff, tracking_number="1Z999")
        order = services.order_transition(order=paid, to=S.DELIVERED, actor=staff)

        assert order.status == S.DELIVERED
        assert order.tracking_number == "1Z999"
        events = list(OrderEvent.objects.filter(order=order).values_list("kind", "from_status", "to_status", "actor"))
        assert events[-3:] == [
            ("packed", "paid", "packed", staff.pk),
            ("shipped", "packed", "shipped", staff.pk),
            ("delivered", "shipped", "delivered", staff.pk),
        ]

    @pytest.mark.parametrize("to", [S.SHIPPED, S.DELIVERED])
    def test_skipping_a_step_is_refused(self, paid, to):
        with pytest.raises(OrderError) as err:
            services.order_transition(order=paid, to=to, actor=None)

        assert err.value.code == "bad_transition"
        paid.refresh_from_db()
        assert paid.status == S.PAID

    def test_unpaid_order_cannot_be_packed(self, filled_cart, buyer):
        order = OrderFactory(cart=filled_cart, user=buyer)

        with pytest.raises(OrderError, match="An order that is pending payment cannot become packed."):
            services.order_transition(order=order, to=S.PACKED, actor=None)

    def test_refund_before_shipping_restocks(self, paid):
        services.order_mark_refunded(order=paid, actor=None)
        services.order_mark_refunded(order=paid, actor=None)

        assert (stock("TEE-M"), stock("MUG-11")) == (5, 3)
        assert timeline(paid)[-2:] == ["refunded", "restocked"]

    def test_refund_after_shipping_does_not_restock(self, paid):
        services.order_transition(order=paid, to=S.PACKED, actor=None)
        services.order_transition(order=paid, to=S.SHIPPED, actor=None)

        services.order_mark_refunded(order=paid, actor=None)

        assert (stock("TEE-M"), stock("MUG-11")) == (3, 2)

    def test_cancel_unpaid_gives_stock_back_once(self, filled_cart, buyer):
        order = OrderFactory(cart=filled_cart, user=buyer)

        services.order_cancel(order=order, actor=None)
        services.order_cancel(order=order, actor=None)

        assert (stock("TEE-M"), stock("MUG-11")) == (5, 3)
        assert timeline(order) == ["placed", "cancelled"]


class TestHoldExpiry:
    def test_only_expired_holds_are_released(self, filled_cart, buyer):
        order = OrderFactory(cart=filled_cart, user=buyer)

        assert services.holds_release_expired() == 0
        assert services.holds_release_expired(now=timezone.now() + timedelta(hours=1)) == 1
        assert services.holds_release_expired(now=timezone.now() + timedelta(hours=1)) == 0

        order.refresh_from_db()
        assert order.status == S.CANCELLED
        assert (stock("TEE-M"), stock("MUG-11")) == (5, 3)

    def test_paid_orders_are_never_released(self, filled_cart, buyer):
        OrderFactory(paid=True, cart=filled_cart, user=buyer)

        assert services.holds_release_expired(now=timezone.now() + timedelta(hours=1)) == 0
        assert (stock("TEE-M"), stock("MUG-11")) == (3, 2)
