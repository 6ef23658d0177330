"""API: staff: every order (orders:read), and the ops dashboard's actions on them (orders:write).

The actions and refunds go through `commerce.ops.services.order_act`, as the dashboard's buttons do,
so the timeline, the live pushes (the order's page, the ops feed), the emails and webhooks follow.
"""

from decimal import Decimal
from typing import Annotated, Literal

from django.db.models import Q, QuerySet, Sum
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.params.functions import Query
from pydantic import AfterValidator, WithJsonSchema

from commerce.ops import selectors
from commerce.ops.services import TRACKING_MAX_LENGTH, order_act
from commerce.orders.models import Order

from .auth import caller
from .body import BodyIn
from .errors import ApiError, answers
from .pagination import SignedCursor
from .staff_schemas import Moment, StaffOrderOut, StaffOrderRowOut, Text, moment, order_out

router = Router(tags=["Staff: orders"])

_ONE = "|".join(Order.Status.values)


def _status_list(value: str) -> str:
    unknown = sorted({part.strip() for part in value.split(",")} - set(Order.Status.values))
    if unknown:
        raise ValueError(f"Unknown status: {', '.join(unknown)[:200]}. Use {', '.join(Order.Status)}.")
    return value


# Documented as a pattern (so generated clients and fuzzers know it), checked with a message for people.
StatusList = Annotated[
    str, AfterValidator(_status_list), WithJsonSchema({"type": "string", "pattern": rf"^({_ONE})(,({_ONE}))*$"})
]
STATUS_DESCRIPTION = "Only orders in these statuses: repeat the parameter, or separate them by commas. " + ", ".join(
    Order.Status.values
)


@router.get("", response=answers({200: list[StaffOrderRowOut]}), summary="Every order, newest first")
@paginate(SignedCursor, ordering=("-created_at", "-pk"))
def staff_orders_list(
    request: HttpRequest,
    status: list[StatusList] | None = Query(None, description=STATUS_DESCRIPTION),  # noqa: B008
    created_after: Moment | None = Query(None, description="Placed at or after (RFC 3339: 2026-03-02T09:00:00Z)."),  # noqa: B008
    created_before: Moment | None = Query(None, description="Placed before (RFC 3339: 2026-03-02T09:00:00Z)."),  # noqa: B008
    q: Text = Query("", max_length=254, description="An order number or the customer's email, exactly."),  # noqa: B008
) -> QuerySet[Order]:
    caller(request).need("orders:read")
    rows = Order.objects.annotate(item_count=Sum("lines__quantity"))
    statuses = [part.strip() for value in status or [] for part in value.split(",")]
    if statuses:
        rows = rows.filter(status__in=statuses)
    after, before = moment(created_after, "created_after"), moment(created_before, "created_before")
    if after is not None:
        rows = rows.filter(created_at__gte=after)
    if before is not None:
        rows = rows.filter(created_at__lt=before)
    if q.strip():
        rows = rows.filter(Q(number__iexact=q.strip()) | Q(email__iexact=q.strip()))
    return rows.order_by("-created_at", "-pk")


def _order(number: str) -> Order:
    order = Order.objects.filter(number=number.upper()).first()
    if order is None:
        raise ApiError.not_found("Order")
    return order


def _out(number: str) -> StaffOrderOut:
    file = selectors.order_file(number)
    if file is None:
        raise ApiError.not_found("Order")
    return order_out(file)


@router.get("/{number}", response=answers({200: StaffOrderOut}), summary="One order: lines, totals, payments, timeline")
def staff_order_read(request: HttpRequest, number: Text) -> StaffOrderOut:
    caller(request).need("orders:read")
    return _out(number)


class ActionIn(BodyIn):
    action: Literal["packed", "shipped", "delivered", "cancel"] = Field(
        description="Where to move the order: packed, shipped (needs tracking_number), delivered, or cancel "
        "(an unpaid order; its items go back on sale)."
    )
    tracking_number: Text = Field("", max_length=TRACKING_MAX_LENGTH, description="The parcel's, for shipped.")
    seen_status: Text = Field(
        "",
        max_length=20,
        description="The status you saw: if the order has moved on since, nothing is done (422). Empty: no check.",
    )


class ActionOut(Schema):
    applied: bool = Field(description="False when the order already was there: nothing changed.")
    message: str
    order: StaffOrderOut


@router.post(
    "/{number}/actions",
    response=answers({200: ActionOut}),
    summary="Move an order (packed, shipped, delivered, cancel)",
)
def staff_order_act(request: HttpRequest, number: Text, data: ActionIn) -> ActionOut:
    who = caller(request)
    who.need("orders:write")
    order = _order(number)
    result = order_act(
        order=order,
        action=data.action,
        actor=who.person(),
        seen_status=data.seen_status.strip(),
        tracking_number=data.tracking_number,
    )
    return ActionOut(applied=result.applied, message=result.message, order=_out(order.number))


class RefundLineIn(BodyIn):
    line: int = Field(ge=1, le=2_147_483_647, description="An order line's id (the order's `lines[].id`).")
    quantity: int = Field(ge=1, le=1_000_000, description="How many of its units to refund.")


class RefundIn(BodyIn):
    amount: str | None = Field(
        None,
        pattern=r"^[0-9]{1,10}(\.[0-9]{1,2})?$",
        description='How much to refund, a decimal string in the order\'s currency ("12.50"); neither this nor '
        "lines: all that is left.",
    )
    lines: list[RefundLineIn] = Field([], max_length=200, description="Or the units to refund, line by line.")
    reason: Text = Field("", max_length=200, description="Why; for staff only unless reason_public.")
    reason_public: bool = Field(False, description="Show the reason to the customer.")
    request_key: Text = Field(
        min_length=8,
        max_length=64,
        pattern=r"^[A-Za-z0-9_.:-]+$",
        description="Your own key for this refund: sent again with the same key, nothing more is refunded.",
    )
    seen_status: Text = Field("", max_length=20, description="The status you saw: refuse if it moved on.")


@router.post("/{number}/refunds", response=answers({200: ActionOut}), summary="Refund an order (in full or in part)")
def staff_order_refund(request: HttpRequest, number: Text, data: RefundIn) -> ActionOut:
    who = caller(request)
    who.need("orders:write")
    order = _order(number)
    lines: dict[int, int] = {}
    for entry in data.lines:
        lines[entry.line] = lines.get(entry.line, 0) + entry.quantity
    result = order_act(
        order=order,
        action="refund",
        actor=who.person(),
        seen_status=data.seen_status.strip(),
        amount=None if data.amount is None else Decimal(data.amount),
        lines=lines,
        reason=data.reason,
        reason_public=data.reason_public,
        request_key=data.request_key,
    )
    return ActionOut(applied=result.applied, message=result.message, order=_out(order.number))
