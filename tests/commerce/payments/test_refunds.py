"""Refunds that meet Stripe's outages and refusals: localstripe behind a fault-injecting proxy."""

from datetime import timedelta

import pytest
from django.utils import timezone

from commerce.orders.models import Order
from commerce.orders.services import order_cancel
from commerce.payments import refunds, services
from commerce.payments.errors import PaymentError
from commerce.payments.models import Payment, Refund
from tests.factories import UserFactory
from tests.fake_stripe import pay_at_stripe

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings", "worker_retries")]
S = Order.Status
REFUNDS = "/v1/refunds"


def later(settings) -> timezone.datetime:  # type: ignore[no-untyped-def]
    return timezone.now() + timedelta(seconds=settings.REFUND_SWEEP_GRACE_SECONDS + 1)


def paid_late(order: Order) -> Payment:
    """A payment that got through after the order was cancelled (its hold ran out)."""
    payment = services.payment_start(order=order)
    order_cancel(order=order, actor=None, note="Hold expired.")
    pay_at_stripe(payment)
    services.payment_sync(order=order)  # its refund task is queued on commit, which never comes here
    return payment


class TestOutage:
    def test_a_refund_that_meets_an_outage_is_sent_again_by_its_task_with_the_same_key(
        self, paid_order, proxy, django_capture_on_commit_callbacks
    ):
        order = paid_order
        staff = UserFactory(is_staff=True)
        proxy.fail("POST", REFUNDS, times=2)

        # On commit the retry task is queued (eager here: it runs, and its own retry runs at once).
        with django_capture_on_commit_callbacks(execute=True):
            refund = refunds.refund_create(order=order, amount_minor=None, actor=staff, reason="Damaged")
            assert (refund.status, refund.stripe_refund_id) == (Refund.Status.PENDING, None)

        refund.refresh_from_db()
        order.refresh_from_db()
        assert (refund.status, refund.attempts, refund.claimed_until) == (Refund.Status.SUCCEEDED, 3, None)
        assert order.status == S.REFUNDED
        calls = proxy.seen("POST", REFUNDS)
        assert [call.answered for call in calls] == [500, 500, 200]
        key = f"order-{order.number}-refund-{refund.pk}"
        assert [call.idempotency_key for call in calls] == [key, key, key]

    def test_the_sweep_sends_an_unsent_refund_of_any_order_once_stripe_is_back(
        self, paid_order, proxy, settings, django_capture_on_commit_callbacks
    ):
        order = paid_order
        proxy.fail("POST", REFUNDS, times=-1)
        refund = refunds.refund_create(order=order, amount_minor=1000, actor=None)  # its task is lost here
        assert refund.status == Refund.Status.PENDING
        order.refresh_from_db()
        assert order.status == S.PAID  # not cancelled: the old sweep never looked at it

        assert services.payments_sweep() == 0  # tried just now: the queued task has it
        with django_capture_on_commit_callbacks(execute=True):  # the sweep queues after commit
            assert services.payments_sweep(now=later(settings)) == 1  # Stripe still down: the task retries...
        refund.refresh_from_db()
        assert (refund.status, refund.stripe_refund_id) == (Refund.Status.PENDING, None)
        proxy.heal()
        with django_capture_on_commit_callbacks(execute=True):
            assert services.payments_sweep(now=later(settings)) == 1

        refund.refresh_from_db()
        assert refund.status == Refund.Status.SUCCEEDED
        assert refunds.refundable_minor(payment=refund.payment) == 3800
        keys = {call.idempotency_key for call in proxy.seen("POST", REFUNDS)}
        assert keys == {f"order-{order.number}-refund-{refund.pk}"}
        assert services.payments_sweep(now=later(settings)) == 0  # sent: nothing more to do

    def test_a_refund_claimed_by_another_sender_is_not_sent_again_until_its_claim_runs_out(self, paid_order, proxy):
        order = paid_order
        proxy.fail("POST", REFUNDS, times=1)
        refund = refunds.refund_create(order=order, amount_minor=None, actor=None)
        assert refunds._claim(refund.pk) is True  # another worker is calling Stripe for it right now

        again = refunds.refund_resend(refund_pk=refund.pk)

        assert (again.status, again.attempts) == (Refund.Status.PENDING, 2)
        assert len(proxy.seen("POST", REFUNDS)) == 1  # no second call raced the first
        # That worker died mid-call: once its claim has run out, the next sender takes over.
        Refund.objects.filter(pk=refund.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))
        assert refunds.refund_resend(refund_pk=refund.pk).status == Refund.Status.SUCCEEDED
        assert len(proxy.seen("POST", REFUNDS)) == 2

    def test_a_refusal_on_a_retry_fails_the_refund_and_frees_its_amount(self, paid_order, proxy):
        order = paid_order
        payment = order.payments.get()
        proxy.fail("POST", REFUNDS, times=1)
        refund = refunds.refund_create(order=order, amount_minor=1000, actor=None)
        proxy.refuse("POST", REFUNDS, "This charge is disputed and cannot be refunded.")

        with pytest.raises(PaymentError) as err:
            refunds.refund_resend(refund_pk=refund.pk)

        assert (err.value.code, err.value.retryable) == ("provider_rejected", False)
        refund.refresh_from_db()
        assert (refund.status, refund.last_error) == (
            Refund.Status.FAILED,
            "This charge is disputed and cannot be refunded.",
        )
        assert refunds.refundable_minor(payment=payment) == 4800
        assert refunds.refund_resend(refund_pk=refund.pk).status == Refund.Status.FAILED  # final: no more calls
        assert len(proxy.seen("POST", REFUNDS)) == 2


class TestLatePaymentRefused:
    def test_a_refused_automatic_refund_is_recorded_and_the_sweep_stops_calling_stripe(
        self, order, proxy, settings, django_capture_on_commit_callbacks
    ):
        payment = paid_late(order)
        proxy.refuse("POST", REFUNDS, "Charge ch_1 has been disputed.")

        with django_capture_on_commit_callbacks(execute=True):  # the sweep queues after commit
            assert services.payments_sweep(now=later(settings)) == 1

        refund = Refund.objects.get()
        assert (refund.payment, refund.automatic, refund.status, refund.last_error) == (
            payment,
            True,
            Refund.Status.FAILED,
            "Charge ch_1 has been disputed.",
        )
        for _ in range(3):  # beat, every 5 minutes
            assert services.payments_sweep(now=later(settings)) == 0
        assert refunds.refund_unowed(payment_pk=payment.pk) is None  # the task run again: nothing either
        assert len(proxy.seen("POST", REFUNDS)) == 1
