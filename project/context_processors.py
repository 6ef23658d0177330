from django.conf import settings
from django.http import HttpRequest


def store(request: HttpRequest) -> dict[str, object]:
    return {
        "STORE_NAME": settings.STORE_NAME,
        "STORE_CURRENCY": settings.STORE_CURRENCY,
        "MAX_LINE_QUANTITY": settings.CART_MAX_LINE_QUANTITY,
    }
