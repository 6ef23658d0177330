"""The demo store's discount codes (used by `seed_demo`); safe to run again."""

from decimal import Decimal

from .models import DiscountCode

CODES = [
    ("WELCOME10", DiscountCode.Kind.PERCENT, Decimal("10"), "10% off everything, no minimum, no limit."),
    ("SHIPFREE", DiscountCode.Kind.FREE_SHIPPING, Decimal("0"), "Free shipping on any order."),
]


def seed_discounts() -> int:
    """Create the demo codes missing; return how many were created (a code staff changed is left alone)."""
    created = 0
    for code, kind, value, description in CODES:
        _, made = DiscountCode.objects.get_or_create(
            code=code, defaults={"kind": kind, "value": value, "description": description}
        )
        created += made
    return created
