"""Writes to refunds: reserve one, send it to Stripe until Stripe answers, apply the answer.

A refund is a row first (pending, its amount held), then a call to Stripe keyed by that row, so
a resend after a network error is the same request. Whoever sends claims the row for the length
of one call (`claimed_until`, a conditional update), so two senders never race at Stripe for one
refund. A send that meets an outage leaves the row pending and unclaimed: `tasks.refund_retry`
sends it again with backoff, and beat's sweep (`services.payments_sweep`) after that, until Stripe
answers for good: succeeded, or refused (the row fails with Stripe's words, its amount is free).

Lock order as in services: the Payment row first, then the Order row. No lock across a call to Stripe.
"""

import logging
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from commerce import money
from commerce.accounts.models import User
from commerce.invoices.services import credit_note_issue
from commerce.orders.models import Order
from commerce.orders.services import order_mark_refunded, order_note_partial_refund
from project.enqueue import enqueue_on_commit

from . import stripe_client, tasks
from .errors import PaymentError
from .models import Payment, Refund, RefundLine
from .refund_lines import refund_lines_text, refund_parts

logger = logging.getLogger(__name__)
R = Refund.Status
# A refund that is pending or succeeded holds its amount; a failed one gives it back.
REFUND_COUNTS = [R.PENDING, R.SUCCEEDED]
LATE_PAYMENT_REASON = "Paid after the order was cancelled."
# How long a form's one-time key is remembered (a double submit within it refunds once).
REQUEST_KEY_SECONDS = 24 * 3600
UNREACHABLE = "Stripe could not be reached."  # for staff (the shopper-facing message says nothing was charged)
RETRY_FIRST_SECONDS = 30
RETRY_MAX_SECONDS = 3600


def retry_countdown(retries: int) -> int:
    """Seconds before the next try of an unsent refund: 30 s, doubling, at most an hour."""
    return int(min(RETRY_FIRST_SECONDS * 2 ** min(retries, 12), RETRY_MAX_SECONDS))


def refund_amount_minor(raw: str | Decimal, currency: str | None = None) -> int | None:
    """Read a refund amount as a person types it ("12.50", "$1,200", "¥1,200") into minor units of
    `currency` (the store's by default); None when empty (refund everything left). Raises PaymentError
    `bad_amount` (422) with a message for that person: NaN, Infinity, exponents, negative or zero
    amounts and fractions of the minor unit (a cent; any fraction of a yen) are all refused."""
    try:
        return money.parse_minor(raw, currency)
    except money.MoneyError as exc:
        raise PaymentError(exc.code, exc.message, status=exc.status) from exc


def refundable_minor(*, payment: Payment) -> int:
    """What is left to refund: the payment minus refunds pending or done."""
    taken = payment.refunds.filter(status__in=REFUND_COUNTS).aggregate(total=Sum("amount_minor"))["total"] or 0
    return max(payment.amount_minor - int(taken), 0)


def unsent() -> "Q":
    """Refunds reserved but not (yet) accepted by Stripe."""
    return Q(status=R.PENDING, stripe_refund_id__isnull=True)


def refund_create(
    *,
    order: Order,
    amount_minor: int | None,
    actor: User | None,
    reason: str = "",
    reason_public: bool = False,
    request_key: str = "",
    lines: Mapping[int, int] | None = None,
) -> Refund:
    """Refund a paid order through Stripe, in full (`amount_minor=None`) or in part: by amount, or
    by `lines` (order line pk -> units), each line's units giving back their share (refund_lines.py).

    Returns the Refund: succeeded, pending at Stripe, or still unsent when Stripe could not be
    reached (a task sends it again on its own; its amount stays held). A full refund marks the
    order refunded (its stock comes back when it had not shipped). `request_key` names one
    submitted form: the same key again refunds nothing more. `reason` is for staff; the customer
    sees it only with `reason_public`. Raises PaymentError: `not_refundable`, `no_payment`,
    `bad_refund_amount`, `bad_refund_lines` (units not left, more than the payment has left, both
    lines and an amount), `duplicate_request`, or Stripe's refusal (the Refund is then failed).
    """
    if not order.can_transition(Order.Status.REFUNDED):
        raise PaymentError.not_refundable(order.get_status_display())
    if lines and amount_minor is not None:
        raise PaymentError.bad_refund_lines("Give either the items to refund or an amount, not both.")
    key = f"refund:{order.pk}:{request_key}" if request_key else ""
    if key and not cache.add(key, 1, timeout=REQUEST_KEY_SECONDS):
        raise PaymentError.duplicate_request()
    try:
        refund = _refund_reserve(
            order=order,
            amount_minor=amount_minor,
            actor=actor,
            reason=reason,
            reason_public=reason_public,
            lines=lines,
        )
    except PaymentError as error:
        if key and error.code != "bad_refund_amount":
            cache.delete(key)  # nothing is held: the same form may try again
        raise
    try:
        return refund_send(refund=refund)
    except PaymentError as error:
        if not error.retryable:
            if key:
                cache.delete(key)  # refused, its amount free again: the same form may try again
            raise
    # A broker outage must not fail the request; the sweep finds the refund anyway.
    enqueue_on_commit(tasks.refund_retry, refund.pk, countdown=retry_countdown(0))
    return Refund.objects.get(pk=refund.pk)


def refund_unowed(*, payment_pk: int) -> Refund | None:
    """Give back a payment that arrived for an order already cancelled (its hold expired).

    Safe to run again: a refund left unsent by a network error is re-sent with its own key. Once
    Stripe has refused this automatic refund, nothing more is tried: a person decides (the ops
    dashboard lists it under its problems).
    """
    payment = Payment.objects.select_related("order").get(pk=payment_pk)
    if payment.order.status != Order.Status.CANCELLED:
        return None
    waiting = payment.refunds.filter(unsent()).order_by("pk").first()
    if waiting is not None:
        return refund_send(refund=waiting)
    if payment.refunds.filter(automatic=True, status=R.FAILED).exists() or refundable_minor(payment=payment) == 0:
        return None
    try:
        refund = _refund_reserve(
            order=payment.order,
            amount_minor=None,
            actor=None,
            reason=LATE_PAYMENT_REASON,
            reason_public=True,
            payment=payment,
            automatic=True,
        )
    except PaymentError as error:
        if error.code == "bad_refund_amount":
            return None  # a concurrent run reserved it first
        raise
    return refund_send(refund=refund)


@transaction.atomic
def _refund_reserve(
    *,
    order: Order,
    amount_minor: int | None,
    actor: User | None,
    reason: str,
    reason_public: bool,
    payment: Payment | None = None,
    automatic: bool = False,
    lines: Mapping[int, int] | None = None,
) -> Refund:
    """Write the pending Refund row first: its pk keys the Stripe request, its amount is held.

    With `lines`, its RefundLine rows too: the units they hold are counted under the payment's lock
    (every refund of an order takes the same row: its first successful payment), so two people
    refunding one line at once refund it once."""
    query = Payment.objects.select_for_update().filter(order=order, status=Payment.Status.SUCCEEDED)
    locked = query.filter(pk=payment.pk).first() if payment is not None else query.order_by("pk").first()
    if locked is None:
        raise PaymentError.no_payment()
    left = refundable_minor(payment=locked)
    parts = refund_parts(order=order, quantities=lines) if lines else []
    if parts:
        amount = sum(part.amount_minor for part in parts)
        if amount > left:
            raise PaymentError.lines_over_payment(amount, left, locked.currency)
        if amount <= 0:
            raise PaymentError.bad_refund_lines("These items come to nothing to refund. Refund by amount instead.")
    else:
        amount = left if amount_minor is None else amount_minor
    if not 0 < amount <= left:
        raise PaymentError.bad_refund_amount(left, locked.currency)
    reason = reason.strip()[:200]
    refund = Refund.objects.create(
        payment=locked,
        amount_minor=amount,
        reason=reason,
        reason_public=reason_public and bool(reason),
        automatic=automatic,
        created_by=actor,
    )
    RefundLine.objects.bulk_create(
        RefundLine(refund=refund, order_line=part.left.line, quantity=part.quantity, amount_minor=part.amount_minor)
        for part in parts
    )
    return refund


def _claim(refund_pk: int) -> bool:
    """Take the right to call Stripe for this refund for one call's length; False when it is
    settled, accepted by Stripe already, or another sender holds it."""
    now = timezone.now()
    # One call: the SDK's timeout for each try, and its retries, with room for their pauses.
    seconds = float(settings.STRIPE_TIMEOUT) * (int(settings.STRIPE_MAX_NETWORK_RETRIES) + 1) + 30
    claimed = (
        Refund.objects.filter(unsent(), pk=refund_pk)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + timedelta(seconds=seconds), attempts=F("attempts") + 1, last_attempt_at=now)
    )
    return bool(claimed)


def refund_send(*, refund: Refund) -> Refund:
    """Send an unsent refund to Stripe, with the key its row gives it (a resend is the same request).

    Does nothing (returns the row as it is) when another sender holds it or Stripe has it already.
    Raises PaymentError: retryable (the refund stays unsent and unclaimed, for the next try) or
    Stripe's refusal (the refund is failed, with Stripe's message, and its amount is free again).
    """
    if not _claim(refund.pk):
        return Refund.objects.get(pk=refund.pk)
    payment = refund.payment
    order = payment.order
    try:
        result = stripe_client.refund_create(
            intent_id=payment.intent_id,
            amount_minor=refund.amount_minor,
            currency=payment.currency,
            idempotency_key=stripe_client.refund_idempotency_key(order_number=order.number, refund_pk=refund.pk),
            metadata={"order": order.number, "refund": str(refund.pk)},
        )
    except PaymentError as error:
        mine = Refund.objects.filter(unsent(), pk=refund.pk)
        if error.retryable:
            mine.update(claimed_until=None, last_error=UNREACHABLE)
        else:
            mine.update(status=R.FAILED, claimed_until=None, last_error=error.message)
            logger.error(
                "refund refused by stripe",
                extra={"order": order.number, "refund": refund.pk, "automatic": refund.automatic},
            )
        raise
    return refund_apply(
        refund_pk=refund.pk, stripe_refund_id=result.id, stripe_status=result.status, actor=refund.created_by
    )


def refund_resend(*, refund_pk: int) -> Refund:
    """Send a refund again if it is still unsent (the retry task and the sweep call this)."""
    refund = Refund.objects.select_related("payment__order").get(pk=refund_pk)
    if refund.status != R.PENDING or refund.stripe_refund_id is not None:
        return refund
    return refund_send(refund=refund)


def customer_line(refund: Refund, amount: Decimal | None = None) -> str:
    """What the customer reads about a refund: "Refunded $12.00", and the reason only when staff said so.

    A refund by line names its units: "Refunded 1 × Canopy Tee — M: $18.36." (not when `amount`, the
    whole refunded so far, is given: that line tells of the whole)."""
    currency = refund.payment.currency
    shown = money.format_money(
        amount if amount is not None else money.from_minor(refund.amount_minor, currency), currency
    )
    public = refund.reason if refund.reason_public and refund.reason else ""
    items = refund_lines_text(refund) if amount is None and refund.pk is not None else ""
    if items:
        return f"Refunded {items}: {shown}." + (f" {public}" if public else "")
    return f"Refunded {shown}" + (f": {public}" if public else ".")


@transaction.atomic
def refund_apply(*, refund_pk: int, stripe_refund_id: str, stripe_status: str, actor: User | None = None) -> Refund:
    """Record Stripe's answer for one refund; settle the order once it is refunded in full."""
    refund = Refund.objects.select_for_update().select_related("payment__order").get(pk=refund_pk)
    status = {"succeeded": R.SUCCEEDED, "failed": R.FAILED, "canceled": R.FAILED}
    new_status = status.get(stripe_status, R.PENDING)
    # Monotonic: a late "pending" never undoes a final answer.
    newly_succeeded = False
    if refund.status == R.PENDING or refund.stripe_refund_id is None:
        refund.stripe_refund_id = stripe_refund_id
        refund.claimed_until = None
        if refund.status == R.PENDING:
            refund.status = new_status
            newly_succeeded = new_status == R.SUCCEEDED
            if new_status == R.FAILED:
                refund.last_error = f"Stripe reported the refund {stripe_status}."
        refund.save(update_fields=["stripe_refund_id", "status", "claimed_until", "last_error"])
    if newly_succeeded:
        credit_note_issue(refund=refund)  # numbered in this transaction, with the success it records
    if newly_succeeded and refund.amount_minor < refund.payment.amount_minor:
        # One that completes the whole is emailed as the whole (by _settle_if_refunded), not as a part.
        order_note_partial_refund(
            order=refund.payment.order,
            note=customer_line(refund),
            refund_pk=refund.pk,
            actor=actor,
            tell=_refunded_minor(refund.payment) < refund.payment.amount_minor,
        )
    _settle_if_refunded(refund.payment, actor=actor, last=refund)
    return refund


def _refunded_minor(payment: Payment) -> int:
    return int(payment.refunds.filter(status=R.SUCCEEDED).aggregate(total=Sum("amount_minor"))["total"] or 0)


def _settle_if_refunded(payment: Payment, *, actor: User | None, last: Refund | None = None) -> None:
    done = _refunded_minor(payment)
    order = payment.order
    if done >= payment.amount_minor and order.can_transition(Order.Status.REFUNDED):
        shown = money.from_minor(done, payment.currency)
        whole = Refund(payment=payment, amount_minor=done)
        note = customer_line(last, shown) if last is not None else customer_line(whole, shown)
        order_mark_refunded(order=order, actor=actor, note=note)


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
                amount_minor=money.from_stripe(amount, payment.currency),
                status=R.PENDING,
                reason="Made at Stripe.",
            )
        refund_apply(refund_pk=row.pk, stripe_refund_id=stripe_id, stripe_status=str(data.get("status") or ""))
    if fully_refunded and payment.order.can_transition(Order.Status.REFUNDED):
        order_mark_refunded(order=payment.order, actor=None, note="Refunded in full at Stripe.")
