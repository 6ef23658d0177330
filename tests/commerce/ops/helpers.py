"""What the ops tests share: a signed-in client, posting an action as htmx does, counting events.
A plain module (test modules never import each other)."""

from django.test import Client
from django.urls import reverse

from commerce.accounts.models import User
from commerce.orders.models import Order, OrderEvent


def signed_in(user: User, *, htmx: bool = False) -> Client:
    client = Client(HTTP_HX_REQUEST="true") if htmx else Client()
    client.force_login(user)
    return client


def act(client: Client, order: Order, *, row: bool = True, **data: str):  # type: ignore[no-untyped-def]
    """POST an action as htmx does, from the order's feed row (or from the order page)."""
    if row:
        return client.post(reverse("ops:action", args=[order.number]), {**data, "from": "row"}, HTTP_HX_REQUEST="true")
    url = reverse("ops:action", args=[order.number])
    return client.post(url, data, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="ops-actions")


def events(order: Order, kind: str) -> int:
    return OrderEvent.objects.filter(order=order, kind=kind).count()
