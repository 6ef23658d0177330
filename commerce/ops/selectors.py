"""Reads of the ops dashboard: today's figures, the order feed, stock and holds, problems.

"Today" is the store's day (store_day.py). An order counts once it is paid (`paid_at`); an order
awaiting payment is a checkout in progress, shown in the feed but not in the figures.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncMinute
from django.utils import timezone

from commerce.accounts.models import User
from commerce.alerts.selectors import waiting_count
from commerce.catalog.models import Variant
from commerce.inventory.models import StockHold
from commerce.money import from_minor, round_amount
from commerce.notifications.models import Notification
from commerce.orders.models import Order, OrderEvent, ReturnRequest
from commerce.payments.models import Payment, Refund
from commerce.payments.refund_lines import LineLeft, lines_left

from .chart import CHART_MINUTES, Chart, minute_chart
from .filters import STATUSES, FeedFilter
from .store_day import day_bounds, store_today

S = Order.Status
CENT = Decimal("0.01")


def is_ops(user: object) -> bool:
    return isinstance(user, User) and user.in_role("ops")


# --- Figures ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kpis:
    day: date
    orders: int  # paid today
    revenue: Decimal  # their totals
    refunded: Decimal  # refunds that succeeded today
    by_status: list[tuple[str, str, int]]  # orders placed today, by where they are now: (code, label, count)

    @property
    def average_order_value(self) -> Decimal:
        if not self.orders:
            return Decimal("0.00")
        return round_amount(self.revenue / self.orders)

    @property
    def placed(self) -> int:
        return sum(count for _code, _label, count in self.by_status)


def kpis_today(now: datetime | None = None) -> Kpis:
    day = store_today(now)
    start, end = day_bounds(day)
    paid = Order.objects.filter(paid_at__gte=start, paid_at__lt=end).aggregate(n=Count("pk"), revenue=Sum("total"))
    refunded_minor = Refund.objects.filter(
        status=Refund.Status.SUCCEEDED, created_at__gte=start, created_at__lt=end
    ).aggregate(total=Sum("amount_minor"))["total"]
    # order_by(): the model's default ordering would otherwise join the GROUP BY.
    placed = dict(
        Order.objects.filter(created_at__gte=start, created_at__lt=end)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return Kpis(
        day=day,
        orders=paid["n"],
        revenue=round_amount(paid["revenue"] or 0),
        refunded=from_minor(refunded_minor or 0),
        by_status=[(code, label, placed.get(code, 0)) for code, label in STATUSES],
    )


# --- Orders per minute --------------------------------------------------------------------------


def orders_per_minute(now: datetime | None = None) -> Chart:
    """Paid orders in each of the last 60 minutes, the current one last, as bars of an SVG."""
    now = now or timezone.now()
    last = now.astimezone(UTC).replace(second=0, microsecond=0)
    first = last - timedelta(minutes=CHART_MINUTES - 1)
    counts = [0] * CHART_MINUTES
    rows = (
        Order.objects.filter(paid_at__gte=first, paid_at__lt=last + timedelta(minutes=1))
        .annotate(minute=TruncMinute("paid_at", tzinfo=UTC))
        .order_by()
        .values("minute")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        index = int((row["minute"] - first).total_seconds() // 60)
        if 0 <= index < CHART_MINUTES:
            counts[index] += row["n"]
    return minute_chart(first, counts)


# --- The feed ---------------------------------------------------------------------------------


def _rows() -> QuerySet[Order]:
    """Feed rows: each order with `item_count` and `open_return` (its open return's status, or None)."""
    open_return = ReturnRequest.objects.filter(order=OuterRef("pk"), status__in=ReturnRequest.OPEN).values("status")
    return Order.objects.annotate(item_count=Sum("lines__quantity"), open_return=Subquery(open_return[:1])).order_by(
        "-created_at", "-pk"
    )


def feed(flt: FeedFilter, *, limit: int | None = None) -> list[Order]:
    """The newest orders first, each with `item_count`."""
    rows = _rows()
    if flt.status:
        rows = rows.filter(status=flt.status)
    if flt.day is not None:
        start, end = day_bounds(flt.day)
        rows = rows.filter(created_at__gte=start, created_at__lt=end)
    return list(rows[: limit or settings.OPS_FEED_LIMIT])


def feed_row(order_pk: int) -> Order | None:
    return _rows().filter(pk=order_pk).first()


def feed_rows(order_pks: list[int]) -> list[Order]:
    """These orders as feed rows, in the order given (orders that are gone are left out)."""
    found = {order.pk: order for order in _rows().filter(pk__in=order_pks)}
    return [found[pk] for pk in order_pks if pk in found]


# --- Stock and holds ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StockAlerts:
    variants: Sequence[Variant]
    sold_out: int
    low: int
    threshold: int

    @property
    def more(self) -> int:
        """Variants over the limit, not listed."""
        return self.sold_out + self.low - len(self.variants)


def stock_alerts(*, limit: int = 12) -> StockAlerts:
    """Variants on sale with LOW_STOCK_THRESHOLD or fewer left, the most awaited first (people waiting
    for a back-in-stock alert, as `waiting`), then the fewest left."""
    threshold = settings.LOW_STOCK_THRESHOLD
    on_sale = Variant.objects.filter(is_active=True, product__deleted_at__isnull=True, product__is_published=True)
    alerts = on_sale.filter(stock__lte=threshold)
    counts = alerts.aggregate(sold_out=Count("pk", filter=Q(stock=0)), total=Count("pk"))
    variants = list(
        alerts.select_related("product")
        .annotate(waiting=waiting_count())
        .order_by("-waiting", "stock", "product__name", "name", "pk")[:limit]
    )
    return StockAlerts(
        variants=variants, sold_out=counts["sold_out"], low=counts["total"] - counts["sold_out"], threshold=threshold
    )


@dataclass(frozen=True)
class ExpiringHold:
    order: Order
    expires_at: datetime
    seconds_left: int  # negative: expired, not yet released


@dataclass(frozen=True)
class Holds:
    expiring: list[ExpiringHold]
    active: int
    window_minutes: int


def holds_expiring(now: datetime | None = None, *, limit: int = 10) -> Holds:
    """Stock held for checkouts that run out within OPS_HOLD_WARNING_SECONDS, soonest first."""
    now = now or timezone.now()
    active = StockHold.objects.filter(released_at__isnull=True, converted_at__isnull=True)
    window = settings.OPS_HOLD_WARNING_SECONDS
    soon = active.filter(expires_at__lte=now + timedelta(seconds=window)).select_related("order")
    expiring = [
        ExpiringHold(
            order=hold.order, expires_at=hold.expires_at, seconds_left=int((hold.expires_at - now).total_seconds())
        )
        for hold in soon.order_by("expires_at", "pk")[:limit]
    ]
    return Holds(expiring=expiring, active=active.count(), window_minutes=max(1, round(window / 60)))


# --- Problems ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FailedNotification:
    notification: Notification
    order_number: str  # "" when it is not about an order


@dataclass(frozen=True)
class Problems:
    failed_payments: list[Payment]
    failed_payments_count: int
    failed_notifications: list[FailedNotification]
    failed_notifications_count: int
    unpacked: list[Order]
    unpacked_count: int
    unpacked_hours: int
    window_hours: int
    refused_refunds: list[Refund]
    refused_refunds_count: int

    @property
    def total(self) -> int:
        return (
            self.failed_payments_count
            + self.failed_notifications_count
            + self.unpacked_count
            + self.refused_refunds_count
        )


def _order_number_of(notification: Notification) -> str:
    # Order notifications are keyed "order:<number>:<event>:<channel>" (orders.notifications.order_notify).
    parts = notification.idempotency_key.split(":")
    return parts[1] if len(parts) >= 3 and parts[0] == "order" else ""


def refused_refunds() -> QuerySet[Refund]:
    """Automatic refunds (of a payment that arrived for a cancelled order) that Stripe refused, while
    the payment is still not refunded in full: nothing retries them, a person must act (at Stripe;
    a refund made there comes back by webhook and clears the problem)."""
    refunded = (
        Refund.objects.filter(payment=OuterRef("payment"), status=Refund.Status.SUCCEEDED)
        .order_by()
        .values("payment")
        .annotate(total=Sum("amount_minor"))
        .values("total")
    )
    return (
        Refund.objects.filter(automatic=True, status=Refund.Status.FAILED)
        .annotate(refunded=Coalesce(Subquery(refunded), 0))
        .filter(refunded__lt=F("payment__amount_minor"))
    )


def problems(now: datetime | None = None, *, limit: int = 5) -> Problems:
    """Failed payments and notifications of the last OPS_PROBLEM_WINDOW_HOURS; orders paid but not
    packed for OPS_UNPACKED_AFTER_HOURS or more; refused automatic refunds, however old, until settled."""
    now = now or timezone.now()
    since = now - timedelta(hours=settings.OPS_PROBLEM_WINDOW_HOURS)
    payments = Payment.objects.filter(status=Payment.Status.FAILED, updated_at__gte=since)
    notifications = Notification.objects.filter(status=Notification.Status.FAILED, updated_at__gte=since)
    unpacked = Order.objects.filter(
        status=S.PAID, paid_at__lte=now - timedelta(hours=settings.OPS_UNPACKED_AFTER_HOURS)
    )
    refused = refused_refunds()
    return Problems(
        failed_payments=list(payments.select_related("order").order_by("-updated_at", "-pk")[:limit]),
        failed_payments_count=payments.count(),
        failed_notifications=[
            FailedNotification(notification=n, order_number=_order_number_of(n))
            for n in notifications.order_by("-updated_at", "-pk")[:limit]
        ],
        failed_notifications_count=notifications.count(),
        unpacked=list(unpacked.order_by("paid_at", "pk")[:limit]),
        unpacked_count=unpacked.count(),
        unpacked_hours=settings.OPS_UNPACKED_AFTER_HOURS,
        window_hours=settings.OPS_PROBLEM_WINDOW_HOURS,
        refused_refunds=list(refused.select_related("payment__order").order_by("-created_at", "-pk")[:limit]),
        refused_refunds_count=refused.count(),
    )


# --- The whole board -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Board:
    kpis: Kpis
    chart: Chart
    stock: StockAlerts
    holds: Holds
    problems: Problems
    at: datetime


def board(now: datetime | None = None) -> Board:
    """Every panel of the dashboard but the feed, read at one moment."""
    now = now or timezone.now()
    return Board(
        kpis=kpis_today(now),
        chart=orders_per_minute(now),
        stock=stock_alerts(),
        holds=holds_expiring(now),
        problems=problems(now),
        at=now,
    )


# --- One order, for staff --------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderFile:
    order: Order
    events: list[OrderEvent]
    payments: list[Payment]
    notifications: list[Notification]
    refundable: Decimal  # what is left to refund, in the order's currency
    lines: list[LineLeft]  # each line with what refunds hold of it, for a refund by line

    @property
    def can_refund(self) -> bool:
        return self.refundable > 0 and self.order.can_transition(S.REFUNDED)


def order_file(number: str) -> OrderFile | None:
    """An order with its lines, hold, timeline, payments (and their refunds) and notifications."""
    order = Order.objects.select_related("user", "hold").prefetch_related("lines").filter(number=number.upper()).first()
    if order is None:
        return None
    payments = list(
        Payment.objects.filter(order=order)
        .prefetch_related(
            Prefetch(
                "refunds", queryset=Refund.objects.select_related("created_by").prefetch_related("lines__order_line")
            )
        )
        .order_by("created_at", "pk")
    )
    refundable_minor = 0
    for payment in payments:
        if payment.status == Payment.Status.SUCCEEDED:
            held = sum(
                r.amount_minor
                for r in payment.refunds.all()
                if r.status in {Refund.Status.PENDING, Refund.Status.SUCCEEDED}
            )
            refundable_minor += max(payment.amount_minor - held, 0)
    return OrderFile(
        order=order,
        events=list(order.events.select_related("actor")),
        payments=payments,
        notifications=list(
            Notification.objects.filter(idempotency_key__startswith=f"order:{order.number}:").order_by(
                "created_at", "pk"
            )
        ),
        refundable=from_minor(refundable_minor, order.currency),
        lines=lines_left(order),
    )
