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
import threading

from django.db import transaction
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

_pending = threading.local()


def _panels_on_commit() -> None:
    """`publish_state_on_commit(DASHBOARD)`, once per transaction (an order event and its stock move are
    one change): after commit the coalescer re-reads and pushes the panels at the end of its window."""
    _pending.panels = seq = getattr(_pending, "seq", 0) + 1
    _pending.seq = seq

    def mark() -> None:
        if getattr(_pending, "panels", None) == seq:
            broadcast.coalescer.mark(DASHBOARD)

    transaction.on_commit(mark, robust=True)


def _row_on_commit(order_pk: int, *, new: bool) -> None:
    """Push the order's row once its transaction commits; one push per order per transaction."""
    rows: dict[int, tuple[int, bool]] = getattr(_pending, "rows", None) or {}
    _pending.rows = rows
    _pending.seq = seq = getattr(_pending, "seq", 0) + 1
    rows[order_pk] = (seq, new)

    def send() -> None:
        current = rows.get(order_pk)
        if current is None or current[0] != seq:
            return  # a later change of the same order in this transaction sends it
        del rows[order_pk]
        row = _feed_row(order_pk)
        if row is not None:
            broadcast.publish(DASHBOARD, row_fragment(row, new=current[1]))

    transaction.on_commit(send, robust=True)


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
