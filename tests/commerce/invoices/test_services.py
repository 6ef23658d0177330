"""Invoice and credit note numbers: one per paid order and per succeeded refund, in sequence, without
gaps, under concurrency and rollbacks (real PostgreSQL row locks)."""

import threading

import pytest
from django.db import connection, transaction

from commerce.invoices.models import Invoice
from commerce.invoices.services import invoice_issue, number_take
from commerce.orders import services
from commerce.orders.models import Order
from commerce.payments.models import Refund
from commerce.payments.refunds import refund_apply
from tests.factories import ADDRESS, CartFactory, CartLineFactory, OrderFactory, UserFactory, VariantFactory
from tests.races import race, wait_for_a_lock_wait

pytestmark = pytest.mark.timeout(120)
K = Invoice.Kind


def pay(order: Order) -> Order:
    """What Stripe's webhook does once the card is taken."""
    return services.order_mark_paid(
        order=order, amount_minor=order.total_minor, currency=order.currency, reference=f"pi_{order.number}"
    )


def numbers(kind: str = K.INVOICE) -> list[str]:
    return list(Invoice.objects.filter(kind=kind).order_by("sequence").values_list("number", flat=True))


@pytest.mark.django_db
class TestIssue:
    def test_paying_an_order_issues_its_invoice_in_the_payments_transaction(self, order):
        assert numbers() == []

        paid = pay(order)

        invoice = Invoice.objects.get(order=paid)
        assert (invoice.kind, invoice.series, invoice.sequence, invoice.number) == (K.INVOICE, "INV", 1, "INV-000001")
        assert (invoice.amount, invoice.currency) == (paid.total, "USD")
        assert invoice.refund is None

    def test_a_payment_applied_twice_issues_one_invoice(self, order):
        pay(order)
        pay(order)

        assert numbers() == ["INV-000001"]
        assert invoice_issue(order=order).number == "INV-000001"

    def test_orders_paid_one_after_another_are_numbered_in_sequence(self, buyer):
        for _ in range(3):
            OrderFactory(paid=True)

        assert numbers() == ["INV-000001", "INV-000002", "INV-000003"]

    def test_an_unpaid_or_cancelled_order_has_no_invoice(self, order):
        services.order_cancel(order=order, actor=None)

        assert numbers() == []

    def test_a_rolled_back_payment_gives_its_number_back(self, order):
        seen = []

        def pay_then_fail() -> None:
            with transaction.atomic():
                pay(order)
                seen.extend(numbers())
                raise RuntimeError("the transaction fails after the invoice row")

        with pytest.raises(RuntimeError):
            pay_then_fail()

        assert seen == ["INV-000001"]
        assert numbers() == []
        pay(OrderFactory(user=UserFactory()))
        assert numbers() == ["INV-000001"]


@pytest.mark.django_db(transaction=True)
def test_a_number_is_only_taken_inside_the_documents_transaction():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        number_take(series="INV")  # autocommit: the number would be used whatever became of the document


@pytest.mark.django_db
class TestCreditNotes:
    def refund(self, order: Order, amount_minor: int) -> Refund:
        return Refund.objects.create(payment=order.payments.get(), amount_minor=amount_minor, reason="Scratched")

    def test_a_succeeded_refund_gets_a_credit_note_in_its_own_series(self, buyer, tee):
        order = OrderFactory(paid=True, user=buyer, variant=tee, quantity=2)
        refund = self.refund(order, 1000)

        refund_apply(refund_pk=refund.pk, stripe_refund_id="re_1", stripe_status="succeeded")
        refund_apply(refund_pk=refund.pk, stripe_refund_id="re_1", stripe_status="succeeded")  # the webhook again

        note = Invoice.objects.get(kind=K.CREDIT_NOTE)
        assert (note.number, note.order, note.refund, str(note.amount)) == ("CN-000001", order, refund, "10.00")
        assert numbers() == ["INV-000001"]

    def test_each_partial_refund_and_the_last_one_get_one_each(self, buyer, tee):
        order = OrderFactory(paid=True, user=buyer, variant=tee, quantity=2)
        first, last = self.refund(order, 1000), self.refund(order, order.total_minor - 1000)

        refund_apply(refund_pk=first.pk, stripe_refund_id="re_1", stripe_status="succeeded")
        refund_apply(refund_pk=last.pk, stripe_refund_id="re_2", stripe_status="succeeded")

        assert numbers(K.CREDIT_NOTE) == ["CN-000001", "CN-000002"]
        assert Invoice.objects.get(refund=last).amount == order.total - 10
        order.refresh_from_db()
        assert order.status == Order.Status.REFUNDED

    def test_a_refund_of_an_order_never_invoiced_gets_none(self, buyer, tee):
        order = OrderFactory(paid=True, user=buyer, variant=tee, quantity=2)
        Invoice.objects.filter(order=order).delete()  # paid before invoices, or a late payment given back
        refund = self.refund(order, 1000)

        refund_apply(refund_pk=refund.pk, stripe_refund_id="re_1", stripe_status="succeeded")

        assert numbers(K.CREDIT_NOTE) == []

    def test_a_failed_refund_gets_none(self, buyer, tee):
        order = OrderFactory(paid=True, user=buyer, variant=tee, quantity=2)
        refund = self.refund(order, 1000)

        refund_apply(refund_pk=refund.pk, stripe_refund_id="re_1", stripe_status="failed")

        assert numbers(K.CREDIT_NOTE) == []


@pytest.mark.django_db(transaction=True)
class TestConcurrency:
    @pytest.fixture(autouse=True)
    def _postgres_only(self):  # type: ignore[no-untyped-def]
        if connection.vendor != "postgresql":
            pytest.skip("needs PostgreSQL row locks")

    def placed(self, n: int) -> list[Order]:
        variant = VariantFactory(stock=100)
        orders = []
        for _ in range(n):
            cart = CartFactory(user=UserFactory())
            CartLineFactory(cart=cart, variant=variant, quantity=1)
            orders.append(
                services.checkout_start(cart=cart, user=cart.user, email="buyer@example.com", address=dict(ADDRESS))
            )
        return orders

    def test_orders_paid_at_once_take_every_number_once_without_gaps(self):
        orders = self.placed(12)

        results = race(12, lambda i: pay(orders[i]))

        assert all(isinstance(r, Order) and r.status == Order.Status.PAID for r in results), results
        assert numbers() == [f"INV-{n:06d}" for n in range(1, 13)]
        assert Invoice.objects.values("order").distinct().count() == 12

    def test_a_payment_rolled_back_while_another_waits_leaves_no_gap(self):
        first, second = self.placed(2)
        took, undo = threading.Event(), threading.Event()

        def pay_then_fail() -> None:
            try:
                with transaction.atomic():
                    pay(first)
                    took.set()
                    undo.wait(30)
                    raise RuntimeError("the payment's transaction fails after its invoice")
            except RuntimeError:
                pass
            finally:
                connection.close()

        def pay_second() -> None:
            try:
                pay(second)
            finally:
                connection.close()

        failing = threading.Thread(target=pay_then_fail)
        failing.start()
        assert took.wait(30)
        waiting = threading.Thread(target=pay_second)
        waiting.start()
        wait_for_a_lock_wait()  # the second payment waits for the series row the first holds
        undo.set()
        failing.join(60)
        waiting.join(60)

        assert list(Invoice.objects.values_list("order__number", "number")) == [(second.number, "INV-000001")]
        first.refresh_from_db()
        assert first.status == Order.Status.PENDING_PAYMENT
        pay(first)
        assert numbers() == ["INV-000001", "INV-000002"]
