"""Returns (RMA): the shopper asks to send back units of a delivered order within the return window,
staff approve or refuse, and on receipt the units go back to stock if staff say so. The refund of
the received units is the payments area's (ops calls refund_create with the request's lines).

Every step locks the order row first (as orders.services does), writes an OrderEvent (pushed to the
order's pages and the ops feed) and the customer's email (outbox)."""

from collections.abc import Mapping
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from commerce.accounts.models import User
from commerce.inventory.services import stock_return

from .aftersale import lines_text, returnable_lines, window_ends
from .errors import OrderError
from .models import Order, OrderEvent, ReturnLine, ReturnRequest
from .notifications import order_notify_return
from .services import _event, _locked

S = Order.Status
K = OrderEvent.Kind
RS = ReturnRequest.Status
REASON_MAX = 500


def _open(order: Order, status: str) -> ReturnRequest:
    request = ReturnRequest.objects.filter(order=order, status=status).first()
    if request is None:
        waiting = "waiting for a decision" if status == RS.REQUESTED else "approved and waiting to be received"
        raise OrderError.not_returnable(f"Order {order.number} has no return {waiting}.")
    return request


@transaction.atomic
def return_request(
    *, order: Order, actor: User | None, quantities: Mapping[int, int], reason: str, now: datetime | None = None
) -> ReturnRequest:
    """Ask to return `quantities` (order line pk -> units) of a delivered order, or raise OrderError (422)."""
    now = now or timezone.now()
    order = _locked(order)
    if order.status != S.DELIVERED:
        raise OrderError.not_returnable(
            f"Only a delivered order can be returned; this one is {order.get_status_display().lower()}."
        )
    ends = window_ends(order)
    if ends is None or now > ends:
        shown = date_format(timezone.localtime(ends), "j F Y") if ends else ""
        raise OrderError.not_returnable(f"The return window for this order closed on {shown}.")
    if ReturnRequest.objects.filter(order=order, status__in=ReturnRequest.OPEN).exists():
        raise OrderError.not_returnable("A return of this order is already open.")
    reason = reason.strip()
    if not reason:
        raise OrderError.not_returnable("Tell us why you are returning the items.")
    if len(reason) > REASON_MAX:
        raise OrderError.not_returnable(f"Keep the reason under {REASON_MAX} characters.")
    left = {item.line.pk: item for item in returnable_lines(order)}
    chosen: list[tuple[int, int]] = []
    for pk, quantity in sorted(quantities.items()):
        item = left.get(pk)
        if item is None:
            raise OrderError.not_returnable("That item is not in this order.")
        if quantity < 0:
            raise OrderError.not_returnable("The number of items cannot be negative.")
        if quantity > item.left:
            raise OrderError.not_returnable(f"Only {item.left} of {item.name} can be returned.")
        if quantity:
            chosen.append((pk, quantity))
    if not chosen:
        raise OrderError.not_returnable("Choose how many of an item to return.")
    request = ReturnRequest.objects.create(order=order, reason=reason, requested_by=actor)
    ReturnLine.objects.bulk_create(ReturnLine(request=request, order_line_id=pk, quantity=q) for pk, q in chosen)
    _event(order, K.RETURN_REQUESTED, actor=actor, note=f"{lines_text(request)}. Reason: {reason}")
    order_notify_return(order=order, request=request, kind=K.RETURN_REQUESTED)
    return request


@transaction.atomic
def return_decide(*, order: Order, actor: User, approve: bool, note: str = "") -> ReturnRequest:
    """Approve or refuse the order's waiting return request, or raise OrderError (422)."""
    order = _locked(order)
    request = _open(order, RS.REQUESTED)
    request.status = RS.APPROVED if approve else RS.REFUSED
    request.note = note.strip()[:REASON_MAX]
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "note", "decided_by", "decided_at"])
    kind = K.RETURN_APPROVED if approve else K.RETURN_REFUSED
    told = "Please send the items back." if approve else ""
    _event(
        order,
        kind,
        actor=actor,
        note=" ".join(part for part in [lines_text(request) + ".", request.note, told] if part),
    )
    order_notify_return(order=order, request=request, kind=kind)
    return request


@transaction.atomic
def return_receive(*, order: Order, actor: User, restock: bool) -> ReturnRequest:
    """Mark the approved return received (its units back in stock with `restock`), or raise OrderError.

    Its refund follows (ops: refund_create with `return_quantities`); marking it first means a second
    click finds nothing to receive and refunds nothing twice."""
    order = _locked(order)
    request = _open(order, RS.APPROVED)
    request.status = RS.RECEIVED
    request.received_at = timezone.now()
    request.save(update_fields=["status", "received_at"])
    _event(order, K.RETURN_RECEIVED, actor=actor, note=lines_text(request) + ".")
    if restock:
        quantities = [
            (line.order_line.variant_id, line.quantity)
            for line in request.lines.select_related("order_line")
            if line.order_line.variant_id is not None
        ]
        if quantities:
            stock_return(quantities=sorted(quantities))
            _event(order, K.RESTOCKED, actor=actor, note="Returned items back in stock.")
    order_notify_return(order=order, request=request, kind=K.RETURN_RECEIVED)
    return request


def return_quantities(request: ReturnRequest) -> dict[int, int]:
    """The request's units by order line pk, as refund_create's `lines` wants them."""
    return {line.order_line_id: line.quantity for line in request.lines.all()}
