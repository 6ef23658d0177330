from decimal import Decimal

from django import template

from commerce.accounts.models import User

register = template.Library()


@register.filter
def in_role(user: object, role: str) -> bool:
    """`{% if user|in_role:"ops" %}`: staff in that role (or a superuser)."""
    return isinstance(user, User) and user.in_role(role)


@register.filter
def minor_units(amount: int | None) -> Decimal | None:
    """An amount in cents as a Decimal amount (then `|money`)."""
    return None if amount is None else Decimal(amount) / 100
