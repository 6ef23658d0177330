"""Refunds by line: what units of a line give back (rounding, the last units' remainder, tax in or on
top, the discount's share), and refund_create by lines against localstripe: the units left, the
payment's cap, two people refunding one line at once, and what the customer is told."""

from decimal import Decimal
from itertools import product

import pytest
from django.db import connection

from commerce import money
from commerce.notifications.models import Notification
from commerce.orders.models import Order, OrderEvent, OrderLine
from commerce.payments import refunds
from commerce.payments.errors import PaymentError
from commerce.payments.models import Refund, RefundLine
from commerce.payments.refund_lines import line_refundable_minor, lines_left, units_minor
from tests.breakdown_orders import TEE, Line, line_of, order_with_breakdown
from tests.factories import UserFactory
from tests.fake_stripe import stripe_api
from tests.races import race

S = Order.Status


# --- What units of a line give back ----------------------------------------------------------------


def line(total: str, quantity: int, *, discount: str = "0.00", tax: str = "0.00") -> OrderLine:
    return OrderLine(
        line_total=Decimal(total), quantity=quantity, discount_total=Decimal(discount), tax_total=Decimal(tax)
    )


@pytest.mark.parametrize(
    ("minor", "part", "whole", "share"),
    [(1001, 1, 3, 334), (1001, 2, 3, 667), (1079, 1, 3, 360), (1, 1, 2, 1), (1, 1, 3, 0), (0, 1, 2, 0), (5, 2, 2, 5)],
)
def test_a_share_is_rounded_to_the_minor_unit_halves_up(minor, part, whole, share):
    assert money.share_minor(minor, part, whole) == share


def test_tax_is_given_back_on_top_or_not_at_all_when_inside_the_price_and_the_discount_share_is_kept():
    # 2 × 20.00, 4.00 of the order's discount, 8% on the 36.00 left: 2.88 on top.
    assert (
        line_refundable_minor(line("40.00", 2, discount="4.00", tax="2.88"), prices_include_tax=False, currency="USD")
        == 3888
    )
    # The same with the 8% inside the prices: 36.00 paid, 2.67 of it tax, nothing added.
    assert (
        line_refundable_minor(line("40.00", 2, discount="4.00", tax="2.67"), prices_include_tax=True, currency="USD")
        == 3600
    )
    assert line_refundable_minor(line("9.99", 3, tax="0.80"), prices_include_tax=False, currency="USD") == 1079
    assert (
        line_refundable_minor(line("1200", 2, discount="100", tax="88"), prices_include_tax=False, currency="JPY")
        == 1188
    )


def test_units_give_back_their_share_and_the_last_ones_the_remainder():
    # 10.79 over 3 units: 3.60 a unit (3.5967 rounded), so the last is 3.59.
    assert units_minor(amount_minor=1079, quantity=3, units=1) == 360
    assert units_minor(amount_minor=1079, quantity=3, units=1, done_units=1, done_minor=360) == 360
    assert units_minor(amount_minor=1079, quantity=3, units=1, done_units=2, done_minor=720) == 359
    assert units_minor(amount_minor=1079, quantity=3, units=2) == 719
    assert units_minor(amount_minor=1079, quantity=3, units=1, done_units=2, done_minor=719) == 360
    assert units_minor(amount_minor=1079, quantity=3, units=3) == 1079
    # Rounding up on every unit would pass the line: 2 cents over 4 units give 1, 1, 0, 0.
    gave = [units_minor(amount_minor=2, quantity=4, units=1, done_units=i, done_minor=min(i, 2)) for i in range(4)]
    assert gave == [1, 1, 0, 0]
    with pytest.raises(ValueError, match="cannot refund 2 of 1 units"):
        units_minor(amount_minor=1079, quantity=3, units=2, done_units=2, done_minor=720)


def splits(quantity: int) -> list[list[int]]:
    """Every way of refunding `quantity` units in several refunds, in order (3 -> [3], [1, 2], [2, 1], [1, 1, 1])."""
    if quantity == 0:
        return [[]]
    return [[first, *rest] for first in range(1, quantity + 1) for rest in splits(quantity - first)]


@pytest.mark.parametrize(("amount", "quantity"), list(product([1, 2, 7, 100, 1079, 3888, 99999], [1, 2, 3, 4, 5, 7])))
def test_however_a_line_is_split_its_units_give_back_exactly_its_amount(amount, quantity):
    for split in splits(quantity):
        done_units = done_minor = 0
        for units in split:
            got = units_minor(
                amount_minor=amount, quantity=quantity, units=units, done_units=done_units, done_minor=done_minor
            )
            assert got >= 0
            done_units, done_minor = done_units + units, done_minor + got
        assert done_minor == amount, split


# --- refund_create by lines, at localstripe ---------------------------------------------------------


def by_lines(order: Order, **units: int) -> Refund:
    """Refund `units` of the order's lines, named by product ("Canopy_Tee"=1)."""
    quantities = {line_of(order, name.replace("_", " ")).pk: count for name, count in units.items()}
    return refunds.refund_create(order=order, amount_minor=None, actor=None, lines=quantities)


def stripe_amount(refund: Refund) -> int:
    return int(stripe_api().v1.refunds.retrieve(refund.stripe_refund_id).amount)


@pytest.mark.django_db
@pytest.mark.usefixtures("stripe_settings")
class TestRefundByLine:
    def test_one_unit_of_a_line_is_refunded_with_its_tax_and_less_its_discount_share(self):
        order = order_with_breakdown()  # 38.88 + 10.79 + 5.00 shipping + 0.40 its tax = 55.07
        payment = order.payments.get()
        assert payment.amount_minor == 5507

        refund = by_lines(order, Canopy_Tee=1)

        assert (refund.amount_minor, refund.status, stripe_amount(refund)) == (1944, Refund.Status.SUCCEEDED, 1944)
        tee = line_of(order, "Canopy Tee")
        assert list(refund.lines.values_list("order_line", "quantity", "amount_minor")) == [(tee.pk, 1, 1944)]
        assert refunds.refundable_minor(payment=payment) == 5507 - 1944
        order.refresh_from_db()
        assert order.status == S.PAID
        left = {item.line.product_name: (item.quantity_left, item.refunded_minor) for item in lines_left(order)}
        assert left == {"Canopy Tee": (1, 1944), "Trail Sock": (3, 0)}

    def test_a_line_refunded_unit_by_unit_gives_back_exactly_its_amount_and_then_no_more(self):
        order = order_with_breakdown()

        amounts = [by_lines(order, Trail_Sock=1).amount_minor for _ in range(3)]

        assert amounts == [360, 360, 359]
        assert sum(amounts) == 1079
        with pytest.raises(PaymentError) as err:
            by_lines(order, Trail_Sock=1)
        assert (err.value.code, err.value.status) == ("bad_refund_lines", 422)
        assert err.value.message == (
            "Only 0 of Trail Sock — L can still be refunded (3 of 3 refunded or being refunded). Nothing was refunded."
        )
        assert Refund.objects.count() == 3

    def test_several_lines_at_once_make_one_refund(self):
        order = order_with_breakdown()

        refund = by_lines(order, Canopy_Tee=2, Trail_Sock=2)

        assert refund.amount_minor == 3888 + 719
        assert stripe_amount(refund) == 4607
        assert sorted(refund.lines.values_list("quantity", "amount_minor")) == [(2, 719), (2, 3888)]

    def test_more_units_than_the_line_has_left_are_refused_and_nothing_is_held(self):
        order = order_with_breakdown()
        by_lines(order, Canopy_Tee=1)

        with pytest.raises(PaymentError) as err:
            by_lines(order, Canopy_Tee=2, Trail_Sock=1)

        assert err.value.message == (
            "Only 1 of Canopy Tee — M can still be refunded (1 of 2 refunded or being refunded). Nothing was refunded."
        )
        assert Refund.objects.count() == RefundLine.objects.count() == 1

    def test_a_failed_refund_gives_its_units_back(self):
        order = order_with_breakdown()
        first = by_lines(order, Canopy_Tee=2)
        Refund.objects.filter(pk=first.pk).update(status=Refund.Status.FAILED)  # as Stripe's late "failed" leaves it

        again = by_lines(order, Canopy_Tee=2)

        assert again.amount_minor == 3888

    def test_a_pending_refund_holds_its_units(self, settings):
        from tests.fake_stripe import dead_base

        order = order_with_breakdown()
        settings.STRIPE_API_BASE = dead_base()
        pending = by_lines(order, Canopy_Tee=2)
        assert (pending.status, pending.stripe_refund_id) == (Refund.Status.PENDING, None)

        with pytest.raises(PaymentError, match="Only 0 of Canopy Tee — M can still be refunded"):
            by_lines(order, Canopy_Tee=1)

    def test_lines_are_capped_by_what_is_left_of_the_payment(self):
        order = order_with_breakdown()
        refunds.refund_create(order=order, amount_minor=5450, actor=None)  # 0.57 left

        with pytest.raises(PaymentError) as err:
            by_lines(order, Canopy_Tee=1)

        assert (err.value.code, err.value.status) == ("bad_refund_lines", 422)
        assert (
            err.value.message == "These items come to 19.44, but only 0.57 is left to refund. Refund by amount instead."
        )
        assert Refund.objects.count() == 1
        assert not RefundLine.objects.exists()

    def test_a_line_of_another_order_and_lines_with_an_amount_are_refused(self):
        order, other = order_with_breakdown(), order_with_breakdown(Line("Mug", "Blue", "8.00", 1))

        with pytest.raises(PaymentError) as err:
            refunds.refund_create(order=order, amount_minor=None, actor=None, lines={line_of(other, "Mug").pk: 1})
        assert (
            err.value.message
            == f"Order {order.number} has no such item (line {line_of(other, 'Mug').pk}). Nothing was refunded."
        )
        with pytest.raises(PaymentError) as err:
            refunds.refund_create(order=order, amount_minor=100, actor=None, lines={line_of(order, "Canopy Tee").pk: 1})
        assert err.value.message == "Give either the items to refund or an amount, not both."
        with pytest.raises(PaymentError, match="Refund at least 1 of Canopy Tee — M"):
            by_lines(order, Canopy_Tee=0)
        assert not Refund.objects.exists()

    def test_every_line_refunded_leaves_the_shipping_and_the_order_is_not_refunded(self):
        order = order_with_breakdown()

        by_lines(order, Canopy_Tee=2)
        by_lines(order, Trail_Sock=3)

        order.refresh_from_db()
        assert order.status == S.PAID  # 5.40 of shipping and its tax are still paid for
        assert refunds.refundable_minor(payment=order.payments.get()) == 540
        assert OrderEvent.objects.filter(order=order, kind="refunded").count() == 0
        last = refunds.refund_create(order=order, amount_minor=None, actor=None)  # staff refund the shipping
        assert last.amount_minor == 540
        order.refresh_from_db()
        assert order.status == S.REFUNDED

    def test_lines_that_are_the_whole_payment_refund_the_order(self):
        order = order_with_breakdown(TEE, shipping="0.00", shipping_tax="0.00")

        by_lines(order, Canopy_Tee=1)
        by_lines(order, Canopy_Tee=1)

        order.refresh_from_db()
        assert order.status == S.REFUNDED
        assert OrderEvent.objects.get(order=order, kind="refunded").note == "Refunded $38.88."

    def test_tax_inside_the_prices_is_not_given_back_twice(self):
        inclusive = Line("Canopy Tee", "M", "21.60", 2, discount="4.32", tax="2.88")  # 38.88 paid, tax inside
        order = order_with_breakdown(inclusive, shipping="0.00", shipping_tax="0.00", prices_include_tax=True)
        assert order.payments.get().amount_minor == 3888

        assert by_lines(order, Canopy_Tee=1).amount_minor == 1944


@pytest.mark.django_db
@pytest.mark.usefixtures("stripe_settings")
class TestWhatTheCustomerIsTold:
    def test_a_refund_by_line_names_its_units_in_the_email_and_on_the_timeline(self):
        buyer = UserFactory(email="bea@example.com")
        order = order_with_breakdown(user=buyer)

        refund = by_lines(order, Canopy_Tee=1)

        note = "Refunded 1 × Canopy Tee — M: $19.44."
        assert OrderEvent.objects.get(order=order, kind="refund_partial").note == note
        email = Notification.objects.get(
            event="order_refunded", channel="email", idempotency_key__contains=f":refund:{refund.pk}:"
        )
        assert email.subject == f"Part of your order was refunded: order {order.number}"
        assert f"\n{note}\n" in email.body_text
        assert f'<td style="padding-bottom:12px;" data-note>{note}</td>' in email.body_html

    def test_several_lines_are_named_with_their_amounts_and_a_public_reason_follows(self):
        order = order_with_breakdown(user=UserFactory())
        quantities = {line_of(order, "Canopy Tee").pk: 1, line_of(order, "Trail Sock").pk: 2}

        refunds.refund_create(
            order=order, amount_minor=None, actor=None, lines=quantities, reason="Wrong size", reason_public=True
        )

        assert OrderEvent.objects.get(order=order, kind="refund_partial").note == (
            "Refunded 1 × Canopy Tee — M ($19.44) and 2 × Trail Sock — L ($7.19): $26.63. Wrong size"
        )


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("stripe_settings")
class TestTwoAtOnce:
    @pytest.fixture(autouse=True)
    def _postgres_only(self):  # type: ignore[no-untyped-def]
        if connection.vendor != "postgresql":
            pytest.skip("needs PostgreSQL row locks")

    def test_two_people_refunding_the_same_units_at_once_refund_them_once(self):
        order = order_with_breakdown()
        tee = line_of(order, "Canopy Tee").pk

        results = race(4, lambda i: refunds.refund_create(order=order, amount_minor=None, actor=None, lines={tee: 2}))

        done = [r for r in results if isinstance(r, Refund)]
        refused = [r for r in results if isinstance(r, PaymentError)]
        assert len(done) == 1, results
        assert len(refused) == 3
        assert {r.code for r in refused} == {"bad_refund_lines"}
        assert done[0].status == Refund.Status.SUCCEEDED
        assert list(RefundLine.objects.values_list("order_line", "quantity", "amount_minor")) == [(tee, 2, 3888)]
        assert refunds.refundable_minor(payment=order.payments.get()) == 5507 - 3888

    def test_units_of_one_line_refunded_at_once_never_pass_its_quantity(self):
        order = order_with_breakdown()
        sock = line_of(order, "Trail Sock").pk

        results = race(5, lambda i: refunds.refund_create(order=order, amount_minor=None, actor=None, lines={sock: 1}))

        assert sum(isinstance(r, Refund) for r in results) == 3, results
        assert sorted(RefundLine.objects.values_list("amount_minor", flat=True)) == [359, 360, 360]
