"""Ops answers to a shopper's return request: approve, refuse, and receive the items (back to stock
if staff say so) with the refund of exactly those units (their price less their discount share, with
their tax), and the shipping too if staff choose."""

import logging

from commerce.accounts.models import User
from commerce.money import to_minor, with_code
from commerce.orders.errors import OrderError
from commerce.orders.models import Order
from commerce.orders.returns import return_decide, return_quantities, return_receive
from commerce.payments.errors import PaymentError
from commerce.payments.models import Refund
from commerce.payments.refunds import refund_create

from .services import OpsError

logger = logging.getLogger(__name__)
RETURN_ACTIONS = {"approve", "refuse", "receive"}


def return_act(
    *, order: Order, action: str, actor: User, note: str = "", restock: bool = False, refund_shipping: bool = False
) -> str:
    """Apply one return action and say what was done, or raise OpsError (nothing changed, except as it says)."""
    if action not in RETURN_ACTIONS:
        raise OpsError("Unknown action.")
    try:
        if action in {"approve", "refuse"}:
            return_decide(order=order, actor=actor, approve=action == "approve", note=note)
            done = "approved" if action == "approve" else "refused"
            return f"Return of order {order.number} {done}; the customer is told."
        request = return_receive(order=order, actor=actor, restock=restock)
    except OrderError as exc:
        raise OpsError(exc.message) from exc
    kept = " and back in stock" if restock else ""
    reason = f"Return {request.pk}."
    try:
        refunds = [
            refund_create(
                order=order,
                amount_minor=None,
                lines=return_quantities(request),
                actor=actor,
                reason=reason,
                request_key=f"return-{request.pk}",
            )
        ]
        shipping = to_minor(order.shipping_total, order.currency)
        if refund_shipping and shipping > 0:
            refunds.append(
                refund_create(
                    order=order,
                    amount_minor=shipping,
                    actor=actor,
                    reason=f"Shipping, return {request.pk}.",
                    reason_public=True,
                    request_key=f"return-{request.pk}-shipping",
                )
            )
    except PaymentError as exc:
        logger.warning("return refund failed", extra={"order": order.number, "return": request.pk, "code": exc.code})
        raise OpsError(
            f"The items are marked received{kept}, but the refund was not made: {exc.message} "
            "Refund them with the Refund form below."
        ) from exc
    sent = with_code(sum(r.amount_minor for r in refunds), order.currency)
    unsent = any(r.status != Refund.Status.SUCCEEDED for r in refunds)
    logger.info("return received", extra={"order": order.number, "return": request.pk, "actor": actor.pk})
    return f"Return received{kept}; " + (
        f"refund of {sent} sent, Stripe has not confirmed it yet." if unsent else f"refunded {sent}."
    )
