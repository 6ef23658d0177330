"""Taking a use of a code at checkout, and giving it back when the order is cancelled or expires."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from commerce.discounts.errors import DiscountError
from commerce.discounts.models import DiscountCode, DiscountRedemption
from commerce.discounts.services import discount_give_back, discount_redeem
from commerce.inventory.models import StockHold
from commerce.orders import services as orders
from tests.factories import DiscountCodeFactory, OrderFactory, UserFactory

pytestmark = pytest.mark.django_db


def used(code: DiscountCode) -> int:
    code.refresh_from_db()
    return code.times_used


class TestRedeem:
    def test_takes_a_use_and_writes_the_redemption(self, order_row):
        code = DiscountCodeFactory(code="TWICE", usage_limit=2)
        ann = UserFactory(email="ann@example.com")
        order = order_row("ann@example.com", ann)

        redemption = discount_redeem(code=code, order=order, user=ann, email=" Ann@Example.com")

        assert used(code) == 1
        assert (redemption.code, redemption.order, redemption.user, redemption.email) == (
            code,
            order,
            ann,
            "ann@example.com",
        )
        assert redemption.released_at is None

    def test_the_last_use_then_used_up_and_nothing_written(self, order_row):
        code = DiscountCodeFactory(code="LASTONE", usage_limit=1)
        discount_redeem(code=code, order=order_row(), user=None, email="a@example.com")

        with pytest.raises(DiscountError) as caught:
            discount_redeem(code=code, order=order_row(), user=None, email="b@example.com")

        assert caught.value.code == "used_up"
        assert (used(code), DiscountRedemption.objects.count()) == (1, 1)

    def test_per_customer_limit_refused_and_the_counter_put_back(self, order_row):
        code = DiscountCodeFactory(code="ONCE", per_customer_limit=1)
        discount_redeem(code=code, order=order_row(), user=None, email="ann@example.com")

        with transaction.atomic():  # the checkout's transaction, which goes on (or rolls back) after
            with pytest.raises(DiscountError) as caught:
                discount_redeem(code=code, order=order_row(), user=None, email="ANN@example.com")
            assert used(code) == 1  # its own savepoint undid the take

        assert caught.value.code == "already_used"
        assert DiscountRedemption.objects.count() == 1

    def test_a_code_switched_off_since_the_check(self, order_row):
        code = DiscountCodeFactory(code="PAUSED")
        DiscountCode.objects.filter(pk=code.pk).update(is_active=False)

        with pytest.raises(DiscountError) as caught:
            discount_redeem(code=code, order=order_row(), user=None, email="a@example.com")

        assert caught.value.code == "unknown_code"
        assert used(code) == 0

    def test_one_use_per_order(self, order_row):
        code = DiscountCodeFactory(code="ANY")
        order = order_row()
        discount_redeem(code=code, order=order, user=None, email="a@example.com")

        with pytest.raises(IntegrityError), transaction.atomic():
            discount_redeem(code=code, order=order, user=None, email="a@example.com")


class TestGiveBack:
    def test_gives_the_use_back_once(self, order_row):
        code = DiscountCodeFactory(code="BACK", usage_limit=1)
        order = order_row()
        discount_redeem(code=code, order=order, user=None, email="a@example.com")

        assert discount_give_back(order=order) is True
        assert discount_give_back(order=order) is False

        assert used(code) == 0
        assert DiscountRedemption.objects.get().released_at is not None
        # The use is free for someone else now.
        discount_redeem(code=code, order=order_row(), user=None, email="b@example.com")
        assert used(code) == 1

    def test_an_order_without_a_code(self, order_row):
        assert discount_give_back(order=order_row()) is False

    def test_cancelling_the_order_gives_it_back(self):
        code = DiscountCodeFactory(code="CANCEL")
        order = OrderFactory()
        discount_redeem(code=code, order=order, user=None, email=order.email)

        orders.order_cancel(order=order, actor=None)

        assert used(code) == 0
        assert DiscountRedemption.objects.get(order=order).released_at is not None

    def test_an_expired_hold_gives_it_back(self):
        code = DiscountCodeFactory(code="EXPIRE")
        order = OrderFactory()
        discount_redeem(code=code, order=order, user=None, email=order.email)
        StockHold.objects.filter(order=order).update(expires_at=timezone.now() - timedelta(seconds=1))

        assert orders.holds_release_expired() == 1

        assert used(code) == 0

    def test_a_new_checkout_of_the_same_cart_gives_the_replaced_orders_use_back(self):
        code = DiscountCodeFactory(code="AGAIN")
        order = OrderFactory()
        discount_redeem(code=code, order=order, user=None, email=order.email)

        orders.checkout_start(cart=order.cart, user=None, email=order.email, address=order.shipping_address)

        order.refresh_from_db()
        assert (order.status, used(code)) == ("cancelled", 0)

    def test_a_paid_order_keeps_its_use(self):
        code = DiscountCodeFactory(code="KEEP")
        order = OrderFactory()
        discount_redeem(code=code, order=order, user=None, email=order.email)

        orders.order_mark_paid(order=order, amount_minor=order.total_minor, currency="usd", reference="pi_1")
        orders.holds_release_expired(now=timezone.now() + timedelta(days=1))

        assert used(code) == 1


class TestConstraints:
    @pytest.mark.parametrize(
        ("fields", "constraint"),
        [
            ({"times_used": 3, "usage_limit": 2}, "discountcode_times_used_within_limit"),
            ({"kind": "percent", "value": "100.01"}, "discountcode_value_fits_kind"),
            ({"kind": "percent", "value": "0"}, "discountcode_value_fits_kind"),
            ({"kind": "fixed", "value": "10000.01"}, "discountcode_value_fits_kind"),
            ({"kind": "free_shipping", "value": "5"}, "discountcode_value_fits_kind"),
            ({"min_subtotal": "-1"}, "discountcode_min_subtotal_non_negative"),
            ({"usage_limit": 0}, "discountcode_usage_limit_positive"),
        ],
    )
    def test_the_database_refuses_bad_counters_and_amounts(self, fields, constraint):
        code = DiscountCodeFactory(code="GOOD")

        with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
            DiscountCode.objects.filter(pk=code.pk).update(**fields)

    def test_codes_are_unique_whatever_their_case(self):
        DiscountCodeFactory(code="SUMMER")

        with pytest.raises(IntegrityError), transaction.atomic():
            DiscountCodeFactory(code="summer")
