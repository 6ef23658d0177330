"""Live order tracking: the `order.<pk>` topic carries the status badge and the timeline."""

from django.template.loader import render_to_string

from realtime import topics
from realtime.broadcast import publish_on_commit

from .models import Order


def order_fragment(order: Order) -> str:
    events = list(order.events.select_related("actor"))
    return render_to_string("orders/_live.html", {"order": order, "events": events, "oob": True})


def order_snapshot(key: str) -> str | None:
    order = Order.objects.filter(pk=int(key)).first() if key.isdigit() else None
    return order_fragment(order) if order else None


def order_publish(order: Order) -> None:
    publish_on_commit(f"order.{order.pk}", order_fragment(order))


def register() -> None:
    topics.register("order", order_snapshot)
