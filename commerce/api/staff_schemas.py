"""API: what the staff operations answer about orders, and the text checks every staff input shares.

Amounts are decimal strings in the order's currency ("12.50") beside a `currency` code, never floats.
"""

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from django.utils import timezone
from ninja import Schema
from pydantic import AfterValidator, BeforeValidator, Field

from commerce.money import from_minor
from commerce.ops.selectors import OrderFile
from commerce.orders.models import Order

from .errors import ApiError


def no_nul(value: str) -> str:
    """Text the database can store: a NUL character is refused (422), never a server error."""
    if "\x00" in value:
        raise ValueError("Text may not contain NUL characters.")
    return value


Text = Annotated[str, AfterValidator(no_nul)]


RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)


def rfc3339(value: object) -> object:
    """Only a date and time with its offset (RFC 3339), not a number of seconds nor a bare date."""
    if isinstance(value, datetime) or (isinstance(value, str) and RFC3339.fullmatch(value)):
        return value
    raise ValueError("Give a date and time with its offset, such as 2026-03-02T09:00:00Z.")


Moment = Annotated[datetime, BeforeValidator(rfc3339)]


def moment(value: datetime | None, field: str) -> datetime | None:
    """`value` (a Moment) as a UTC datetime, or 422 when that is out of range."""
    if value is None:
        return None
    try:
        aware = value if timezone.is_aware(value) else timezone.make_aware(value)
        return aware.astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise ApiError.invalid(field, "This date and time is out of range.") from exc


def amount(value: Any) -> str:
    return str(value)


class StaffOrderBase(Schema):
    number: str = Field(description='The order number, such as "LS-7K3F-9QX2".')
    status: str = Field(description="pending_payment, paid, packed, shipped, delivered, cancelled or refunded.")
    status_label: str
    email: str = Field(description="Where the customer is written to.")
    customer: str = Field(description="The customer's name on the shipping address.")
    item_count: int = Field(description="Units ordered, all lines together.")
    total: str = Field(description='The total as a decimal string ("12.50").')
    currency: str
    created_at: datetime
    paid_at: datetime | None


def _customer(order: Order) -> str:
    address = order.shipping_address if isinstance(order.shipping_address, dict) else {}
    return str(address.get("full_name", ""))


class StaffOrderRowOut(StaffOrderBase):
    """One order of a list (read from an Order annotated with `item_count`)."""

    @staticmethod
    def resolve_status_label(obj: Order) -> str:
        return obj.get_status_display()

    @staticmethod
    def resolve_customer(obj: Order) -> str:
        return _customer(obj)

    @staticmethod
    def resolve_item_count(obj: Order) -> int:
        return int(getattr(obj, "item_count", None) or 0)

    @staticmethod
    def resolve_total(obj: Order) -> str:
        return amount(obj.total)


class StaffLineOut(Schema):
    id: int = Field(description="The line's id: name it in a refund by line.")
    sku: str
    product: str
    variant: str
    unit_price: str
    quantity: int
    line_total: str
    refunded_quantity: int = Field(description="Units refunded or being refunded so far.")
    quantity_left: int = Field(description="Units a refund by line may still name.")


class TotalsOut(Schema):
    subtotal: str
    discount: str
    discount_code: str
    shipping: str
    shipping_method: str
    tax: str
    prices_include_tax: bool
    total: str
    refundable: str = Field(description="What is left to refund.")
    currency: str


class RefundOut(Schema):
    id: int
    amount: str
    currency: str
    status: str = Field(description="pending, succeeded or failed.")
    reason: str
    reason_public: bool
    automatic: bool
    created_at: datetime


class StaffPaymentOut(Schema):
    id: int
    status: str = Field(description="requires_payment, processing, succeeded, failed or canceled.")
    amount: str
    currency: str
    created_at: datetime
    refunds: list[RefundOut]


class StaffEventOut(Schema):
    kind: str
    label: str
    from_status: str
    to_status: str
    note: str
    actor: str = Field(description="Who did it (an email), or empty for the store itself or the customer.")
    created_at: datetime


class StaffOrderOut(StaffOrderBase):
    tracking_number: str
    shipping_address: dict[str, Any]
    billing_address: dict[str, Any] | None
    lines: list[StaffLineOut]
    totals: TotalsOut
    payments: list[StaffPaymentOut]
    timeline: list[StaffEventOut]


def order_out(file: OrderFile) -> StaffOrderOut:
    order = file.order
    left = {entry.line.pk: entry for entry in file.lines}
    lines = []
    for line in order.lines.all():
        entry = left.get(line.pk)
        lines.append(
            StaffLineOut(
                id=line.pk,
                sku=line.sku,
                product=line.product_name,
                variant=line.variant_name,
                unit_price=amount(line.unit_price),
                quantity=line.quantity,
                line_total=amount(line.line_total),
                refunded_quantity=entry.refunded_quantity if entry else 0,
                quantity_left=entry.quantity_left if entry else line.quantity,
            )
        )
    payments = [
        StaffPaymentOut(
            id=payment.pk,
            status=payment.status,
            amount=amount(from_minor(payment.amount_minor, payment.currency)),
            currency=payment.currency.upper(),
            created_at=payment.created_at,
            refunds=[
                RefundOut(
                    id=refund.pk,
                    amount=amount(from_minor(refund.amount_minor, payment.currency)),
                    currency=payment.currency.upper(),
                    status=refund.status,
                    reason=refund.reason,
                    reason_public=refund.reason_public,
                    automatic=refund.automatic,
                    created_at=refund.created_at,
                )
                for refund in payment.refunds.all()
            ],
        )
        for payment in file.payments
    ]
    timeline = [
        StaffEventOut(
            kind=event.kind,
            label=event.label,
            from_status=event.from_status,
            to_status=event.to_status,
            note=event.note,
            actor=event.actor.email if event.actor else "",
            created_at=event.created_at,
        )
        for event in file.events
    ]
    return StaffOrderOut(
        number=order.number,
        status=order.status,
        status_label=order.get_status_display(),
        email=order.email,
        customer=_customer(order),
        item_count=sum(line.quantity for line in lines),
        currency=order.currency,
        created_at=order.created_at,
        paid_at=order.paid_at,
        total=amount(order.total),
        tracking_number=order.tracking_number,
        shipping_address=order.shipping_address if isinstance(order.shipping_address, dict) else {},
        billing_address=order.billing_address if isinstance(order.billing_address, dict) else None,
        lines=lines,
        totals=TotalsOut(
            subtotal=amount(order.subtotal),
            discount=amount(order.discount_total),
            discount_code=order.discount_code,
            shipping=amount(order.shipping_total),
            shipping_method=order.shipping_method_name,
            tax=amount(order.tax_total),
            prices_include_tax=order.prices_include_tax,
            total=amount(order.total),
            refundable=amount(file.refundable),
            currency=order.currency,
        ),
        payments=payments,
        timeline=timeline,
    )
