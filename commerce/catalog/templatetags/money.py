"""`money` filter: an amount shown in the store's currency and locale (commerce/money.py)."""

from decimal import Decimal

from django import template

from commerce.money import format_money

register = template.Library()


@register.filter
def money(amount: Decimal | int | None, currency: str | None = None) -> str:
    """`{{ price|money }}` -> "$12.50" ("¥1,200" in a JPY store); `{{ x|money:payment.currency }}` for another."""
    return format_money(amount, currency or None)
