from typing import cast

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .selectors import CartSummary
from .session import shown_summary


def cart(request: HttpRequest) -> dict[str, object]:
    """The header badge (`cart_count`) and mini-cart on every page: one cart read if a template asks
    (none if the view read it already)."""
    summary = SimpleLazyObject(lambda: shown_summary(request))
    return {"mini_cart": summary, "cart_count": SimpleLazyObject(lambda: cast(CartSummary, summary).count)}
