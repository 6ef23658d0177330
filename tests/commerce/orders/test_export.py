"""Ops export the orders of a date range for accounting (commerce/orders/export.py, /ops/export/orders/)."""

import csv
import io
from datetime import UTC, date, datetime

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth.models import Group
from django.http import StreamingHttpResponse
from django.urls import reverse

from commerce.orders.export import HEADER, DateRange, export_lines
from commerce.orders.models import Order
from commerce.payments.models import Payment, Refund
from tests.factories import OrderFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = reverse("ops:orders_export")


@pytest.fixture
def new_york(settings):  # type: ignore[no-untyped-def]
    """The store keeps New York time: on 8 March 2026 its clocks sprang forward (a 23-hour day)."""
    settings.TIME_ZONE = "America/New_York"


def staff_in(role: str):  # type: ignore[no-untyped-def]
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.fixture
def ops(client):  # type: ignore[no-untyped-def]
    client.force_login(staff_in("ops"))
    return client


def placed_at(order: Order, moment: datetime, paid: datetime | None = None) -> Order:
    """Set when the order was placed (the checkout stamps the database's own now())."""
    Order.objects.filter(pk=order.pk).update(created_at=moment, paid_at=paid)
    order.refresh_from_db()
    return order


def rows(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    """The body read as Daphne reads it: chunk by chunk from the response's async iterator."""
    assert isinstance(response, StreamingHttpResponse)

    async def read() -> bytes:
        return b"".join([chunk async for chunk in response.streaming_content])  # type: ignore[union-attr]

    return list(csv.reader(io.StringIO(async_to_sync(read)().decode())))


def export(client, start: str, end: str) -> list[list[str]]:  # type: ignore[no-untyped-def]
    response = client.get(URL, {"from": start, "to": end})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="orders-{start}-to-{end}.csv"'
    return rows(response)


@pytest.mark.usefixtures("new_york")
def test_the_range_is_the_stores_days_across_a_clock_change(ops):
    utc = [
        datetime(2026, 3, 8, 4, 59, 59, tzinfo=UTC),  # 7 March 23:59:59 EST: the day before
        datetime(2026, 3, 8, 5, 0, 0, tzinfo=UTC),  # 8 March 00:00 EST: the first instant
        datetime(2026, 3, 9, 3, 59, 59, tzinfo=UTC),  # 8 March 23:59:59 EDT: the last one
        datetime(2026, 3, 9, 4, 0, 0, tzinfo=UTC),  # 9 March 00:00 EDT: the day after
    ]
    orders = [placed_at(OrderFactory(), moment) for moment in utc]

    table = export(ops, "2026-03-08", "2026-03-08")

    assert table[0] == list(HEADER)
    assert [(row[0], row[1]) for row in table[1:]] == [
        (orders[1].number, "2026-03-08 00:00:00"),
        (orders[2].number, "2026-03-08 23:59:59"),
    ]
    assert [row[0] for row in export(ops, "2026-03-07", "2026-03-09")[1:]] == [o.number for o in orders]
    assert export(ops, "2026-03-10", "2026-03-31") == [list(HEADER)]  # no orders: just the header


@pytest.mark.usefixtures("new_york")
def test_a_row_carries_the_orders_figures_and_what_was_refunded(ops):
    order = OrderFactory(paid=True, variant__price="12.00", quantity=2, email="ann@example.com")
    order = placed_at(order, datetime(2026, 5, 1, 16, 30, tzinfo=UTC), paid=datetime(2026, 5, 1, 16, 31, 5, tzinfo=UTC))
    payment = Payment.objects.get(order=order)
    Refund.objects.create(payment=payment, amount_minor=550, status=Refund.Status.SUCCEEDED)
    Refund.objects.create(payment=payment, amount_minor=300, status=Refund.Status.SUCCEEDED)
    Refund.objects.create(payment=payment, amount_minor=100, status=Refund.Status.PENDING)  # not sent yet
    unpaid = placed_at(OrderFactory(variant__price="3.50"), datetime(2026, 5, 2, 3, 0, tzinfo=UTC))

    (_, row, unpaid_row) = export(ops, "2026-05-01", "2026-05-01")

    record = dict(zip(HEADER, row, strict=True))
    assert record["number"] == order.number
    assert record["placed_at"] == "2026-05-01 12:30:00"
    assert record["paid_at"] == "2026-05-01 12:31:05"
    assert (record["status"], record["email"], record["currency"]) == ("paid", "ann@example.com", "USD")
    assert record["subtotal"] == "24.00"
    assert record["discount"] == "0.00"
    assert record["shipping"] == f"{order.shipping_total:.2f}"
    assert record["tax"] == f"{order.tax_total:.2f}"
    assert record["total"] == f"{order.total:.2f}"
    assert record["refunded"] == "8.50"
    assert dict(zip(HEADER, unpaid_row, strict=True)) | {"number": ""} == {
        **dict.fromkeys(HEADER, ""),
        "placed_at": "2026-05-01 23:00:00",
        "status": "pending_payment",
        "email": "guest@example.com",
        "currency": "USD",
        "subtotal": "3.50",
        "discount": "0.00",
        "shipping": f"{unpaid.shipping_total:.2f}",
        "tax": f"{unpaid.tax_total:.2f}",
        "total": f"{unpaid.total:.2f}",
        "refunded": "0.00",
    }


def test_the_rows_are_read_a_page_at_a_time(django_assert_num_queries):
    for hour in range(5):
        placed_at(OrderFactory(), datetime(2026, 5, 1, hour, tzinfo=UTC))
    period = DateRange(date(2026, 5, 1), date(2026, 5, 1))

    chunks = export_lines(period, size=2)
    with django_assert_num_queries(0):
        assert next(chunks) == ",".join(HEADER) + "\r\n"
    with django_assert_num_queries(1):
        assert next(chunks).count("\r\n") == 2
    with django_assert_num_queries(2):  # a short page is the last one
        rest = list(chunks)
    assert [chunk.count("\r\n") for chunk in rest] == [2, 1]


def test_the_view_streams_the_file(ops):
    placed_at(OrderFactory(), datetime(2026, 5, 1, 12, tzinfo=UTC))
    response = ops.get(URL, {"from": "2026-05-01", "to": "2026-05-01"})

    assert response.streaming
    assert response.is_async  # Daphne sends each page as it is read
    assert response["Cache-Control"] == "no-store"
    assert len(rows(response)) == 2


@pytest.mark.parametrize(
    ("start", "end", "code", "message"),
    [
        ("2026-02-30", "2026-03-01", "date_invalid", "“2026-02-30” is not a date: write it as YYYY-MM-DD."),
        ("yesterday", "2026-03-01", "date_invalid", "“yesterday” is not a date: write it as YYYY-MM-DD."),
        ("", "2026-03-01", "date_missing", "Give the “from” date."),
        ("2026-03-02", "2026-03-01", "range_reversed", "The “from” date is after the “to” date."),
        ("1900-01-01", "2026-03-01", "range_too_long", "Export at most ten years at a time."),
    ],
)
def test_bad_dates_are_refused_with_the_form_and_nothing_exported(ops, start, end, code, message):
    OrderFactory()

    response = ops.get(URL, {"from": start, "to": end})

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert f'<p class="alert alert--error" role="alert" data-error="{code}">{message}</p>' in body
    assert 'id="orders-export-form"' in body


def test_the_form_opens_from_the_dashboard_with_this_month(ops, clock):
    dashboard = ops.get(reverse("ops:dashboard")).content.decode()
    assert f'href="{URL}">Export orders for accounting</a>' in dashboard

    body = ops.get(URL).content.decode()

    assert 'name="from" value="2026-03-01"' in body
    assert 'name="to" value="2026-03-08"' in body  # the clock stands at 8 March, store time
    assert "Download CSV" in body


@pytest.mark.parametrize("role", ["support", None])
def test_only_ops_staff_may_export(client, role):
    OrderFactory()
    client.force_login(staff_in(role) if role else UserFactory())

    assert client.get(URL, {"from": "2026-01-01", "to": "2026-12-31"}).status_code == 403
    assert client.get(URL).status_code == 403


def test_anonymous_people_are_sent_to_sign_in(client):
    response = client.get(URL, {"from": "2026-01-01", "to": "2026-12-31"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
