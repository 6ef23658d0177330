"""A shopper cancels their own order: an unpaid one is cancelled (its stock back, its intent
cancelled at Stripe by payments' listener), a paid one not yet packed is refunded in full (the
refund marks it refunded and puts its stock back). Anything further along is refused."""

import logging

from django.db import transaction

from commerce.accounts.models import User
from commerce.payments.errors import PaymentError
from commerce.payments.refunds import refund_create

from .errors import OrderError
from .models import Order
from .services import _locked, order_cancel

logger = logging.getLogger(__name__)
S = Order.Status
REASON = "Cancelled at the customer's request."


def order_cancel_by_owner(*, order: Order, actor: User | None) -> Order:
    """Cancel the order for its owner, or raise OrderError (422) and change nothing.

    A paid order goes through a full refund; no lock is held across the call to Stripe. A second
    click refunds once (the refund's request key). When Stripe cannot be reached the refund is kept
    and sent again automatically: the order is marked refunded once Stripe confirms."""
    with transaction.atomic():
        locked = _locked(order)
        if locked.status == S.PENDING_PAYMENT:
            return order_cancel(order=locked, actor=actor, note=REASON)
        if locked.status != S.PAID:
            raise OrderError.not_cancellable(locked.get_status_display())
    try:
        refund_create(
            order=locked, amount_minor=None, actor=actor, reason=REASON, reason_public=True, request_key="owner-cancel"
        )
    except PaymentError as exc:
        if exc.code != "duplicate_request":
            logger.warning("owner cancel refund refused", extra={"order": locked.number, "code": exc.code})
            raise OrderError("cancel_failed", f"We could not cancel this order: {exc.message}") from exc
    locked.refresh_from_db()
    return locked
