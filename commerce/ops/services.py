"""Ops actions on an order: the dashboard's buttons, through the same services as everywhere else.

Each action is checked against the status the person saw (`seen_status`): an order that moved on
in the meantime is left alone and the person is told. Asking for the status the order already has
(a double click, a second tab) changes nothing and says so: an action applies once.
"""

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from commerce.accounts.models import User
from commerce.errors import DomainError
from commerce.money import with_code
from commerce.orders.errors import OrderError
from commerce.orders.models import Order
from commerce.orders.services import order_cancel, order_transition
from commerce.payments.errors import PaymentError
from commerce.payments.models import Refund
from commerce.payments.refunds import refund_amount_minor, refund_create

logger = logging.getLogger(__name__)
S = Order.Status

# action -> the status it leads to
ACTIONS: dict[str, str] = {
    "packed": S.PACKED,
    "shipped": S.SHIPPED,
    "delivered": S.DELIVERED,
    "cancel": S.CANCELLED,
    "refund": S.REFUNDED,
}
DESTRUCTIVE = {"cancel", "refund"}
TRACKING_MAX_LENGTH = 64


class OpsError(DomainError):
    """An action that was not taken (422); `message` is written for the person who asked."""

    def __init__(self, message: str, *, code: str = "not_applied") -> None:
        super().__init__(code, message)


@dataclass(frozen=True)
class ActionResult:
    order: Order
    applied: bool
    message: str


def _label(status: str) -> str:
    return S(status).label.lower() if status in S.values else status.replace("_", " ")


def _moved_on(order: Order, action: str) -> OpsError:
    return OpsError(
        f"Order {order.number} is now {_label(order.status)}, so it cannot be marked {_label(ACTIONS[action])}. "
        "Nothing was changed."
        if action not in DESTRUCTIVE
        else f"Order {order.number} is now {_label(order.status)}. Nothing was changed; check it and try again."
    )


def order_act(
    *,
    order: Order,
    action: str,
    actor: User,
    seen_status: str = "",
    tracking_number: str = "",
    amount: Decimal | None = None,
    reason: str = "",
    reason_public: bool = False,
    request_key: str = "",
    lines: Mapping[int, int] | None = None,
) -> ActionResult:
    """Apply one dashboard action, or raise OpsError and change nothing.

    `amount` or `lines` (refunds only; order line pk -> units, never both): neither refunds what is
    left. `reason` is for staff, and shown to the customer only with `reason_public`. `request_key`
    names one submitted form: a refund sent twice with the same key is sent once.
    """
    if action not in ACTIONS:
        raise OpsError("Unknown action.")
    if action == "refund":
        return _refund(
            order=order,
            actor=actor,
            seen_status=seen_status,
            amount=amount,
            reason=reason,
            reason_public=reason_public,
            request_key=request_key,
            lines=lines or {},
        )
    tracking_number = tracking_number.strip()
    if action == "shipped" and not tracking_number:
        raise OpsError("Enter the tracking number to mark the order shipped.")
    if len(tracking_number) > TRACKING_MAX_LENGTH:
        raise OpsError(f"A tracking number has at most {TRACKING_MAX_LENGTH} characters.")
    target = ACTIONS[action]
    with transaction.atomic():
        # Locked before reading its status: two clicks on one button apply one after the other.
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status == target:
            return ActionResult(locked, False, f"Order {locked.number} is already {_label(target)}: nothing changed.")
        if (seen_status and locked.status != seen_status) or not locked.can_transition(target):
            raise _moved_on(locked, action)
        try:
            if action == "cancel":
                done = order_cancel(order=locked, actor=actor, note="Cancelled by staff.")
            else:
                done = order_transition(order=locked, to=target, actor=actor, tracking_number=tracking_number)
        except OrderError as exc:
            raise OpsError(exc.message) from exc
    messages = {
        "packed": f"Order {done.number} marked packed.",
        "shipped": f"Order {done.number} marked shipped (tracking {done.tracking_number}).",
        "delivered": f"Order {done.number} marked delivered.",
        "cancel": f"Order {done.number} cancelled; its items are back on sale.",
    }
    return ActionResult(done, True, messages[action])


def _refund(
    *,
    order: Order,
    actor: User,
    seen_status: str,
    amount: Decimal | None,
    reason: str,
    reason_public: bool,
    request_key: str,
    lines: Mapping[int, int],
) -> ActionResult:
    # No lock here: the refund goes to Stripe, and no lock is held across a network call. The
    # payments service reserves the amount under its own lock, so two refunds never exceed the payment.
    order = Order.objects.get(pk=order.pk)
    if order.status == S.REFUNDED:
        return ActionResult(order, False, f"Order {order.number} is already refunded: nothing changed.")
    if seen_status and order.status != seen_status:
        raise _moved_on(order, "refund")
    if lines and amount is not None:
        raise OpsError("Give either how many of each item to refund or an amount, not both. Nothing was refunded.")
    try:
        amount_minor = None if amount is None else refund_amount_minor(amount, order.currency)
    except PaymentError as exc:
        raise OpsError(exc.message) from exc
    try:
        refund = refund_create(
            order=order,
            amount_minor=amount_minor,
            actor=actor,
            reason=reason.strip(),
            reason_public=reason_public,
            request_key=request_key,
            lines=lines,
        )
    except PaymentError as exc:
        if exc.code == "duplicate_request":
            return ActionResult(order, False, exc.message)
        if exc.code == "bad_refund_amount" and amount_minor is None:
            raise OpsError(
                "Everything paid for this order is refunded or being refunded. Nothing more was sent."
            ) from exc
        raise OpsError(exc.message) from exc
    order.refresh_from_db()
    sent = with_code(refund.amount_minor, refund.payment.currency)
    if refund.status == Refund.Status.SUCCEEDED:
        message = f"Refunded {sent} for order {order.number}."
    elif refund.stripe_refund_id is None:
        message = (
            f"Stripe could not be reached: the refund of {sent} for order {order.number} is saved and will be "
            "sent again automatically. Do not refund it again."
        )
    else:
        message = f"Refund of {sent} sent for order {order.number}; Stripe has not confirmed it yet."
    logger.info("ops refund", extra={"order": order.number, "refund": refund.pk, "actor": actor.pk})
    return ActionResult(order, True, message)
