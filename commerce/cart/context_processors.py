from typing import cast

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .selectors import CartSummary
from .session import cart_summary_for_request


def cart(request: HttpRequest) -> dict[str, object]:
    """The header badge (`cart_count`) and mini-cart on every page: one cart read, only if a template asks."""
    summary = SimpleLazyObject(lambda: cart_summary_for_request(request))
    return {"mini_cart": summary, "cart_count": SimpleLazyObject(lambda: cast(CartSummary, summary).count)}
