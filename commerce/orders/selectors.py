"""Reads of orders, and who may read them."""

from django.core import signing
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest

from commerce.accounts.models import User
from commerce.accounts.permissions import in_any_role

from .models import Order, OrderEvent

ACCESS_SALT = "orders.access"
SESSION_KEY = "order_numbers"


def order_access_token(order: Order) -> str:
    """A signed token that lets whoever holds it view this one order (the guest's link)."""
    return signing.dumps(order.number, salt=ACCESS_SALT)


def order_access_url(order: Order) -> str:
    return f"{order.get_absolute_url()}?k={order_access_token(order)}"


def _token_grants(token: str | None, number: str) -> bool:
    if not token:
        return False
    try:
        return bool(signing.loads(token, salt=ACCESS_SALT) == number)
    except signing.BadSignature:
        return False


def session_remember_order(request: HttpRequest, order: Order) -> None:
    numbers = list(request.session.get(SESSION_KEY, []))[-19:]
    request.session[SESSION_KEY] = [*numbers, order.number]


def can_view(request: HttpRequest, order: Order, *, token: str | None = None) -> bool:
    """The owner, staff in a role (support, ops), the guest session that placed it, or the holder
    of its signed link. Staff without a role see only their own orders."""
    user = request.user
    if user.is_authenticated and (order.user_id == user.pk or in_any_role(user)):
        return True
    if order.user_id is None and order.number in request.session.get(SESSION_KEY, []):
        return True
    return _token_grants(token, order.number)


def order_for_viewer(request: HttpRequest, number: str, *, token: str | None = None) -> Order:
    """The order with its lines, events and hold, or 404 (also when this person may not see it)."""
    order = (
        Order.objects.select_related("hold")
        .prefetch_related("lines", Prefetch("events", queryset=OrderEvent.objects.select_related("actor")))
        .filter(number=number.upper())
        .first()
    )
    if order is None or not can_view(request, order, token=token):
        raise Http404("No such order.")
    return order


def orders_of(user: User) -> QuerySet[Order]:
    return Order.objects.filter(user=user).prefetch_related("lines").order_by("-created_at")
