"""The live dashboard: what is pushed to `ops.dashboard`, and when.

Both parts go out together through the realtime coalescer, at most once per
REALTIME_COALESCE_SECONDS window per process, read from the database as they are then:
- one feed row per order that changed in the window: a new order goes to the top of every feed
  that shows its status today, a changed one is replaced in place;
- the panels (figures, chart, stock, holds, problems): the topic's snapshot.

Orders and catalog do not know about ops: they call the listeners registered here.
Nothing is rendered while no dashboard is open (no socket in any process follows the topic,
asked once per window).
"""

import logging
import threading

from django.template.loader import render_to_string

from commerce.alerts.live import on_demand_change
from commerce.catalog.live import on_stock_change
from commerce.orders.live import on_order_change
from commerce.orders.models import Order, OrderEvent
from realtime import broadcast, topics

logger = logging.getLogger(__name__)

DASHBOARD = "ops.dashboard"

# --- Fragments -----------------------------------------------------------------------------------


def dashboard_fragment() -> str:
    """Every panel but the feed, each swapped in place by id."""
    from .selectors import board

    return render_to_string("ops/_live.html", {"board": board(), "oob": True})


def dashboard_snapshot(key: str) -> str | None:
    return dashboard_fragment() if key == "dashboard" else None


def dashboard_push(key: str, followed: bool) -> str | None:
    """What the coalescer sends: the rows of the orders changed in the window, then the panels."""
    with _rows_lock:
        rows = dict(_rows)
        _rows.clear()
    if key != "dashboard" or not followed:
        return None
    parts = [row_fragment(row, new=rows[row.pk]) for row in _feed_rows(list(rows))]
    return "".join([*parts, dashboard_fragment()])


def row_fragment(order: Order, *, new: bool) -> str:
    return render_to_string("ops/_row_push.html", {"order": order, "new": new})


# --- Listeners --------------------------------------------------------------------------------------


def _panels_on_commit() -> None:
    """Once per transaction (an order event and its stock move are one change): after commit the
    coalescer re-reads and pushes the panels at the end of its window, if a dashboard is open then."""
    broadcast.on_commit_once(("ops", "panels"), lambda: broadcast.coalescer.mark(DASHBOARD))


# Orders changed since the coalescer's last push of the dashboard in this process, each with
# whether it is new (placed in the window): their rows go out with the panels, in the order
# they changed, so the newest ends on top.
_rows: dict[int, bool] = {}
_rows_lock = threading.Lock()


def _row_on_commit(order_pk: int, *, new: bool) -> None:
    """Once the order's transaction commits, its row joins the next push of the dashboard (rendered
    then, from the database: the order as it is at the end of the window). The panels' mark,
    which every order event also makes, comes after it and sends it."""

    def keep() -> None:
        with _rows_lock:
            _rows[order_pk] = _rows.pop(order_pk, False) or new

    broadcast.on_commit_once(("ops", "row", order_pk), keep)


def _feed_rows(order_pks: list[int]) -> list[Order]:
    from .selectors import feed_rows

    return feed_rows(order_pks)


def order_changed(order: Order, kind: OrderEvent.Kind) -> None:
    """Every order event: its feed row (a new one goes on top), and the panels (figures move with orders)."""
    _row_on_commit(order.pk, new=kind == OrderEvent.Kind.PLACED)
    _panels_on_commit()  # after the row: the last mark in the transaction runs last


def stock_changed(variant_pks: list[int]) -> None:
    """Stock moved: the low-stock panel may change."""
    _panels_on_commit()


def dashboard_allowed(viewer: topics.Viewer, key: str) -> bool:
    """Staff in the ops role, as the dashboard page requires."""
    user = viewer.user
    return key == "dashboard" and bool(user.is_authenticated) and bool(user.in_role("ops"))


def register() -> None:
    topics.register("ops", dashboard_snapshot, push=dashboard_push, allowed=dashboard_allowed)
    on_order_change(order_changed)
    on_stock_change(stock_changed)
    on_demand_change(stock_changed)  # people waiting for an option: the low-stock panel shows and sorts by it
