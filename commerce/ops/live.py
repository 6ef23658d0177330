"""The live dashboard: what is pushed to `ops.dashboard`, and when.

Two kinds of push share the topic:
- the panels (figures, chart, stock, holds, problems): the topic's snapshot, re-read from the
  database and pushed through the realtime coalescer, so a burst of orders gives at most one
  push per REALTIME_COALESCE_SECONDS window per process, carrying the figures as they are then;
- one feed row per order that changed: a new order goes to the top of every feed that shows its
  status today, a changed one is replaced in place. Rendered once per order per transaction,
  after commit.

Orders and catalog do not know about ops: they call the listeners registered here.
Nothing is rendered while no dashboard is open (no socket in any process follows the topic).
"""

import logging

from django.template.loader import render_to_string

from commerce.catalog.live import on_stock_change
from commerce.orders.live import on_order_change
from commerce.orders.models import Order, OrderEvent
from realtime import broadcast, topics
from realtime.hub import has_followers

logger = logging.getLogger(__name__)

DASHBOARD = "ops.dashboard"

# --- Is anyone watching? ---------------------------------------------------------------------


def dashboard_watched() -> bool:
    """Some open dashboard (in any web process) follows the topic: only then render and push."""
    return has_followers(DASHBOARD)


# --- Fragments -----------------------------------------------------------------------------------


def dashboard_fragment() -> str:
    """Every panel but the feed, each swapped in place by id."""
    from .selectors import board

    return render_to_string("ops/_live.html", {"board": board(), "oob": True})


def dashboard_snapshot(key: str) -> str | None:
    return dashboard_fragment() if key == "dashboard" else None


def row_fragment(order: Order, *, new: bool) -> str:
    return render_to_string("ops/_row_push.html", {"order": order, "new": new})


# --- Listeners --------------------------------------------------------------------------------------


def _panels_on_commit() -> None:
    """Once per transaction (an order event and its stock move are one change): after commit the
    coalescer re-reads and pushes the panels at the end of its window."""
    broadcast.on_commit_once(("ops", "panels"), lambda: broadcast.coalescer.mark(DASHBOARD))


def _row_on_commit(order_pk: int, *, new: bool) -> None:
    """Push the order's row once its transaction commits; one push per order per transaction
    (rendered then, from the database: a later change of the order in the transaction wins)."""

    def send() -> None:
        row = _feed_row(order_pk)
        if row is not None:
            broadcast.publish(DASHBOARD, row_fragment(row, new=new))

    broadcast.on_commit_once(("ops", "row", order_pk), send)


def _feed_row(order_pk: int) -> Order | None:
    from .selectors import feed_row

    return feed_row(order_pk)


def order_changed(order: Order) -> None:
    """Every order event: its feed row, and the panels (figures move with orders)."""
    if not dashboard_watched():
        return
    # New: just placed, nothing else has happened to it yet.
    new = (
        order.status == Order.Status.PENDING_PAYMENT
        and not OrderEvent.objects.filter(order=order).exclude(kind="placed").exists()
    )
    _row_on_commit(order.pk, new=new)
    _panels_on_commit()


def stock_changed(variant_pks: list[int]) -> None:
    """Stock moved: the low-stock panel may change."""
    if dashboard_watched():
        _panels_on_commit()


def register() -> None:
    topics.register("ops", dashboard_snapshot)
    on_order_change(order_changed)
    on_stock_change(stock_changed)
