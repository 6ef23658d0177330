"""The shopper API's shared answers: a breakdown of figures, an address, an order and its timeline.

Amounts are decimal strings in `currency` (ISO 4217), never floats.
"""

from datetime import datetime
from typing import Any

from ninja import Field, Schema

from commerce.orders.models import Order
from commerce.orders.totals import Breakdown, order_breakdown

from .shop import currency, money


class TaxLineOut(Schema):
    name: str
    rate: str = Field(description='The rate in percent, as a decimal string ("8.0000").')
    amount: str


class BreakdownOut(Schema):
    """What the order (or the cart) costs: subtotal - discount + shipping + tax (unless included) = total."""

    currency: str
    subtotal: str
    discount: str = Field(description="The amount off, a positive figure.")
    discount_code: str = Field(description='The code applied ("WELCOME10"), or "".')
    discount_label: str
    shipping: str
    shipping_method: str = Field(description='The shipping method\'s name ("Standard"), or "" before one is chosen.')
    tax: str
    prices_include_tax: bool = Field(description="True: the tax is inside the prices, not added on top.")
    tax_lines: list[TaxLineOut]
    total: str

    @classmethod
    def of(cls, figures: Breakdown, code: str = "") -> "BreakdownOut":
        return cls(
            currency=code or currency(),
            subtotal=money(figures.subtotal),
            discount=money(figures.discount),
            discount_code=figures.discount_code,
            discount_label=figures.discount_label,
            shipping=money(figures.shipping),
            shipping_method=figures.shipping_name,
            tax=money(figures.tax),
            prices_include_tax=figures.prices_include_tax,
            tax_lines=[TaxLineOut(name=t.name, rate=str(t.rate), amount=money(t.amount)) for t in figures.tax_lines],
            total=money(figures.total),
        )


class AddressOut(Schema):
    full_name: str
    line1: str
    line2: str
    city: str
    postal_code: str
    region: str = Field(description='The ISO 3166-2 code after the country\'s ("NY"), or "".')
    country: str = Field(description='ISO 3166-1 alpha-2 ("US").')
    phone: str

    @classmethod
    def of(cls, snapshot: dict[str, Any] | None) -> "AddressOut | None":
        if not snapshot:
            return None
        return cls(**{name: str(snapshot.get(name) or "") for name in cls.model_fields})


class OrderLineOut(Schema):
    variant: int | None = Field(description="The variant's id (null once it is deleted from the catalog).")
    sku: str
    product: str
    name: str = Field(description="The variant's name, as it was at checkout.")
    unit_price: str
    quantity: int
    line_total: str


class TimelineEventOut(Schema):
    kind: str = Field(description='What happened: "placed", "paid", "shipped", "cancelled", ...')
    label: str
    at: datetime
    note: str


class OrderSummaryOut(Schema):
    """An order in a list (read from the Order row by the resolvers below)."""

    number: str
    status: str
    status_label: str
    created_at: datetime
    currency: str
    total: str
    items: int = Field(description="How many units the order holds.")

    @staticmethod
    def resolve_status_label(order: Order) -> str:
        return order.get_status_display()

    @staticmethod
    def resolve_total(order: Order) -> str:
        return money(order.total)

    @staticmethod
    def resolve_items(order: Order) -> int:
        return sum(line.quantity for line in order.lines.all())


class OrderOut(OrderSummaryOut):
    """One order: `OrderOut.of(order)` (its lines, tax lines and hold prefetched, or read here)."""

    email: str
    paid_at: datetime | None
    hold_expires_at: datetime | None = Field(
        description="Awaiting payment: when the held stock goes back on sale unless paid; else null."
    )
    tracking_number: str
    lines: list[OrderLineOut]
    totals: BreakdownOut
    shipping_address: AddressOut | None
    billing_address: AddressOut | None = Field(description="Null: billed to the shipping address.")
    timeline: list[TimelineEventOut]

    @classmethod
    def of(cls, order: Order) -> "OrderOut":
        return cls.model_validate(order)

    @staticmethod
    def resolve_hold_expires_at(order: Order) -> datetime | None:
        hold = getattr(order, "hold", None) if order.status == Order.Status.PENDING_PAYMENT else None
        return hold.expires_at if hold is not None and hold.is_active else None

    @staticmethod
    def resolve_lines(order: Order) -> list[OrderLineOut]:
        return [
            OrderLineOut(
                variant=line.variant_id,
                sku=line.sku,
                product=line.product_name,
                name=line.variant_name,
                unit_price=money(line.unit_price),
                quantity=line.quantity,
                line_total=money(line.line_total),
            )
            for line in order.lines.all()
        ]

    @staticmethod
    def resolve_totals(order: Order) -> BreakdownOut:
        return BreakdownOut.of(order_breakdown(order), order.currency)

    @staticmethod
    def resolve_shipping_address(order: Order) -> AddressOut | None:
        return AddressOut.of(order.shipping_address)

    @staticmethod
    def resolve_billing_address(order: Order) -> AddressOut | None:
        return AddressOut.of(order.billing_address)

    @staticmethod
    def resolve_timeline(order: Order) -> list[TimelineEventOut]:
        events = order.events.order_by("created_at", "pk")
        return [
            TimelineEventOut(kind=event.kind, label=event.label, at=event.created_at, note=event.note)
            for event in events
        ]
