"""Where stock and orders meet the alerts: catalog and orders call these (registered at startup)."""

from commerce.orders.models import Order, OrderEvent
from project.enqueue import enqueue_on_commit

from . import services, tasks
from .selectors import variants_to_offer


def stock_changed(variant_pks: list[int]) -> None:
    """Any stock move (a restock in the admin, a cancelled order, an expired hold), inside its
    transaction: if an option has stock and people waiting, offer it after commit. One small query;
    a sale (stock down to a figure with nobody waiting) queues nothing."""
    due = variants_to_offer(variant_pks)
    if due:
        enqueue_on_commit(tasks.alerts_offer_variants, due)


def order_changed(order: Order, kind: str) -> None:
    """A paid order closes its buyer's alerts for what they bought."""
    if kind == OrderEvent.Kind.PAID:
        services.alerts_close_for_order(order=order)
