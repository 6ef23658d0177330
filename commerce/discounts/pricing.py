"""What a code takes off a cart: arithmetic only, no database (selectors.discount_check feeds it).

The amount off is worked out on the eligible lines, then spread over them in proportion to their
totals, to the cent, so that a later tax step can tax each line's discounted amount and the parts
always add up to the whole.
"""

from dataclasses import dataclass
from decimal import Decimal

from commerce.money import from_minor, round_amount, to_minor

from .models import DiscountCode

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class DiscountLine:
    """One cart line as a code sees it: `total` is the price charged (a sale price already) × quantity."""

    variant_pk: int
    product_pk: int
    category_pk: int
    total: Decimal


@dataclass(frozen=True)
class AppliedDiscount:
    """A code that applies: `amount` off the subtotal, spread as `allocation` {variant_pk: amount off that line}."""

    code: DiscountCode
    amount: Decimal
    free_shipping: bool
    allocation: dict[int, Decimal]

    @property
    def label(self) -> str:
        """The cart's line for it: "WELCOME10 (10% off)"."""
        return f"{self.code.code} ({self.code.summary})"


def eligible_lines(lines: list[DiscountLine], *, product_pks: set[int], category_pks: set[int]) -> list[DiscountLine]:
    """The lines a code applies to: all of them when it names no products or categories."""
    if not product_pks and not category_pks:
        return list(lines)
    return [line for line in lines if line.product_pk in product_pks or line.category_pk in category_pks]


def amount_off(code: DiscountCode, *, eligible_total: Decimal, subtotal: Decimal) -> Decimal:
    """The amount a code takes: a percent of the eligible total rounded to the cent, a fixed amount
    capped at it, nothing for free shipping; never more than the subtotal (a total never goes below 0)."""
    if code.kind == DiscountCode.Kind.PERCENT:
        amount = round_amount(eligible_total * code.value / 100)
    elif code.kind == DiscountCode.Kind.FIXED:
        amount = min(code.value, eligible_total)
    else:
        amount = ZERO
    return round_amount(max(ZERO, min(amount, subtotal)))


def allocate(amount: Decimal, lines: list[DiscountLine]) -> dict[int, Decimal]:
    """`amount` spread over `lines` in proportion to their totals, in whole cents that add up to it
    (largest remainder; ties go to the earlier line). No line gets more than its own total."""
    total_minor = sum(to_minor(line.total) for line in lines)
    amount_minor = to_minor(amount)
    if not lines or total_minor <= 0 or amount_minor <= 0:
        return {line.variant_pk: ZERO for line in lines}
    amount_minor = min(amount_minor, total_minor)
    shares = []
    for index, line in enumerate(lines):
        whole, rest = divmod(amount_minor * to_minor(line.total), total_minor)
        shares.append([whole, rest, index])
    left = amount_minor - sum(share[0] for share in shares)
    for share in sorted(shares, key=lambda s: (-s[1], s[2]))[:left]:
        share[0] += 1
    return {lines[index].variant_pk: from_minor(whole) for whole, _, index in shares}
