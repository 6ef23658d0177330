"""The arithmetic of a code: what it takes off, and how that is spread over the lines."""

from decimal import Decimal

import pytest

from commerce.discounts.models import DiscountCode
from commerce.discounts.pricing import DiscountLine, allocate, amount_off

K = DiscountCode.Kind


def line(pk: int, total: str, product: int = 0, category: int = 0) -> DiscountLine:
    return DiscountLine(variant_pk=pk, product_pk=product or pk, category_pk=category, total=Decimal(total))


@pytest.mark.parametrize(
    ("kind", "value", "eligible", "subtotal", "off"),
    [
        (K.PERCENT, "10", "33.35", "33.35", "3.34"),  # 3.335 rounds half up
        (K.PERCENT, "12.5", "19.99", "19.99", "2.50"),  # 2.49875
        (K.PERCENT, "100", "20.00", "25.00", "20.00"),
        (K.FIXED, "5.00", "20.00", "20.00", "5.00"),
        (K.FIXED, "50.00", "20.00", "35.00", "20.00"),  # capped at the eligible lines
        (K.FIXED, "50.00", "20.00", "15.00", "15.00"),  # and never more than the subtotal
        (K.FREE_SHIPPING, "0", "20.00", "20.00", "0.00"),
    ],
)
def test_amount_off(kind, value, eligible, subtotal, off):
    code = DiscountCode(code="X", kind=kind, value=Decimal(value))

    assert amount_off(code, eligible_total=Decimal(eligible), subtotal=Decimal(subtotal)) == Decimal(off)


def test_allocation_is_proportional_and_adds_up_to_the_cent():
    lines = [line(1, "10.00"), line(2, "10.00"), line(3, "10.00")]

    shares = allocate(Decimal("1.00"), lines)

    assert shares == {1: Decimal("0.34"), 2: Decimal("0.33"), 3: Decimal("0.33")}  # the odd cent to the first
    assert sum(shares.values()) == Decimal("1.00")


def test_allocation_follows_the_line_totals_and_never_passes_one():
    lines = [line(1, "30.00"), line(2, "0.01"), line(3, "0.00")]

    assert allocate(Decimal("3.01"), lines) == {1: Decimal("3.01"), 2: Decimal("0.00"), 3: Decimal("0.00")}
    assert allocate(Decimal("99.00"), lines) == {1: Decimal("30.00"), 2: Decimal("0.01"), 3: Decimal("0.00")}


def test_nothing_to_allocate():
    assert allocate(Decimal("0.00"), [line(1, "5.00")]) == {1: Decimal("0.00")}
    assert allocate(Decimal("5.00"), []) == {}
