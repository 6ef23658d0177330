"""`money` filter: a Decimal amount shown in the store's currency."""

from decimal import Decimal

from django import template
from django.conf import settings

register = template.Library()

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}


@register.filter
def money(amount: Decimal | int | None) -> str:
    if amount is None:
        return ""
    value = Decimal(amount).quantize(Decimal("0.01"))
    symbol = SYMBOLS.get(settings.STORE_CURRENCY)
    if symbol:
        return f"{symbol}{value:,}"
    return f"{value:,} {settings.STORE_CURRENCY}"
