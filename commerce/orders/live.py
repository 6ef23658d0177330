"""Live order tracking: the `order.<pk>` topic carries the status badge and the timeline."""

from collections.abc import Callable

from django.template.loader import render_to_string

from realtime import topics
from realtime.broadcast import publish_on_commit

from .models import Order

OrderListener = Callable[[Order], None]
# Other areas that follow orders (the ops dashboard) register here, so orders imports none of them.
order_listeners: list[OrderListener] = []


def on_order_change(listener: OrderListener) -> None:
    """Call `listener(order)` on every order event, inside the event's transaction (schedule effects on commit)."""
    if listener not in order_listeners:
        order_listeners.append(listener)


def order_fragment(order: Order) -> str:
    events = list(order.events.select_related("actor"))
    return render_to_string("orders/_live.html", {"order": order, "events": events, "oob": True})


def order_snapshot(key: str) -> str | None:
    order = Order.objects.filter(pk=int(key)).first() if key.isdigit() else None
    return order_fragment(order) if order else None


def order_publish(order: Order) -> None:
    publish_on_commit(f"order.{order.pk}", order_fragment(order))
    for listener in order_listeners:
        listener(order)


def register() -> None:
    topics.register("order", order_snapshot)
