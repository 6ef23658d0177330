"""What reaches `ops.dashboard`: feed rows and the panels, and how a burst is coalesced."""

import re
import threading
import time
from decimal import Decimal

import pytest
from django.db.models import Sum

from commerce.orders import services as order_services
from commerce.orders.models import Order
from realtime import topics
from tests.factories import ADDRESS, CartFactory, CartLineFactory, OrderFactory, UserFactory, VariantFactory

pytestmark = pytest.mark.django_db
DASHBOARD = "ops.dashboard"


def to_dashboard(sent: list[tuple[str, str]]) -> list[str]:
    return [html for topic, html in sent if topic == DASHBOARD]


def kpi_pushes(sent: list[tuple[str, str]]) -> list[str]:
    return [html for html in to_dashboard(sent) if 'id="ops-kpis"' in html]


def rows_and_panels(push: str) -> tuple[str, str]:
    """A dashboard push: the rows of the orders changed in its window, then the panels."""
    at = push.index('<section id="ops-kpis"')
    return push[:at], push[at:]


def figures(html: str) -> tuple[int, Decimal]:
    found = re.search(r'id="ops-kpis"[^>]*data-orders="(\d+)" data-revenue="([\d.]+)"', html)
    assert found, html[:300]
    return int(found[1]), Decimal(found[2])


def test_nothing_is_rendered_for_the_dashboard_while_nobody_watches(capture_broadcasts):
    variant = VariantFactory(stock=5)

    with capture_broadcasts() as sent:
        order = OrderFactory(paid=True, variant=variant)

    assert to_dashboard(sent) == []
    assert {topic for topic, _ in sent} == {f"stock.{variant.pk}", f"order.{order.pk}", f"cart.{order.cart_id}"}


@pytest.mark.usefixtures("watched", "database_clock")  # "placed today": the database stamps the order
def test_a_new_order_goes_to_the_top_and_the_panels_are_pushed_once(capture_broadcasts):
    variant = VariantFactory(stock=5, price="12.00")

    with capture_broadcasts() as sent:
        order = OrderFactory(variant=variant, quantity=2)

    (push,) = to_dashboard(sent)  # one push: the order's row, then the panels (for the order and its stock)
    rows, panels = rows_and_panels(push)
    assert rows.startswith(f'<li id="ops-order-{order.pk}" hx-swap-oob="delete"></li>')
    assert '<div hx-swap-oob="afterbegin:#ops-orders[data-accepts~=pending_payment]">' in rows
    assert f'data-order="{order.number}" data-status="pending_payment"' in rows
    assert "2 items" in rows
    assert figures(panels) == (0, Decimal("0.00"))
    placed = '<span class="status status--pending_payment">Awaiting payment</span> <strong>1</strong>'
    assert f'data-status="pending_payment">{placed}' in panels
    for panel in ("ops-chart", "ops-problems", "ops-stock", "ops-holds"):
        assert f'id="{panel}"' in panels
    assert panels.count('hx-swap-oob="true"') == 5


@pytest.mark.usefixtures("watched", "clock")  # "paid today"
def test_a_status_change_replaces_the_row_in_place(capture_broadcasts):
    order = OrderFactory(variant__price="12.00")

    with capture_broadcasts() as sent:
        order_services.order_mark_paid(order=order, amount_minor=1200, currency="USD", reference="pi_1")

    (push,) = to_dashboard(sent)
    row, panels = rows_and_panels(push)
    in_place = f'<li id="ops-order-{order.pk}" class="ops-row" data-order="{order.number}" data-status="paid"'
    assert row.startswith(f'{in_place} hx-swap-oob="true">')
    assert "afterbegin" not in row
    assert "Mark packed" in row
    assert figures(panels) == (1, Decimal("12.00"))


@pytest.mark.usefixtures("watched")
def test_a_checkout_that_replaces_an_unpaid_order_pushes_both_rows(capture_broadcasts):
    user = UserFactory()
    cart = CartFactory(user=user)
    CartLineFactory(cart=cart, variant=VariantFactory(stock=5), quantity=1)
    stale = OrderFactory(cart=cart, user=user)

    with capture_broadcasts() as sent:
        fresh = order_services.checkout_start(cart=cart, user=user, email=user.email, address=ADDRESS)

    (push,) = to_dashboard(sent)  # one transaction, one push: both rows, then the panels
    stale_row, fresh_row = rows_and_panels(push)[0].split(f'<li id="ops-order-{fresh.pk}"', 1)
    assert stale_row.startswith(f'<li id="ops-order-{stale.pk}" class="ops-row"')
    assert 'data-status="cancelled" hx-swap-oob="true"' in stale_row
    assert fresh_row.startswith(' hx-swap-oob="delete">')
    assert len(kpi_pushes(sent)) == 1


@pytest.mark.usefixtures("watched")
def test_an_action_from_the_dashboard_reaches_the_shoppers_order_page_and_the_feed(capture_broadcasts):
    from commerce.ops import services

    order = OrderFactory(paid=True)
    staff = UserFactory(is_staff=True)

    with capture_broadcasts() as sent:
        services.order_act(order=order, action="packed", actor=staff, seen_status="paid")

    assert [topic for topic, _ in sent] == [f"order.{order.pk}", DASHBOARD]  # the row and the panels
    assert 'data-status="packed"' in sent[0][1]


@pytest.mark.usefixtures("clock")  # "paid today"
def test_the_snapshot_is_every_panel_swapped_in_place():
    OrderFactory(paid=True, variant__price="30.00")

    html = topics.snapshot(DASHBOARD)

    assert html is not None
    assert figures(html) == (1, Decimal("30.00"))
    assert topics.snapshot("ops.elsewhere") is None


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("watched", "clock")  # "paid today"; the coalescing timers wait on the monotonic clock
def test_a_burst_of_200_orders_gives_a_few_pushes_ending_with_the_database_figures(settings, monkeypatch):
    """Real threads, each order in its own transactions, a coalescing window as in production."""
    from django.db import connection

    from realtime import broadcast

    window = 0.2
    settings.REALTIME_COALESCE_SECONDS = window
    sent: list[tuple[str, str]] = []
    lock = threading.Lock()

    def record(topic: str, html: str) -> bool:
        with lock:
            sent.append((topic, html))
        return True

    monkeypatch.setattr(broadcast, "publish", record)
    variant = VariantFactory(stock=1000, price="7.25")
    errors: list[BaseException] = []

    def shop(count: int) -> None:
        try:
            for _ in range(count):
                OrderFactory(paid=True, variant=variant)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    started = time.monotonic()
    threads = [threading.Thread(target=shop, args=(50,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    burst = time.monotonic() - started
    time.sleep(window * 4)  # the last window closes and its push goes out

    assert errors == []
    paid = Order.objects.filter(status=Order.Status.PAID)
    assert paid.count() == 200
    pushes = kpi_pushes(sent)
    # At most one push per window (plus the one a window still open when the burst ended sends),
    # against 400 order events and 200 stock moves.
    assert 1 <= len(pushes) <= burst / window + 2, (len(pushes), burst)
    assert len(pushes) < 200
    assert figures(pushes[-1]) == (200, paid.aggregate(total=Sum("total"))["total"]) == (200, Decimal("1450.00"))
    # Every order's row went out with the panels, as the order was when its window closed: the
    # last time each order shows, it is paid.
    last_status = {}
    for push in pushes:
        for found in re.finditer(r'id="ops-order-(\d+)" class="ops-row" data-order="[^"]+" data-status="(\w+)"', push):
            last_status[int(found[1])] = found[2]
    assert last_status == dict.fromkeys(paid.values_list("pk", flat=True), "paid")
