"""Writes to payments: start and sync a payment, apply Stripe's news, refunds.

Lock order everywhere: the Payment row first, then the Order row (inside the order
services), so a webhook, the return page and a refund for one order never deadlock.
No lock is held across a call to Stripe.
"""

import logging
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from commerce.accounts.models import User
from commerce.inventory.models import StockHold
from commerce.orders.models import Order
from commerce.orders.services import order_mark_paid, order_mark_refunded, order_note, order_note_payment_failed

from . import stripe_client
from .errors import PaymentError
from .models import Payment, Refund
from .stripe_client import Intent

logger = logging.getLogger(__name__)
P = Payment.Status
# Stripe intent statuses in which the shopper can still (re)try paying with the same intent.
_OPEN_INTENT = {"requires_payment_method", "requires_confirmation", "requires_action"}
# A refund that is pending or succeeded holds its amount; a failed one gives it back.
_REFUND_COUNTS = [Refund.Status.PENDING, Refund.Status.SUCCEEDED]
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
    existing = (
        Payment.objects.filter(order=order, status__in=[P.REQUIRES_PAYMENT, P.FAILED, P.PROCESSING])
        .order_by("-pk")
        .first()
    )
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
        # The money arrived after the hold expired and the stock went back on sale.
        from .tasks import refund_unowed_payment

        payment_pk = payment.pk
        # robust: a broker outage must not fail the webhook after the payment was recorded;
        # a lost enqueue is found again by `refunds_unowed_sweep` (beat), so it is never lost.
        transaction.on_commit(lambda: refund_unowed_payment.delay(payment_pk), robust=True)


def refundable_minor(*, payment: Payment) -> int:
    """What is left to refund: the payment minus refunds pending or done."""
    taken = payment.refunds.filter(status__in=_REFUND_COUNTS).aggregate(total=Sum("amount_minor"))["total"] or 0
    return max(payment.amount_minor - int(taken), 0)


def refund_create(*, order: Order, amount_minor: int | None, actor: User | None, reason: str = "") -> Refund:
    """Refund a paid order through Stripe, in full (`amount_minor=None`) or in part.

    A full refund marks the order refunded (its stock comes back when it had not shipped).
    Raises PaymentError: `not_refundable`, `no_payment`, `bad_refund_amount`, or Stripe's
    error (retryable ones leave the Refund pending, holding its amount, for `refund_retry`).
    """
    if not order.can_transition(Order.Status.REFUNDED):
        raise PaymentError.not_refundable(order.get_status_display())
    refund = _refund_reserve(order=order, amount_minor=amount_minor, actor=actor, reason=reason)
    return refund_send(refund=refund)


def refund_unowed(*, payment_pk: int) -> Refund | None:
    """Give back a payment that arrived for an order already cancelled (its hold expired).

    Safe to run again: a refund left pending by a network error is re-sent with its own key.
    """
    payment = Payment.objects.select_related("order").get(pk=payment_pk)
    if payment.order.status != Order.Status.CANCELLED:
        return None
    unsent = payment.refunds.filter(status=Refund.Status.PENDING, stripe_refund_id__isnull=True).order_by("pk").first()
    if unsent is not None:
        return refund_send(refund=unsent)
    if refundable_minor(payment=payment) == 0:
        return None
    refund = _refund_reserve(
        order=payment.order,
        amount_minor=None,
        actor=None,
        reason="Paid after the order was cancelled.",
        payment=payment,
    )
    return refund_send(refund=refund)


def refunds_unowed_sweep(*, now: datetime | None = None) -> int:
    """Periodic: queue the refund of every payment that arrived for a cancelled order and is not
    (fully) refunded yet, REFUND_SWEEP_GRACE_SECONDS after the order last changed (the task queued
    on commit normally got there first). `refund_unowed` is safe to run twice."""
    from .tasks import refund_unowed_payment

    settled = (now or timezone.now()) - timedelta(seconds=settings.REFUND_SWEEP_GRACE_SECONDS)
    candidates = Payment.objects.filter(
        status=P.SUCCEEDED, order__status=Order.Status.CANCELLED, order__updated_at__lt=settled
    ).order_by("pk")
    due = [
        payment.pk
        for payment in candidates[:200]
        if refundable_minor(payment=payment) > 0
        or payment.refunds.filter(status=Refund.Status.PENDING, stripe_refund_id__isnull=True).exists()
    ]
    for pk in due:
        refund_unowed_payment.delay(pk)
    return len(due)


@transaction.atomic
def _refund_reserve(
    *, order: Order, amount_minor: int | None, actor: User | None, reason: str, payment: Payment | None = None
) -> Refund:
    """Write the pending Refund row first: its pk keys the Stripe request, its amount is held."""
    query = Payment.objects.select_for_update().filter(order=order, status=P.SUCCEEDED)
    locked = query.filter(pk=payment.pk).first() if payment is not None else query.order_by("pk").first()
    if locked is None:
        raise PaymentError.no_payment()
    left = refundable_minor(payment=locked)
    amount = left if amount_minor is None else amount_minor
    if not 0 < amount <= left:
        raise PaymentError.bad_refund_amount(left)
    return Refund.objects.create(payment=locked, amount_minor=amount, reason=reason[:200], created_by=actor)


def refund_send(*, refund: Refund) -> Refund:
    """Send a pending refund to Stripe (again: the idempotency key makes a retry safe)."""
    payment = refund.payment
    order = payment.order
    try:
        result = stripe_client.refund_create(
            intent_id=payment.intent_id,
            amount_minor=refund.amount_minor,
            idempotency_key=stripe_client.refund_idempotency_key(order_number=order.number, refund_pk=refund.pk),
            metadata={"order": order.number, "refund": str(refund.pk)},
        )
    except PaymentError as error:
        if not error.retryable:
            Refund.objects.filter(pk=refund.pk, status=Refund.Status.PENDING).update(status=Refund.Status.FAILED)
        raise
    return refund_apply(
        refund_pk=refund.pk, stripe_refund_id=result.id, stripe_status=result.status, actor=refund.created_by
    )


@transaction.atomic
def refund_apply(*, refund_pk: int, stripe_refund_id: str, stripe_status: str, actor: User | None = None) -> Refund:
    """Record Stripe's answer for one refund; settle the order once it is refunded in full."""
    refund = Refund.objects.select_for_update().select_related("payment__order").get(pk=refund_pk)
    status = {"succeeded": Refund.Status.SUCCEEDED, "failed": Refund.Status.FAILED, "canceled": Refund.Status.FAILED}
    new_status = status.get(stripe_status, Refund.Status.PENDING)
    # Monotonic: a late "pending" never undoes a final answer.
    newly_succeeded = False
    if refund.status == Refund.Status.PENDING or refund.stripe_refund_id is None:
        refund.stripe_refund_id = stripe_refund_id
        if refund.status == Refund.Status.PENDING:
            refund.status = new_status
            newly_succeeded = new_status == Refund.Status.SUCCEEDED
        refund.save(update_fields=["stripe_refund_id", "status"])
    if newly_succeeded and refund.amount_minor < refund.payment.amount_minor:
        payment = refund.payment
        order_note(
            order=payment.order,
            kind="refund_partial",
            actor=actor,
            note=f"Refunded {Decimal(refund.amount_minor) / 100:.2f} {payment.currency.upper()}"
            + (f": {refund.reason}" if refund.reason else "."),
        )
    _settle_if_refunded(refund.payment, actor=actor)
    return refund


def _settle_if_refunded(payment: Payment, *, actor: User | None) -> None:
    done = payment.refunds.filter(status=Refund.Status.SUCCEEDED).aggregate(total=Sum("amount_minor"))["total"] or 0
    order = payment.order
    if done >= payment.amount_minor and order.can_transition(Order.Status.REFUNDED):
        order_mark_refunded(
            order=order,
            actor=actor,
            note=f"Refunded {Decimal(done) / 100:.2f} {payment.currency.upper()} through Stripe.",
        )


@transaction.atomic
def refunds_apply_charge(*, intent_id: str, refunds: list[dict[str, object]], fully_refunded: bool) -> None:
    """Apply a `charge.refunded` event: refunds we asked for settle, ones made in the Stripe
    dashboard are recorded, and the order is marked refunded when Stripe says it is in full."""
    payment = Payment.objects.select_for_update().select_related("order").filter(intent_id=intent_id).first()
    if payment is None:
        logger.warning("refund for an intent not known here", extra={"intent": intent_id})
        return
    for data in refunds:
        stripe_id = str(data.get("id") or "")
        metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
        ours = str(metadata.get("refund", "")) if isinstance(metadata, dict) else ""
        row = Refund.objects.filter(payment=payment, stripe_refund_id=stripe_id).first()
        if row is None and ours.isdigit():
            row = Refund.objects.filter(payment=payment, pk=int(ours)).first()
        if row is None:
            amount = data.get("amount")
            if not isinstance(amount, int) or amount <= 0:
                continue
            row = Refund.objects.create(
                payment=payment,
                stripe_refund_id=stripe_id,
                amount_minor=amount,
                status=Refund.Status.PENDING,
                reason="Made at Stripe.",
            )
        refund_apply(refund_pk=row.pk, stripe_refund_id=stripe_id, stripe_status=str(data.get("status") or ""))
    if fully_refunded and payment.order.can_transition(Order.Status.REFUNDED):
        order_mark_refunded(order=payment.order, actor=None, note="Refunded in full at Stripe.")
