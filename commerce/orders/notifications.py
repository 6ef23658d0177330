"""What an order event tells the customer, and on which event: the outbox rows of an order's changes.

The notifications area carries them (outbox, email, texts, delivery); what they say is the order's.
"""

from django.conf import settings

from commerce.notifications.models import Event, Notification
from commerce.notifications.services import notify

from .aftersale import lines_text
from .models import Order, OrderEvent, ReturnRequest
from .selectors import order_access_url
from .totals import order_breakdown

# The statuses the customer hears about, and the kind of message each is.
ORDER_EVENTS: dict[str, str] = {
    Order.Status.PAID: Event.ORDER_PAID,
    Order.Status.SHIPPED: Event.ORDER_SHIPPED,
    Order.Status.DELIVERED: Event.ORDER_DELIVERED,
    Order.Status.CANCELLED: Event.ORDER_CANCELLED,
    Order.Status.REFUNDED: Event.ORDER_REFUNDED,
}
HEADLINES = {
    Event.ORDER_PAID: ("Thank you, your order is confirmed", "We have your payment and are getting your order ready."),
    Event.ORDER_SHIPPED: ("Your order is on its way", "Your order has left our warehouse."),
    Event.ORDER_DELIVERED: ("Your order was delivered", "Your order has been delivered. Enjoy!"),
    Event.ORDER_CANCELLED: ("Your order was cancelled", "Your order was cancelled and you were not charged for it."),
    Event.ORDER_REFUNDED: ("Your order was refunded", "We have refunded your order; the money is on its way back."),
}
# A refund of part of the order (an ORDER_REFUNDED message, so the same preference governs it).
PARTIAL_REFUND = (
    "Part of your order was refunded",
    "We have refunded part of your order; the money is on its way back.",
)


# A return's steps, told under the refunds preference (a return ends in a refund): kind -> headline, sentence.
RETURN_HEADLINES = {
    OrderEvent.Kind.RETURN_REQUESTED: ("We have your return request", "We will look at it and let you know."),
    OrderEvent.Kind.RETURN_APPROVED: ("Your return is approved", "Please send the items back to us."),
    OrderEvent.Kind.RETURN_REFUSED: ("Your return was not accepted", "We could not accept this return."),
    OrderEvent.Kind.RETURN_RECEIVED: (
        "We received your return",
        "The items are back with us; the refund is on its way.",
    ),
}


def order_notify(*, order: Order, event: str, note: str = "", partial_refund: int | None = None) -> list[Notification]:
    """Write the outbox rows one order event asks for (inside the caller's transaction).

    `note` is the line the customer's timeline shows for the event; a refund's email carries it
    ("Refunded $12.00", with the reason only when staff marked it for the customer). With
    `partial_refund` (the Refund's pk) it tells of that one partial refund, once for each."""
    headline, sentence = PARTIAL_REFUND if partial_refund else HEADLINES[Event(event)]
    key = f"order:{order.number}:{event}" + (f":refund:{partial_refund}" if partial_refund else "")
    context = {
        "order": order,
        "lines": list(order.lines.all()),
        "breakdown": order_breakdown(order),
        "event": event,
        "order_url": _order_url(order),
        "headline": headline,
        "sentence": sentence,
        "note": note if event == Event.ORDER_REFUNDED else "",
    }
    return _send(order, event=event, key=key, headline=headline, context=context)


def order_notify_return(*, order: Order, request: ReturnRequest, kind: str) -> list[Notification]:
    """The outbox rows of one step of a return (once per request and step)."""
    headline, sentence = RETURN_HEADLINES[OrderEvent.Kind(kind)]
    note = " ".join(part for part in [lines_text(request) + ".", request.note] if part)
    context = {
        "order": order,
        "lines": list(order.lines.all()),
        "breakdown": order_breakdown(order),
        "event": Event.ORDER_REFUNDED,
        "order_url": _order_url(order),
        "headline": headline,
        "sentence": sentence,
        "note": note,
    }
    key = f"order:{order.number}:return:{request.pk}:{kind}"
    return _send(order, event=Event.ORDER_REFUNDED, key=key, headline=headline, context=context)


def _order_url(order: Order) -> str:
    site = str(settings.SITE_URL).rstrip("/")
    return site + (order_access_url(order) if order.user_id is None else order.get_absolute_url())


def _send(order: Order, *, event: str, key: str, headline: str, context: dict[str, object]) -> list[Notification]:
    return notify(
        user=order.user,
        email=order.email,
        event=event,
        key=key,
        subject=f"{headline}: order {order.number}",
        template="orders/notify/event",
        context=context,
    )
