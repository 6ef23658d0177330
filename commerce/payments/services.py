"""Writes to payments: start and sync a payment, apply Stripe's news, cancel intents no longer
wanted, and the periodic sweep. Refunds are in refunds.py.

Lock order everywhere: the Payment row first, then the Order row (inside the order
services), so a webhook, the return page and a refund for one order never deadlock.
No lock is held across a call to Stripe.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from commerce.inventory.models import StockHold
from commerce.orders.models import Order, OrderEvent
from commerce.orders.services import order_mark_paid, order_note_payment_failed
from project.enqueue import enqueue_on_commit

from . import stripe_client, tasks
from .errors import PaymentError
from .models import Payment, Refund
from .refunds import refundable_minor, unsent
from .stripe_client import Intent

logger = logging.getLogger(__name__)
P = Payment.Status
# Stripe intent statuses in which the shopper can still (re)try paying with the same intent.
_OPEN_INTENT = {"requires_payment_method", "requires_confirmation", "requires_action"}
# Our statuses of an intent that could still take money (cancelled at Stripe once the order is).
_OPEN_PAYMENT = [P.REQUIRES_PAYMENT, P.FAILED, P.PROCESSING]
# Grace for clock skew between this server and the browser's countdown.
_HOLD_GRACE = timedelta(seconds=2)


def _status_for(intent: Intent) -> str:
    if intent.status == "succeeded":
        return P.SUCCEEDED
    if intent.status in {"processing", "requires_capture"}:
        return P.PROCESSING
    if intent.status == "canceled":
        return P.CANCELED
    return P.FAILED if intent.last_error else P.REQUIRES_PAYMENT


def _hold_expired(order: Order) -> bool:
    hold = StockHold.objects.filter(order=order).first()
    if hold is None:
        return False
    return not hold.is_active or hold.expires_at + _HOLD_GRACE <= timezone.now()


def payment_start(*, order: Order) -> Payment:
    """Return the Payment the shopper should pay now, creating its PaymentIntent when needed.

    Reuses the order's open intent; a new attempt (new idempotency key) is made only when
    the previous intent was cancelled or is gone. Raises PaymentError: `not_payable`,
    `hold_expired`, or a retryable one when Stripe cannot be reached (the hold stays).
    """
    order = Order.objects.get(pk=order.pk)
    if order.status != Order.Status.PENDING_PAYMENT:
        raise PaymentError.not_payable(order.get_status_display())
    if _hold_expired(order):
        raise PaymentError.hold_expired()
    existing = Payment.objects.filter(order=order, status__in=_OPEN_PAYMENT).order_by("-pk").first()
    if existing is not None:
        try:
            intent = stripe_client.intent_retrieve(intent_id=existing.intent_id)
        except PaymentError as error:
            if error.retryable:
                return existing  # Stripe.js will say so if Stripe is really down.
            if error.code != "not_found":
                raise
            Payment.objects.filter(pk=existing.pk).update(status=P.CANCELED, last_error="Intent not found at Stripe.")
        else:
            applied = payment_apply_intent(intent=intent)
            # Open, processing or succeeded: the caller shows it (or sends the shopper on to the order).
            if applied is not None and intent.status != "canceled":
                return applied
    attempt = Payment.objects.filter(order=order).count() + 1
    intent = stripe_client.intent_create(
        order_number=order.number, amount_minor=order.total_minor, currency=order.currency, attempt=attempt
    )
    payment, _ = Payment.objects.get_or_create(
        intent_id=intent.id,
        defaults={
            "order": order,
            "client_secret": intent.client_secret,
            "amount_minor": intent.amount,
            "currency": intent.currency.upper(),
            "status": _status_for(intent),
        },
    )
    return payment


def payment_sync(*, order: Order) -> Payment | None:
    """Ask Stripe how the order's latest payment went and apply it (the return page does this,
    so the confirmation does not wait for the webhook). None when there is no payment."""
    payment = Payment.objects.filter(order=order).order_by("-pk").first()
    if payment is None:
        return None
    intent = stripe_client.intent_retrieve(intent_id=payment.intent_id)
    return payment_apply_intent(intent=intent)


def payment_confirm_with_test_token(*, order: Order, token_id: str) -> Intent:
    """localstripe only: confirm the order's open intent with a card token made by Stripe.js.

    Returns the intent: `requires_action` means the page must still run 3-D Secure.
    """
    payment = payment_start(order=order)
    if payment.status != P.REQUIRES_PAYMENT and payment.status != P.FAILED:
        return stripe_client.intent_retrieve(intent_id=payment.intent_id)
    intent = stripe_client.intent_confirm_with_test_token(intent_id=payment.intent_id, token_id=token_id)
    payment_apply_intent(intent=intent)
    return intent


@transaction.atomic
def payment_apply_intent(*, intent: Intent, status: str | None = None) -> Payment | None:
    """Record what Stripe says about an intent, and pay the order when it succeeded.

    Idempotent and monotonic: a succeeded payment never goes back (a late `payment_failed`
    changes nothing). `status` overrides the one derived from the intent (webhook events
    name their outcome). None when the intent is not ours.
    """
    payment = Payment.objects.select_for_update().filter(intent_id=intent.id).first()
    if payment is None:
        logger.warning("stripe intent not known here", extra={"intent": intent.id})
        return None
    new_status = status or _status_for(intent)
    if payment.status == P.SUCCEEDED or (payment.status == new_status and payment.last_error == intent.last_error):
        if payment.status == P.SUCCEEDED and new_status != P.SUCCEEDED:
            logger.info("late intent news ignored", extra={"intent": intent.id, "status": new_status})
        if new_status == P.SUCCEEDED:
            _mark_order_paid(payment, intent)  # idempotent; heals an order left unpaid by a crash
        return payment
    payment.status = new_status
    payment.last_error = intent.last_error if new_status == P.FAILED else ""
    payment.save(update_fields=["status", "last_error", "updated_at"])
    if new_status == P.SUCCEEDED:
        _mark_order_paid(payment, intent)
    elif new_status == P.FAILED:
        order_note_payment_failed(
            order=payment.order, message=intent.last_error or "The payment failed.", reference=intent.id
        )
    return payment


def _mark_order_paid(payment: Payment, intent: Intent) -> None:
    order = order_mark_paid(
        order=payment.order,
        amount_minor=intent.amount_received or intent.amount,
        currency=intent.currency,
        reference=intent.id,
    )
    if order.status == Order.Status.CANCELLED:
        # The money arrived after the hold expired and the stock went back on sale. A broker outage
        # must not fail the webhook after the payment was recorded: `payments_sweep` (beat) finds it.
        enqueue_on_commit(tasks.refund_unowed_payment, payment.pk)


def order_intents_cancel(*, order_pk: int) -> int:
    """Cancel at Stripe the open intents of a cancelled order, so a late payment cannot be taken
    (and then refunded, fees and all). Returns how many were cancelled here.

    An intent that succeeded in the meantime, or that Stripe no longer knows, is fine: Stripe's
    word is applied as it stands (a payment that got through is refunded by the late-payment path).
    Raises a retryable PaymentError when Stripe cannot be reached (the task tries again).
    """
    order = Order.objects.get(pk=order_pk)
    if order.status != Order.Status.CANCELLED:
        return 0
    cancelled = 0
    for payment in Payment.objects.filter(order=order, status__in=_OPEN_PAYMENT).order_by("pk"):
        try:
            intent = stripe_client.intent_cancel(
                intent_id=payment.intent_id,
                idempotency_key=stripe_client.intent_cancel_idempotency_key(
                    order_number=order.number, payment_pk=payment.pk
                ),
            )
        except PaymentError as error:
            if error.retryable:
                raise
            if error.code == "not_found":
                Payment.objects.filter(pk=payment.pk, status__in=_OPEN_PAYMENT).update(
                    status=P.CANCELED, last_error="Intent not found at Stripe."
                )
                continue
            # Refused: it succeeded or is processing by now. Take Stripe's word for where it is.
            intent = stripe_client.intent_retrieve(intent_id=payment.intent_id)
        else:
            cancelled += 1
            logger.info("payment intent cancelled", extra={"order": order.number, "intent": intent.id})
        payment_apply_intent(intent=intent)
    return cancelled


def on_order_change(order: Order, kind: OrderEvent.Kind) -> None:
    """Orders' listener (registered in apps.py): once an order is cancelled (by staff, by a
    replacing checkout, or when its hold ran out: kind "expired"), cancel its intents after commit."""
    if kind not in {OrderEvent.Kind.CANCELLED, OrderEvent.Kind.EXPIRED}:
        return
    # A broker outage must not undo the cancellation; beat's sweep finds the intents later.
    enqueue_on_commit(tasks.order_intents_cancel, order.pk)


def payments_sweep(*, now: datetime | None = None, limit: int = 200) -> int:
    """Periodic (beat): queue again what a lost enqueue, a killed worker or retries run out left,
    REFUND_SWEEP_GRACE_SECONDS after it was last tried. Returns how many tasks it queued.

    - refunds still unsent (Stripe could not be reached), for any order;
    - payments that arrived for a cancelled order and are not refunded, unless Stripe refused their
      automatic refund: then a person decides (the dashboard lists it under its problems);
    - open intents of cancelled orders, to cancel at Stripe.
    Every task it queues is safe to run twice, and at the same time as another copy.
    """
    now = now or timezone.now()
    settled = now - timedelta(seconds=settings.REFUND_SWEEP_GRACE_SECONDS)
    refunds = list(
        Refund.objects.filter(unsent())
        .filter(created_at__lt=settled)
        .exclude(last_attempt_at__gte=settled)
        .exclude(claimed_until__gte=now)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in refunds:
        enqueue_on_commit(tasks.refund_retry, pk)
    refused = Refund.objects.filter(payment=OuterRef("pk"), automatic=True, status=Refund.Status.FAILED)
    waiting = Refund.objects.filter(unsent(), payment=OuterRef("pk"))
    late = (
        Payment.objects.filter(status=P.SUCCEEDED, order__status=Order.Status.CANCELLED, order__updated_at__lt=settled)
        .exclude(Exists(refused))
        .exclude(Exists(waiting))  # the refund sweep above has those
        .order_by("pk")
    )
    due = [payment.pk for payment in late[:limit] if refundable_minor(payment=payment) > 0]
    for pk in due:
        enqueue_on_commit(tasks.refund_unowed_payment, pk)
    orders = list(
        Payment.objects.filter(
            status__in=[P.REQUIRES_PAYMENT, P.FAILED],
            order__status=Order.Status.CANCELLED,
            order__updated_at__lt=settled,
        )
        .order_by("order_id")
        .values_list("order_id", flat=True)
        .distinct()[:limit]
    )
    for order_pk in orders:
        enqueue_on_commit(tasks.order_intents_cancel, order_pk)
    return len(refunds) + len(due) + len(orders)
