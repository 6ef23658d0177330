"""The dashboard's reads: exact figures for a fixed set of orders, in several time zones."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.http import QueryDict
from django.utils import timezone

from commerce.inventory.models import StockHold
from commerce.notifications.models import Notification
from commerce.ops import selectors
from commerce.ops.filters import feed_filter
from commerce.ops.store_day import day_bounds
from commerce.orders.models import Order
from commerce.payments.models import Payment, Refund
from tests.factories import ADDRESS, OrderFactory, VariantFactory

pytestmark = pytest.mark.django_db
S = Order.Status
NOW = datetime(2025, 3, 15, 2, 30, tzinfo=UTC)  # Sat 15 Mar 02:30 UTC = Fri 14 Mar 22:30 in New York (EDT)


def made(**fields) -> Order:  # type: ignore[no-untyped-def]
    """An order row as it stands, timestamps included (for figures; no lines, no events)."""
    created_at = fields.pop("created_at", None)
    total = Decimal(fields.pop("total", "10.00"))
    order = Order.objects.create(email="x@example.com", shipping_address=ADDRESS, subtotal=total, total=total, **fields)
    if created_at is not None:
        Order.objects.filter(pk=order.pk).update(created_at=created_at)
        order.refresh_from_db()
    return order


def utc(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, second, tzinfo=UTC)


@pytest.fixture
def fixture_set():  # type: ignore[no-untyped-def]
    """Orders and refunds placed either side of midnight in UTC, New York and Tokyo.

    | order | placed (UTC)  | paid (UTC)    | total | status now      |
    | A     | 15th 00:55    | 15th 01:00    | 10.00 | paid            |
    | B     | 14th 23:25    | 14th 23:30    | 20.00 | packed          |
    | C     | 14th 03:55    | 14th 04:00:00 | 40.00 | delivered       |  New York's midnight is 04:00 UTC
    | D     | 15th 01:55    | 15th 02:00    | 30.00 | shipped         |
    | E     | 15th 02:10    | -             | 25.00 | pending_payment |
    | F     | 14th 23:50    | -             | 15.00 | cancelled       |
    Refunds that succeeded: 5.00 at 15th 00:30 UTC, 3.00 at 14th 10:00 UTC; one failed (7.00) on the 15th.
    """
    a = made(status=S.PAID, total="10.00", created_at=utc(15, 0, 55), paid_at=utc(15, 1))
    made(status=S.PACKED, total="20.00", created_at=utc(14, 23, 25), paid_at=utc(14, 23, 30))
    made(status=S.DELIVERED, total="40.00", created_at=utc(14, 3, 55), paid_at=utc(14, 4))
    made(status=S.SHIPPED, total="30.00", created_at=utc(15, 1, 55), paid_at=utc(15, 2))
    made(status=S.PENDING_PAYMENT, total="25.00", created_at=utc(15, 2, 10))
    made(status=S.CANCELLED, total="15.00", created_at=utc(14, 23, 50))
    payment = Payment.objects.create(
        order=a, intent_id="pi_a", client_secret="s", amount_minor=1000, currency="USD", status="succeeded"
    )
    for amount, status, at in [
        (500, "succeeded", utc(15, 0, 30)),
        (300, "succeeded", utc(14, 10)),
        (700, "failed", utc(15, 1)),
    ]:
        refund = Refund.objects.create(payment=payment, amount_minor=amount, status=status)
        Refund.objects.filter(pk=refund.pk).update(created_at=at)


def counts(kpis: selectors.Kpis) -> dict[str, int]:
    return {code: n for code, _label, n in kpis.by_status if n}


@pytest.mark.usefixtures("fixture_set")
@pytest.mark.parametrize(
    ("zone", "day", "orders", "revenue", "aov", "refunded", "placed"),
    [
        ("UTC", date(2025, 3, 15), 2, "40.00", "20.00", "5.00", {"paid": 1, "shipped": 1, "pending_payment": 1}),
        # 22:30 on the 14th: C was paid at local midnight exactly (counted) but placed a few
        # minutes before it (not placed today).
        (
            "America/New_York",
            date(2025, 3, 14),
            4,
            "100.00",
            "25.00",
            "8.00",
            {"paid": 1, "packed": 1, "shipped": 1, "pending_payment": 1, "cancelled": 1},
        ),
        (
            "Asia/Tokyo",
            date(2025, 3, 15),
            3,
            "60.00",
            "20.00",
            "5.00",
            {"paid": 1, "packed": 1, "shipped": 1, "pending_payment": 1, "cancelled": 1},
        ),
    ],
)
def test_kpis_for_today_in_the_store_time_zone(settings, zone, day, orders, revenue, aov, refunded, placed):
    settings.TIME_ZONE = zone

    kpis = selectors.kpis_today(NOW)

    assert kpis.day == day
    assert kpis.orders == orders
    assert kpis.revenue == Decimal(revenue)
    assert kpis.average_order_value == Decimal(aov)
    assert kpis.refunded == Decimal(refunded)
    assert counts(kpis) == placed
    assert [code for code, _label, _n in kpis.by_status] == [
        "pending_payment",
        "paid",
        "packed",
        "shipped",
        "delivered",
        "cancelled",
        "refunded",
    ]


@pytest.mark.usefixtures("fixture_set")
def test_the_day_turns_at_local_midnight(settings):
    settings.TIME_ZONE = "America/New_York"

    just_before = selectors.kpis_today(utc(15, 3, 59, 59))  # 23:59:59 on the 14th in New York
    just_after = selectors.kpis_today(utc(15, 4))  # 00:00 on the 15th

    assert (just_before.day, just_before.orders, just_before.revenue) == (date(2025, 3, 14), 4, Decimal("100.00"))
    assert (just_after.day, just_after.orders, just_after.revenue) == (date(2025, 3, 15), 0, Decimal("0.00"))
    assert just_after.average_order_value == Decimal("0.00")
    assert just_after.placed == 0


def test_a_day_when_clocks_go_forward_has_23_hours(settings):
    settings.TIME_ZONE = "America/New_York"  # 9 March 2025: 02:00 EST became 03:00 EDT
    start, end = day_bounds(date(2025, 3, 9))
    assert (start.astimezone(UTC), end.astimezone(UTC)) == (utc(9, 5), utc(10, 4))

    made(status=S.PAID, total="12.00", created_at=utc(10, 3), paid_at=utc(10, 3, 30))  # 23:30 EDT on the 9th
    made(status=S.PAID, total="99.00", created_at=utc(10, 4), paid_at=utc(10, 4, 30))  # 00:30 EDT on the 10th

    kpis = selectors.kpis_today(utc(10, 3, 45))

    assert (kpis.day, kpis.orders, kpis.revenue) == (date(2025, 3, 9), 1, Decimal("12.00"))


def test_average_order_value_rounds_half_up_to_cents(clock):
    for total in ("10.00", "10.00", "10.01"):
        made(status=S.PAID, total=total, paid_at=clock.now)

    assert selectors.kpis_today().average_order_value == Decimal("10.00")  # 30.01 / 3 = 10.0033...
    made(status=S.PAID, total="0.01", paid_at=clock.now)
    assert selectors.kpis_today().average_order_value == Decimal("7.51")  # 30.02 / 4 = 7.505


def test_orders_per_minute_over_the_last_hour(settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    now = datetime(2025, 3, 15, 12, 30, 40, tzinfo=UTC)
    for paid_at in [
        datetime(2025, 3, 15, 12, 30, 5, tzinfo=UTC),  # this minute: the last bar
        datetime(2025, 3, 15, 12, 29, 59, tzinfo=UTC),
        datetime(2025, 3, 15, 12, 0, 30, tzinfo=UTC),
        datetime(2025, 3, 15, 12, 0, 31, tzinfo=UTC),
        datetime(2025, 3, 15, 11, 31, 0, tzinfo=UTC),  # the first bar
        datetime(2025, 3, 15, 11, 30, 59, tzinfo=UTC),  # 60 minutes ago: out
    ]:
        made(status=S.PAID, paid_at=paid_at)
    made(status=S.PENDING_PAYMENT)  # not paid: not an order yet

    chart = selectors.orders_per_minute(now)

    assert len(chart.bars) == 60
    assert {i: bar.count for i, bar in enumerate(chart.bars) if bar.count} == {0: 1, 29: 2, 58: 1, 59: 1}
    assert (chart.total, chart.peak) == (5, 2)
    assert (chart.first_label, chart.last_label) == ("20:31", "21:30")  # Tokyo time
    tallest, single = chart.bars[29], chart.bars[59]
    assert (tallest.x, tallest.y, tallest.height) == (291, 8.0, 92.0)
    assert (single.x, single.y, single.height) == (591, 54.0, 46.0)
    assert chart.bars[1].height == 0


def test_feed_is_newest_first_with_item_counts_and_filters(settings):
    settings.TIME_ZONE = "America/New_York"
    variant = VariantFactory(stock=50, price="5.00")
    first = OrderFactory(paid=True, variant=variant, quantity=3)
    second = OrderFactory(variant=variant, quantity=1)
    Order.objects.filter(pk=first.pk).update(created_at=utc(14, 3, 59))  # 23:59 on the 13th in New York
    Order.objects.filter(pk=second.pk).update(created_at=utc(14, 4))  # 00:00 on the 14th

    everything = selectors.feed(feed_filter(QueryDict("")))
    assert [(o.number, o.item_count) for o in everything] == [(second.number, 1), (first.number, 3)]

    paid = feed_filter(QueryDict("status=paid"))
    assert [o.number for o in selectors.feed(paid)] == [first.number]
    on_the_14th = feed_filter(QueryDict("date=2025-03-14"))
    assert [o.number for o in selectors.feed(on_the_14th)] == [second.number]
    on_the_13th_unpaid = feed_filter(QueryDict("date=2025-03-13&status=pending_payment"))
    assert selectors.feed(on_the_13th_unpaid) == []


def test_stock_alerts_list_sold_out_then_low(settings):
    settings.LOW_STOCK_THRESHOLD = 5
    out = VariantFactory(product__name="Mug", stock=0)
    low = VariantFactory(product__name="Cap", stock=2)
    edge = VariantFactory(product__name="Bag", stock=5)
    VariantFactory(stock=6)
    VariantFactory(stock=0, is_active=False)
    VariantFactory(stock=0, product__is_published=False)
    VariantFactory(stock=0, product__deleted_at=timezone.now())

    alerts = selectors.stock_alerts()

    assert [v.pk for v in alerts.variants] == [out.pk, low.pk, edge.pk]
    assert (alerts.sold_out, alerts.low, alerts.threshold, alerts.more) == (1, 2, 5, 0)
    assert selectors.stock_alerts(limit=1).more == 2


def test_holds_about_to_expire(settings):
    settings.OPS_HOLD_WARNING_SECONDS = 120
    now = timezone.now()
    soon, later, gone = (OrderFactory() for _ in range(3))
    OrderFactory(paid=True)  # sold: its hold is no longer active
    StockHold.objects.filter(order=soon).update(expires_at=now + timedelta(seconds=90))
    StockHold.objects.filter(order=later).update(expires_at=now + timedelta(minutes=9))
    StockHold.objects.filter(order=gone).update(expires_at=now - timedelta(seconds=5))

    holds = selectors.holds_expiring(now)

    assert [(h.order.number, h.seconds_left) for h in holds.expiring] == [(gone.number, -5), (soon.number, 90)]
    assert (holds.active, holds.window_minutes) == (3, 2)


def test_problems(settings):
    settings.OPS_UNPACKED_AFTER_HOURS = 4
    settings.OPS_PROBLEM_WINDOW_HOURS = 24
    now = timezone.now()
    stuck = made(status=S.PAID, paid_at=now - timedelta(hours=5))
    made(status=S.PAID, paid_at=now - timedelta(hours=3))
    made(status=S.PACKED, paid_at=now - timedelta(hours=30))
    declined = Payment.objects.create(
        order=made(), intent_id="pi_d", client_secret="s", amount_minor=1000, currency="USD", status="failed"
    )
    old = Payment.objects.create(
        order=made(), intent_id="pi_o", client_secret="s", amount_minor=1000, currency="USD", status="failed"
    )
    Payment.objects.filter(pk=old.pk).update(updated_at=now - timedelta(hours=25))
    Notification.objects.create(
        event="order_paid",
        channel="sms",
        recipient="+15555550100",
        body_text="x",
        status="failed",
        idempotency_key=f"order:{stuck.number}:order_paid:sms",
    )
    Notification.objects.create(
        event="support_reply",
        channel="email",
        recipient="a@example.com",
        body_text="x",
        status="failed",
        idempotency_key="support:9:1:email",
    )
    Notification.objects.create(
        event="order_paid",
        channel="email",
        recipient="a@example.com",
        body_text="x",
        status="sent",
        idempotency_key="k",
    )

    found = selectors.problems(now)

    assert [o.pk for o in found.unpacked] == [stuck.pk]
    assert [p.pk for p in found.failed_payments] == [declined.pk]
    assert sorted(n.order_number for n in found.failed_notifications) == ["", stuck.number]
    assert (found.unpacked_count, found.failed_payments_count, found.failed_notifications_count, found.total) == (
        1,
        1,
        2,
        4,
    )


def late_payment(amount_minor: int = 4800, intent: str = "pi_late") -> Payment:
    """A payment that arrived for a cancelled order (its refund is what the problems list is about)."""
    return Payment.objects.create(
        order=made(status=S.CANCELLED),
        intent_id=intent,
        client_secret="s",
        amount_minor=amount_minor,
        currency="USD",
        status="succeeded",
    )


def test_a_refused_automatic_refund_is_a_problem_until_the_payment_is_refunded():
    now = timezone.now()
    refused = Refund.objects.create(
        payment=late_payment(),
        amount_minor=4800,
        status="failed",
        automatic=True,
        last_error="Charge ch_1 has been disputed.",
    )
    Refund.objects.filter(pk=refused.pk).update(created_at=now - timedelta(days=30))  # old: still listed
    settled = late_payment(intent="pi_settled")
    Refund.objects.create(payment=settled, amount_minor=4800, status="failed", automatic=True, last_error="x")
    Refund.objects.create(payment=settled, amount_minor=4800, status="succeeded", reason="Made at Stripe.")
    Refund.objects.create(payment=late_payment(intent="pi_staff"), amount_minor=100, status="failed")  # staff saw it

    found = selectors.problems(now)

    assert [(r.pk, r.last_error) for r in found.refused_refunds] == [(refused.pk, "Charge ch_1 has been disputed.")]
    assert (found.refused_refunds_count, found.total) == (1, 1)


def test_order_file_has_what_is_left_to_refund():
    order = made(status=S.PAID, total="48.00", paid_at=timezone.now())
    payment = Payment.objects.create(
        order=order, intent_id="pi_f", client_secret="s", amount_minor=4800, currency="USD", status="succeeded"
    )
    Refund.objects.create(payment=payment, amount_minor=1000, status="succeeded")
    Refund.objects.create(payment=payment, amount_minor=500, status="pending")
    Refund.objects.create(payment=payment, amount_minor=900, status="failed")

    file = selectors.order_file(order.number.lower())

    assert file is not None
    assert (file.refundable, file.can_refund) == (Decimal("33.00"), True)
    assert selectors.order_file("LS-NONE-NONE") is None
