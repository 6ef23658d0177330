from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .selectors import cart_count_for_request


def cart(request: HttpRequest) -> dict[str, object]:
    """`cart_count` for the header badge on every page, computed only if a template reads it."""
    return {"cart_count": SimpleLazyObject(lambda: cart_count_for_request(request))}
