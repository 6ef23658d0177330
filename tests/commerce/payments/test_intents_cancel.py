"""Intents of orders that can no longer be paid are cancelled at Stripe (localstripe), after commit."""

from datetime import timedelta

import pytest
import stripe
from django.utils import timezone

from commerce.orders.models import Order
from commerce.orders.services import checkout_start, holds_release_expired, order_cancel
from commerce.payments import services
from commerce.payments.models import Payment, Refund
from tests.factories import ADDRESS
from tests.fake_stripe import pay_at_stripe, stripe_api

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]
S = Order.Status
P = Payment.Status


def after_the_hold(settings):  # type: ignore[no-untyped-def]
    return timezone.now() + timedelta(seconds=settings.STOCK_HOLD_SECONDS + 5)


def assert_cancelled_at_stripe(payment: Payment) -> None:
    assert stripe_api().v1.payment_intents.retrieve(payment.intent_id).status == "canceled"
    with pytest.raises(stripe.InvalidRequestError):
        pay_at_stripe(payment)  # a shopper still on the pay page can no longer be charged
    payment.refresh_from_db()
    assert payment.status == P.CANCELED


def test_the_intent_of_an_expired_hold_is_cancelled_at_stripe(order, settings, django_capture_on_commit_callbacks):
    payment = services.payment_start(order=order)

    with django_capture_on_commit_callbacks(execute=True):
        assert holds_release_expired(now=after_the_hold(settings)) == 1  # what beat runs

    order.refresh_from_db()
    assert order.status == S.CANCELLED
    assert_cancelled_at_stripe(payment)


def test_the_intent_of_an_order_cancelled_by_staff_is_cancelled_at_stripe(
    order, buyer, django_capture_on_commit_callbacks
):
    payment = services.payment_start(order=order)

    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order=order, actor=None, note="Cancelled by staff.")

    assert_cancelled_at_stripe(payment)


def test_a_new_checkout_of_the_cart_cancels_the_intent_of_the_order_it_replaces(
    order, buyer, django_capture_on_commit_callbacks
):
    payment = services.payment_start(order=order)

    with django_capture_on_commit_callbacks(execute=True):
        newer = checkout_start(cart=order.cart, user=buyer, email=buyer.email, address=ADDRESS)

    order.refresh_from_db()
    assert (order.status, newer.status) == (S.CANCELLED, S.PENDING_PAYMENT)
    assert_cancelled_at_stripe(payment)


def test_an_intent_paid_just_before_the_hold_ran_out_is_refunded_not_cancelled(
    order, settings, django_capture_on_commit_callbacks
):
    payment = services.payment_start(order=order)
    pay_at_stripe(payment)  # the money got through; neither the webhook nor the return page has told us yet

    with django_capture_on_commit_callbacks(execute=True):
        holds_release_expired(now=after_the_hold(settings))

    payment.refresh_from_db()
    order.refresh_from_db()
    assert (payment.status, order.status) == (P.SUCCEEDED, S.CANCELLED)
    refund = Refund.objects.get()
    assert (refund.payment, refund.amount_minor, refund.status, refund.automatic) == (
        payment,
        4800,
        Refund.Status.SUCCEEDED,
        True,
    )
    assert list(order.events.values_list("kind", flat=True)) == ["placed", "expired", "payment_after_cancel"]


def test_an_intent_gone_at_stripe_is_fine(order, payment, django_capture_on_commit_callbacks):
    # `payment` names an intent localstripe never made.
    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order=order, actor=None)

    payment.refresh_from_db()
    assert (payment.status, payment.last_error) == (P.CANCELED, "Intent not found at Stripe.")


@pytest.mark.usefixtures("worker_retries")
def test_stripe_down_when_cancelling_the_task_retries_with_the_same_key(
    order, proxy, django_capture_on_commit_callbacks
):
    payment = services.payment_start(order=order)
    cancel = f"/v1/payment_intents/{payment.intent_id}/cancel"
    proxy.fail("POST", cancel, times=2)

    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order=order, actor=None)

    calls = proxy.seen("POST", cancel)
    assert [call.answered for call in calls] == [500, 500, 200]
    assert {call.idempotency_key for call in calls} == {f"order-{order.number}-pi-{payment.pk}-cancel"}
    assert_cancelled_at_stripe(payment)


def test_the_sweep_cancels_intents_whose_task_was_lost(order, settings, django_capture_on_commit_callbacks):
    payment = services.payment_start(order=order)
    order_cancel(order=order, actor=None)  # its on-commit task never runs in this test: a lost enqueue
    assert stripe_api().v1.payment_intents.retrieve(payment.intent_id).status == "requires_payment_method"

    later = timezone.now() + timedelta(seconds=settings.REFUND_SWEEP_GRACE_SECONDS + 1)
    with django_capture_on_commit_callbacks(execute=True):  # the sweep queues after commit
        assert services.payments_sweep(now=later) == 1

    assert_cancelled_at_stripe(payment)
    assert services.payments_sweep(now=later) == 0
