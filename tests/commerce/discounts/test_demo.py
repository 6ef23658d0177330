"""The demo store's codes (seed_demo): WELCOME10 and SHIPFREE, made once."""

from decimal import Decimal

import pytest

from commerce.discounts.demo import seed_discounts
from commerce.discounts.models import DiscountCode

pytestmark = pytest.mark.django_db


def test_the_demo_codes_are_made_once_and_staff_changes_are_kept():
    assert seed_discounts() == 2
    DiscountCode.objects.filter(code="SHIPFREE").update(is_active=False)

    assert seed_discounts() == 0

    codes = {c.code: c for c in DiscountCode.objects.all()}
    welcome, shipfree = codes["WELCOME10"], codes["SHIPFREE"]
    assert (welcome.kind, welcome.value, welcome.min_subtotal, welcome.usage_limit, welcome.per_customer_limit) == (
        "percent",
        Decimal("10.00"),
        Decimal("0.00"),
        None,
        None,
    )
    assert (shipfree.kind, shipfree.value, shipfree.is_active) == ("free_shipping", Decimal("0.00"), False)
