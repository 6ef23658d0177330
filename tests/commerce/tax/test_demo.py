"""The demo store charges US sales tax, New York's in New York; prices stay tax-exclusive."""

from decimal import Decimal

import pytest

from commerce.tax.demo import seed_tax_rates
from commerce.tax.models import TaxRate

pytestmark = pytest.mark.django_db


def rows() -> list[tuple[str, str, str, Decimal, bool, bool]]:
    return list(
        TaxRate.objects.order_by("region").values_list(
            "country", "region", "name", "rate", "applies_to_shipping", "active"
        )
    )


def test_seeding_twice_adds_the_rates_once():
    assert seed_tax_rates() == 2
    first = rows()

    assert seed_tax_rates() == 0
    assert (
        rows()
        == first
        == [
            ("US", "", "Sales tax", Decimal("8"), False, True),
            ("US", "NY", "NY sales tax", Decimal("8.875"), False, True),
        ]
    )


def test_seeding_again_leaves_what_staff_changed():
    seed_tax_rates()
    TaxRate.objects.filter(region="NY").update(active=False, rate=Decimal("9"))

    assert seed_tax_rates() == 0
    assert rows()[1][3:] == (Decimal("9"), False, False)
