"""Reads for after the sale: whether an order may still be cancelled by its owner, what of it may be
returned and until when, and its return requests (the order page's panel and the ops return panel)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from .models import Order, OrderEvent, OrderLine, ReturnLine, ReturnRequest

S = Order.Status
CANCELLABLE = {S.PENDING_PAYMENT, S.PAID}


@dataclass(frozen=True)
class ReturnableLine:
    line: OrderLine
    left: int  # units still returnable: bought less those refunded or received, and those in an open request

    @property
    def name(self) -> str:
        return self.line.product_name + (f" — {self.line.variant_name}" if self.line.variant_name else "")


@dataclass(frozen=True)
class AfterSale:
    order: Order
    returns: list[ReturnRequest]
    returnable: list[ReturnableLine]
    window_ends: datetime | None  # delivered orders: when returns close
    now: datetime = field(default_factory=timezone.now)

    @property
    def can_cancel(self) -> bool:
        return self.order.status in CANCELLABLE

    @property
    def open_return(self) -> ReturnRequest | None:
        return next((r for r in self.returns if r.is_open), None)

    @property
    def window_open(self) -> bool:
        return self.window_ends is not None and self.now <= self.window_ends

    @property
    def can_return(self) -> bool:
        return (
            self.order.status == S.DELIVERED
            and self.window_open
            and self.open_return is None
            and any(line.left for line in self.returnable)
        )

    @property
    def state(self) -> str:
        """A short mark of the returns' progress and the units left to return, for pages that re-read
        their panels when it changes."""
        latest = self.returns[-1] if self.returns else None
        left = sum(line.left for line in self.returnable)
        return f"{latest.pk}-{latest.status}-{left}" if latest else (f"{left}" if self.returnable else "")


def lines_text(request: ReturnRequest) -> str:
    """The request's units as people read them: "1 × Tee — M, 2 × Mug"."""
    return ", ".join(str(line) for line in request.lines.select_related("order_line"))


def delivered_at(order: Order) -> datetime | None:
    """When the order was delivered: its first "delivered" event."""
    return (
        OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.DELIVERED)
        .order_by("created_at", "pk")
        .values_list("created_at", flat=True)
        .first()
    )


def window_ends(order: Order) -> datetime | None:
    delivered = delivered_at(order)
    return delivered + timedelta(days=settings.RETURN_WINDOW_DAYS) if delivered else None


def returnable_lines(order: Order) -> list[ReturnableLine]:
    """Each line with the units still returnable (read under the order's lock when a return is asked for)."""
    from commerce.payments.refund_lines import lines_left  # payments reads orders: imported when asked

    open_: defaultdict[int, int] = defaultdict(int)
    received: defaultdict[int, int] = defaultdict(int)
    for row in (
        ReturnLine.objects.filter(request__order=order)
        .exclude(request__status=ReturnRequest.Status.REFUSED)
        .values("order_line", "request__status")
        .annotate(quantity=Sum("quantity"))
    ):
        into = received if row["request__status"] == ReturnRequest.Status.RECEIVED else open_
        into[row["order_line"]] += int(row["quantity"] or 0)
    # Received units are refunded just after (by line), so they are counted once: as received until
    # their refund holds them (a refund made by amount holds no units: the received count stands).
    return [
        ReturnableLine(
            line=left.line,
            left=max(left.line.quantity - max(left.refunded_quantity, received[left.line.pk]) - open_[left.line.pk], 0),
        )
        for left in lines_left(order)
    ]


def after_sale(order: Order, *, now: datetime | None = None) -> AfterSale:
    returns = list(order.returns.prefetch_related("lines__order_line").select_related("decided_by"))
    delivered = order.status == S.DELIVERED
    return AfterSale(
        order=order,
        returns=returns,
        returnable=returnable_lines(order) if delivered else [],
        window_ends=window_ends(order) if delivered else None,
        now=now or timezone.now(),
    )
