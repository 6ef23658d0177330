"""The orders a browser session may view: the guest's checkouts and the order links it opened.

Views read and write the session here and hand the selectors plain values (`session_orders`).
"""

from collections.abc import Mapping, MutableMapping
from typing import Any

from django.http import HttpRequest

from commerce.accounts.models import User

from . import selectors
from .models import Order

SESSION_KEY = "order_numbers"  # newest last
REMEMBERED = 20


def session_orders(session: Mapping[str, Any]) -> list[str]:
    """The numbers of the orders this session may view."""
    return [str(number) for number in session.get(SESSION_KEY, [])]


def session_remember_order(session: MutableMapping[str, Any], order: Order) -> None:
    """This browser session may view the order from now on (a guest's checkout, or its signed link opened)."""
    numbers = session_orders(session)
    if order.number in numbers:
        return
    session[SESSION_KEY] = [*numbers[-(REMEMBERED - 1) :], order.number]


def order_for_request(request: HttpRequest, number: str, *, token: str | None = None) -> Order:
    """The order as `selectors.order_for_viewer` finds it for this request's user and session, or 404."""
    return selectors.order_for_viewer(
        user=request.user if isinstance(request.user, User) else None,
        session_orders=session_orders(request.session),
        number=number,
        token=token,
    )
