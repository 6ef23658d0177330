"""Orders for accounting: one CSV row per order placed in a date range (the store's days), streamed.

Rows are read a page at a time (keyset pages on created_at, pk), so a year of orders never sits in
memory; under ASGI the rows are produced by an async iterator, which Django streams as it goes (a
synchronous iterator would be read whole first).
"""

import csv
import io
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db.models import IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from commerce.errors import DomainError
from commerce.money import from_minor, round_amount
from commerce.payments.models import Refund

from .models import Order

HEADER = (
    "number",
    "placed_at",
    "paid_at",
    "status",
    "email",
    "currency",
    "subtotal",
    "discount",
    "shipping",
    "tax",
    "total",
    "refunded",
)
PAGE_SIZE = 500
MAX_DAYS = 3660  # ten years: a typo such as 0202 for 2025 is refused, not run


class ExportError(DomainError):
    """A date range that cannot be exported; nothing was."""


@dataclass(frozen=True)
class DateRange:
    start: date
    end: date  # inclusive

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """The first local midnight to the local midnight after the last day, in the store's time zone."""
        tz = ZoneInfo(settings.TIME_ZONE)
        return (
            datetime.combine(self.start, time.min, tzinfo=tz),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=tz),
        )

    @property
    def filename(self) -> str:
        return f"orders-{self.start.isoformat()}-to-{self.end.isoformat()}.csv"


def date_range_parse(params: Mapping[str, Any]) -> DateRange:
    """The `from` and `to` dates (YYYY-MM-DD, both included), or an ExportError saying what is wrong."""
    days: dict[str, date] = {}
    for name in ("from", "to"):
        raw = str(params.get(name) or "").strip()
        if not raw:
            raise ExportError("date_missing", f"Give the “{name}” date.", status=400)
        try:
            days[name] = date.fromisoformat(raw)
        except ValueError:
            raise ExportError("date_invalid", f"“{raw}” is not a date: write it as YYYY-MM-DD.", status=400) from None
    if days["from"] > days["to"]:
        raise ExportError("range_reversed", "The “from” date is after the “to” date.", status=400)
    if (days["to"] - days["from"]).days >= MAX_DAYS:
        raise ExportError("range_too_long", "Export at most ten years at a time.", status=400)
    return DateRange(days["from"], days["to"])


def _orders(period: DateRange) -> Any:
    start, end = period.bounds
    refunded = (
        Refund.objects.filter(payment__order=OuterRef("pk"), status=Refund.Status.SUCCEEDED)
        .values("payment__order")
        .annotate(minor=Sum("amount_minor"))
        .values("minor")
    )
    return (
        Order.objects.filter(created_at__gte=start, created_at__lt=end)
        .annotate(refunded_minor=Coalesce(Subquery(refunded, output_field=IntegerField()), 0))
        .order_by("created_at", "pk")
    )


def orders_page(period: DateRange, after: tuple[datetime, int] | None, size: int = PAGE_SIZE) -> list[Order]:
    """The next `size` orders of the range after the (created_at, pk) of the last one read."""
    orders = _orders(period)
    if after is not None:
        orders = orders.filter(Q(created_at__gt=after[0]) | Q(created_at=after[0], pk__gt=after[1]))
    return list(orders[:size])


def _when(moment: datetime | None) -> str:
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE)).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def _amount(amount: Decimal, currency: str) -> str:
    return str(round_amount(amount, currency))


def order_row(order: Order) -> list[str]:
    currency = order.currency
    return [
        order.number,
        _when(order.created_at),
        _when(order.paid_at),
        order.status,
        order.email,
        currency,
        _amount(order.subtotal, currency),
        _amount(order.discount_total, currency),
        _amount(order.shipping_total, currency),
        _amount(order.tax_total, currency),
        _amount(order.total, currency),
        str(from_minor(order.refunded_minor, currency)),  # type: ignore[attr-defined]
    ]


def _lines(rows: Iterable[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()


def export_lines(period: DateRange, size: int = PAGE_SIZE) -> Iterator[str]:
    """The CSV: its header, then one chunk of lines per page of orders."""
    yield _lines([list(HEADER)])
    after = None
    while page := orders_page(period, after, size):
        yield _lines(order_row(order) for order in page)
        if len(page) < size:
            return
        after = (page[-1].created_at, page[-1].pk)


async def aexport_lines(period: DateRange, size: int = PAGE_SIZE) -> AsyncIterator[str]:
    """export_lines for an ASGI server: each page is read in a thread, then sent before the next."""
    yield _lines([list(HEADER)])
    after = None
    while page := await sync_to_async(orders_page)(period, after, size):
        yield _lines(order_row(order) for order in page)
        if len(page) < size:
            return
        after = (page[-1].created_at, page[-1].pk)
