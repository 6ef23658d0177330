"""Live stock figures: the `stock.<variant>` topic."""

from collections.abc import Callable

from realtime import topics
from realtime.broadcast import publish_state_on_commit

from .models import Variant
from .templatetags.stock import stock_badge_html

StockListener = Callable[[list[int]], None]
# Other areas that follow stock (the ops dashboard) register here, so catalog imports none of them.
stock_listeners: list[StockListener] = []


def on_stock_change(listener: StockListener) -> None:
    """Call `listener(variant_pks)` whenever stock moves, inside the move's transaction."""
    if listener not in stock_listeners:
        stock_listeners.append(listener)


PriceListener = Callable[[list[int]], None]
# Areas that follow prices (the wishlist's price-drop notices) register here, as for stock.
price_listeners: list[PriceListener] = []


def on_price_change(listener: PriceListener) -> None:
    """Call `listener(variant_pks)` whenever staff change prices, inside the change's transaction."""
    if listener not in price_listeners:
        price_listeners.append(listener)


def price_changed(variant_pks: list[int]) -> None:
    """Tell the price listeners that these variants' prices changed (called where prices are edited)."""
    for listener in price_listeners:
        listener(sorted(set(variant_pks)))


def stock_fragment(variant: Variant) -> str:
    """`#stock-<pk>` with `data-stock`, swapped out of band wherever the variant is shown."""
    return str(stock_badge_html(variant, oob=True))


def stock_snapshot(key: str) -> str | None:
    variant = Variant.objects.filter(pk=int(key)).first() if key.isdigit() else None
    return stock_fragment(variant) if variant else None


def stock_publish(variant_pks: list[int]) -> None:
    """After commit, push the figure of each variant whose stock just changed.

    Bursts are coalesced: the figure is read and rendered once per window (see
    REALTIME_COALESCE_SECONDS), however many sales happened in it.
    """
    for pk in sorted(set(variant_pks)):
        publish_state_on_commit(f"stock.{pk}")
    for listener in stock_listeners:
        listener(sorted(set(variant_pks)))


def register() -> None:
    topics.register("stock", stock_snapshot, allowed=topics.public)
