from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .selectors import cart_count_for_request, cart_summary_for_request


def cart(request: HttpRequest) -> dict[str, object]:
    """The header badge (`cart_count`) and mini-cart on every page, computed only if a template reads them."""
    return {
        "cart_count": SimpleLazyObject(lambda: cart_count_for_request(request)),
        "mini_cart": SimpleLazyObject(lambda: cart_summary_for_request(request)),
    }
