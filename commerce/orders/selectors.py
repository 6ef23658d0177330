"""Reads of orders, and who may read them."""

from collections.abc import Collection

from django.conf import settings
from django.core import signing
from django.db.models import Prefetch, QuerySet
from django.http import Http404

from commerce.accounts.models import User
from commerce.accounts.permissions import in_any_role

from .models import Order, OrderEvent

ACCESS_SALT = "orders.access"


def order_access_token(order: Order) -> str:
    """A signed token that lets whoever holds it view this one order for ORDER_LINK_MAX_AGE (the guest's link)."""
    return signing.dumps(order.number, salt=ACCESS_SALT)


def order_access_url(order: Order) -> str:
    return f"{order.get_absolute_url()}?k={order_access_token(order)}"


def token_grants(token: str | None, number: str) -> bool:
    """Whether `token` is the signed link of order `number`."""
    if not token:
        return False
    try:
        return bool(signing.loads(token, salt=ACCESS_SALT, max_age=settings.ORDER_LINK_MAX_AGE) == number)
    except signing.BadSignature:  # SignatureExpired too
        return False


def link_expired(token: str | None, number: str) -> bool:
    """True for a genuine link to order `number` that is past ORDER_LINK_MAX_AGE (a fresh one can be sent)."""
    if not token:
        return False
    try:
        signing.loads(token, salt=ACCESS_SALT, max_age=settings.ORDER_LINK_MAX_AGE)
    except signing.SignatureExpired:
        return bool(signing.loads(token, salt=ACCESS_SALT) == number.upper())
    except signing.BadSignature:
        return False
    return False


def can_view(
    *, user: User | None, order: Order, session_orders: Collection[str] = (), token: str | None = None
) -> bool:
    """The owner, staff in a role (support, ops; staff without one see only their own orders), the
    guest session that placed it or opened its link (`session_orders`: the numbers it remembers), or
    the holder of its signed link.

    The page and the live topic `order.<pk>` (a socket's user and session) ask the same.
    """
    if user is not None and (order.user_id == user.pk or in_any_role(user)):
        return True
    if order.user_id is None and order.number in session_orders:
        return True
    return token_grants(token, order.number)


def order_for_viewer(
    *, user: User | None, session_orders: Collection[str], number: str, token: str | None = None
) -> Order:
    """The order with its lines, events and hold, or 404 (also when this person may not see it)."""
    order = (
        Order.objects.select_related("hold")
        .prefetch_related("lines", Prefetch("events", queryset=OrderEvent.objects.select_related("actor")))
        .filter(number=number.upper())
        .first()
    )
    if order is None or not can_view(user=user, order=order, session_orders=session_orders, token=token):
        raise Http404("No such order.")
    return order


def orders_of(user: User) -> QuerySet[Order]:
    return Order.objects.filter(user=user).prefetch_related("lines").order_by("-created_at")
