"""Live order tracking: the `order.<pk>` topic carries the status badge and the timeline."""

from collections.abc import Callable

from django.template.loader import render_to_string

from commerce.accounts.models import User
from realtime import broadcast, topics
from realtime.hub import has_followers

from .aftersale import after_sale
from .models import Order, OrderEvent
from .selectors import can_view
from .session import session_orders

OrderListener = Callable[[Order, OrderEvent.Kind], None]
# Other areas that follow orders (the ops dashboard) register here, so orders imports none of them.
order_listeners: list[OrderListener] = []


def on_order_change(listener: OrderListener) -> None:
    """Call `listener(order, kind)` on every order event (`kind` as on the timeline),
    inside the event's transaction (schedule effects on commit)."""
    if listener not in order_listeners:
        order_listeners.append(listener)


def order_fragment(order: Order) -> str:
    events = list(order.events.select_related("actor"))
    context = {"order": order, "events": events, "after": after_sale(order), "oob": True}
    return render_to_string("orders/_live.html", context)


def order_snapshot(key: str) -> str | None:
    order = Order.objects.filter(pk=int(key)).first() if key.isdigit() else None
    return order_fragment(order) if order else None


def order_publish(order: Order, *, kind: OrderEvent.Kind) -> None:
    """After commit, push the order's badge and timeline to its pages, if any page follows it.

    Rendered then, from the database, so a transaction's last event wins; a just-placed order is
    skipped: no page can follow an order before it exists.
    """
    if kind != OrderEvent.Kind.PLACED:
        topic = f"order.{order.pk}"

        def push() -> None:
            if has_followers(topic) and (html := order_snapshot(str(order.pk))):
                broadcast.publish(topic, html)

        broadcast.on_commit_once(("publish", topic), push)
    for listener in order_listeners:
        listener(order, kind)


def order_allowed(viewer: topics.Viewer, key: str) -> bool:
    """As the order page decides: the owner, staff, the guest session that placed it or opened its link."""
    order = Order.objects.filter(pk=int(key)).only("pk", "number", "user_id").first() if key.isdigit() else None
    if order is None:
        return False
    user = viewer.user if isinstance(viewer.user, User) else None
    return can_view(user=user, order=order, session_orders=session_orders(viewer.session))


def register() -> None:
    topics.register("order", order_snapshot, allowed=order_allowed)
