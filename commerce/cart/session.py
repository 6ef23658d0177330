"""The cart a browser session owns, and the view helpers that find a request's cart.

A guest's cart is remembered in the session (`SESSION_KEY`, written by services.cart_get_or_create);
a signed-in user's is theirs. Views ask here and the selectors get plain values.
"""

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest

from commerce.accounts.models import User

from .models import SESSION_KEY, Cart
from .selectors import CartSummary, cart_of, cart_summary, owned_cart_summary


def session_cart_pk(session: Mapping[str, Any]) -> int | None:
    """The guest cart this session created, if any."""
    pk = session.get(SESSION_KEY)
    if isinstance(pk, str) and pk.isdigit():
        return int(pk)
    return pk if isinstance(pk, int) and pk > 0 else None


def cart_for_request(request: HttpRequest) -> Cart | None:
    """The cart this request may see: the user's, or the one this guest session created."""
    user = request.user if isinstance(request.user, User) else None
    return cart_of(user=user, guest_cart_pk=session_cart_pk(request.session))


SHOWN_ATTR = "_cart_summary_shown"


def cart_summary_for_request(request: HttpRequest, *, images: bool = True) -> CartSummary:
    """The request's cart read now, and kept as what the answer shows (`shown_summary`): a view
    reads it once its changes are made, and the header's badge and mini cart and the page's live
    topics use the same read instead of reading the cart again."""
    return show_summary(request, cart_summary(cart_for_request(request), images=images))


def show_summary(request: HttpRequest, summary: CartSummary) -> CartSummary:
    """Keep `summary` (read after the view's changes) as what the answer shows of the cart."""
    setattr(request, SHOWN_ATTR, summary)
    return summary


def shown_summary(request: HttpRequest) -> CartSummary:
    """The cart as this answer shows it: the view's last read, else read now (at render, after the
    view's changes; without images, which the header does not show)."""
    summary: CartSummary | None = getattr(request, SHOWN_ATTR, None)
    if summary is None:
        user = request.user if isinstance(request.user, User) else None
        summary = show_summary(request, owned_cart_summary(user=user, guest_cart_pk=session_cart_pk(request.session)))
    return summary
