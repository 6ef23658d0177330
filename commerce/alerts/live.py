"""What alerts push: a subscriber's "Back in stock" line, and word to whoever shows the demand.

The public stock push (catalog) flips every page's badge; this tells the subscriber's own pages
(`user.<pk>`, which every page of a signed-in person follows) that their option is back. The
fragment swaps only into `#stock-alert-<variant>`, which the product page's alert region holds;
pages without it drop the part (static/js/store.js).

The ops dashboard shows the waiting demand per option: it registers here (alerts imports no ops).
"""

from collections.abc import Callable

from django.template.loader import render_to_string

from realtime.broadcast import publish_on_commit

from .models import StockAlert

DemandListener = Callable[[list[int]], None]
demand_listeners: list[DemandListener] = []


def on_demand_change(listener: DemandListener) -> None:
    """Call `listener(variant_pks)` when the waiting demand of options changes, inside the transaction."""
    if listener not in demand_listeners:
        demand_listeners.append(listener)


def demand_changed(variant_pks: list[int]) -> None:
    for listener in demand_listeners:
        listener(sorted(set(variant_pks)))


def alert_line_html(alert: StockAlert, *, oob: bool = False) -> str:
    """`#stock-alert-<variant>`: where this person stands for one option (waiting, told...)."""
    return render_to_string("alerts/_line.html", {"alert": alert, "variant": alert.variant, "oob": oob})


def back_in_stock_publish(alert: StockAlert) -> None:
    """After commit, tell the subscriber's open pages that their option is back."""
    if alert.user_id is None:
        return  # a guest's pages follow no topic of theirs we could name: the email tells them
    publish_on_commit(f"user.{alert.user_id}", alert_line_html(alert, oob=True), part=f"alert-{alert.variant_id}")
