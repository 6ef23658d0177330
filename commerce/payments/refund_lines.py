"""Refunds by line: what some units of an order line give back, and how many are left to refund.

A line gives back what was paid for it: its total less its share of the order's discount, plus its
tax when the tax was added on top (with tax-inclusive prices it is inside the total already).
Shipping is not part of any line: staff refund it by amount. `q` of a line's `quantity` units give
back that amount × q / quantity, to the minor unit, and the refund that takes the line's last
units takes whatever is left of it: however a line is split across refunds, all of its units give
back exactly its amount. Refunds pending or succeeded hold their units; failed ones give them back.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import Sum

from commerce import money
from commerce.orders.models import Order, OrderLine

from .errors import PaymentError
from .models import Refund, RefundLine

HELD = [Refund.Status.PENDING, Refund.Status.SUCCEEDED]


def line_refundable_minor(line: OrderLine, *, prices_include_tax: bool, currency: str) -> int:
    """All a line gives back, in minor units: its total less its discount, plus its tax when added on top."""
    paid = line.line_total - line.discount_total + (0 if prices_include_tax else line.tax_total)
    return max(money.to_minor(paid, currency), 0)


def units_minor(*, amount_minor: int, quantity: int, units: int, done_units: int = 0, done_minor: int = 0) -> int:
    """What `units` more of a line of `quantity` units give back, `done_units` of them (for
    `done_minor`) being refunded already: their share, or all that is left when they are the last.

    Never more than what is left of the line, so several refunds never add up past it."""
    if units <= 0 or done_units + units > quantity:
        raise ValueError(f"cannot refund {units} of {quantity - done_units} units")
    left = max(amount_minor - done_minor, 0)
    if done_units + units == quantity:
        return left
    return min(money.share_minor(amount_minor, units, quantity), left)


@dataclass(frozen=True)
class LineLeft:
    """One order line as a refund by line sees it: its amount, and what refunds hold of it already."""

    line: OrderLine
    amount_minor: int
    refunded_quantity: int
    refunded_minor: int

    @property
    def quantity_left(self) -> int:
        return max(self.line.quantity - self.refunded_quantity, 0)

    @property
    def unit_minor(self) -> int:
        """One unit's share (what the form shows "each"); the last unit may differ by the rounding."""
        return money.share_minor(self.amount_minor, 1, self.line.quantity)

    def amount_for(self, units: int) -> int:
        return units_minor(
            amount_minor=self.amount_minor,
            quantity=self.line.quantity,
            units=units,
            done_units=self.refunded_quantity,
            done_minor=self.refunded_minor,
        )

    @property
    def name(self) -> str:
        return (
            f"{self.line.product_name} — {self.line.variant_name}" if self.line.variant_name else self.line.product_name
        )


def lines_left(order: Order) -> list[LineLeft]:
    """The order's lines, each with what refunds pending or succeeded hold of it (read under the
    payment's lock when a refund is being reserved)."""
    held = {
        row["order_line"]: (int(row["quantity"] or 0), int(row["amount"] or 0))
        for row in RefundLine.objects.filter(order_line__order=order, refund__status__in=HELD)
        .values("order_line")
        .annotate(quantity=Sum("quantity"), amount=Sum("amount_minor"))
    }
    return [
        LineLeft(
            line=line,
            amount_minor=line_refundable_minor(
                line, prices_include_tax=order.prices_include_tax, currency=order.currency
            ),
            refunded_quantity=held.get(line.pk, (0, 0))[0],
            refunded_minor=held.get(line.pk, (0, 0))[1],
        )
        for line in OrderLine.objects.filter(order=order).order_by("pk")
    ]


@dataclass(frozen=True)
class LinePart:
    """Units of one line in a refund being reserved, and what they give back."""

    left: LineLeft
    quantity: int
    amount_minor: int


def refund_parts(*, order: Order, quantities: Mapping[int, int]) -> list[LinePart]:
    """The units asked for (order line pk -> quantity), each checked against what is left of its line.

    Call under the payment's lock. Raises PaymentError `bad_refund_lines` (422) naming the line:
    a line of another order, a quantity below 1 or above what is left of it, or no line at all."""
    by_pk = {left.line.pk: left for left in lines_left(order)}
    parts = []
    for pk, quantity in sorted(quantities.items()):
        left = by_pk.get(pk)
        if left is None:
            raise PaymentError.bad_refund_lines(
                f"Order {order.number} has no such item (line {pk}). Nothing was refunded."
            )
        if quantity < 1:
            raise PaymentError.bad_refund_lines(f"Refund at least 1 of {left.name}, or leave it empty.")
        if quantity > left.quantity_left:
            raise PaymentError.bad_refund_lines(
                f"Only {left.quantity_left} of {left.name} can still be refunded "
                f"({left.refunded_quantity} of {left.line.quantity} refunded or being refunded). Nothing was refunded."
            )
        parts.append(LinePart(left=left, quantity=quantity, amount_minor=left.amount_for(quantity)))
    if not parts:
        raise PaymentError.bad_refund_lines("Give how many of an item to refund.")
    return parts


def refund_lines_text(refund: Refund) -> str:
    """The refunded units as the customer reads them: "1 × Canopy Tee — M", several with their
    amounts ("1 × Canopy Tee — M ($18.36) and 2 × Trail Sock — L ($10.00)"); "" for a refund by amount."""
    rows = list(refund.lines.select_related("order_line").order_by("pk"))
    currency = refund.payment.currency
    names = [
        f"{row.quantity} × {row.order_line.product_name}"
        + (f" — {row.order_line.variant_name}" if row.order_line.variant_name else "")
        for row in rows
    ]
    if len(rows) > 1:
        names = [
            f"{name} ({money.format_minor(row.amount_minor, currency)})" for name, row in zip(names, rows, strict=True)
        ]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
