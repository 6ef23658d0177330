"""What the shopper's operations (cart, checkout, orders, account) share: whose cart and orders a call
reaches, money as decimal strings, and a page form's errors as the API's field errors.

A token call acts for the token's person: their cart and their orders, and no session. A session
call acts as the pages do: the signed-in person's cart, or the guest cart the session created, and
the orders the session placed or opened (`commerce.orders.session`).
"""

import re
from collections.abc import MutableMapping
from decimal import Decimal
from typing import Any

from django import forms
from django.http import HttpRequest

from commerce.cart.models import Cart
from commerce.cart.selectors import cart_of
from commerce.cart.services import cart_get_or_create
from commerce.cart.session import session_cart_pk
from commerce.errors import DomainError
from commerce.money import currency_code, round_amount
from commerce.orders.models import Order
from commerce.orders.session import session_orders

from .auth import Caller
from .errors import ApiError

ORDER_NUMBER = re.compile(r"[0-9A-Z-]{1,16}")  # what an order number may look like (no NUL, no overflow)
# The largest primary key a path may name (PostgreSQL's bigint): larger is not found, never an overflow.
MAX_PK = 2**63 - 1


def money(amount: Decimal | int | str) -> str:
    """An amount as the API sends it: a decimal string in the store's currency ("12.50")."""
    return str(round_amount(amount))


def currency() -> str:
    return currency_code()


def session_of(request: HttpRequest, who: Caller) -> MutableMapping[str, Any]:
    """The browser session for a session call; a throwaway mapping for a token call (tokens have none)."""
    return {} if who.by_token else request.session


def cart_find(request: HttpRequest, who: Caller) -> Cart | None:
    """The caller's cart if it has one: the person's, or the guest session's."""
    if who.user is not None:
        return cart_of(user=who.user, guest_cart_pk=None)
    if who.by_token:  # pragma: no cover - a token always has a person
        return None
    return cart_of(user=None, guest_cart_pk=session_cart_pk(request.session))


def cart_make(request: HttpRequest, who: Caller) -> Cart:
    """The caller's cart, made when it has none yet (a guest's is remembered in the session)."""
    return cart_get_or_create(user=who.user, session=session_of(request, who))


def cart_need(request: HttpRequest, who: Caller) -> Cart:
    cart = cart_find(request, who)
    if cart is None:
        raise ApiError.not_found("Your cart")
    return cart


def own_order(request: HttpRequest, who: Caller, number: str) -> Order:
    """The caller's own order: the person's, or (a session call) a guest order this session placed or
    opened. Anyone else's, staff's too, is 404 here, as on the order page's owner actions."""
    number = number.strip().upper()
    order = Order.objects.filter(number=number).first() if ORDER_NUMBER.fullmatch(number) else None
    if order is None:
        raise ApiError.not_found("Order")
    mine = who.user is not None and order.user_id == who.user.pk
    remembered = not who.by_token and order.user_id is None and order.number in session_orders(request.session)
    if not (mine or remembered):
        raise ApiError.not_found("Order")
    return order


def form_invalid(form: forms.BaseForm, *, prefix: str = "") -> dict[str, list[str]]:
    """A bound page form's errors as the API's fields: `prefix.field` ("address.city"); the form's
    own errors under the prefix alone."""
    fields: dict[str, list[str]] = {}
    for name, errors in form.errors.items():
        key = prefix if name == "__all__" else ".".join(part for part in (prefix, name) if part)
        fields.setdefault(key or "body", []).extend(str(error) for error in errors)
    return fields


def invalid(fields: dict[str, list[str]]) -> ApiError:
    """422 naming every field that is wrong, in one answer."""
    return ApiError("invalid", "Some fields are not valid: " + ", ".join(sorted(fields)) + ".", 422, fields)


def as_field(error: DomainError, field: str) -> ApiError:
    """A service's refusal kept as it is (code, message, status), pinned to the field it is about."""
    return ApiError(error.code, error.message, error.status, {field: [error.message]})
