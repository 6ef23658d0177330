from decimal import Decimal

from django import template

from commerce.accounts.models import User
from commerce.money import from_minor

register = template.Library()


@register.filter
def in_role(user: object, role: str) -> bool:
    """`{% if user|in_role:"ops" %}`: staff in that role (or a superuser)."""
    return isinstance(user, User) and user.in_role(role)


@register.filter
def minor_units(amount: int | None, currency: str | None = None) -> Decimal | None:
    """Minor units (cents, yen) as an amount of the currency, the store's unless named (then `|money`)."""
    return None if amount is None else from_minor(amount, currency or None)
