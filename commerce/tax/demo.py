"""The demo store's tax rates (used by `seed_demo`): US sales tax, and New York's, which replaces it there."""

from decimal import Decimal

from .models import TaxRate

DEMO_RATES = [
    ("US", "", "Sales tax", Decimal("8")),
    ("US", "NY", "NY sales tax", Decimal("8.875")),
]


def seed_tax_rates() -> int:
    """Add the demo rates a place has none of (active or not, so staff changes stay); how many were added."""
    added = 0
    for country, region, name, rate in DEMO_RATES:
        if not TaxRate.objects.filter(country=country, region=region).exists():
            TaxRate.objects.create(country=country, region=region, name=name, rate=rate, applies_to_shipping=False)
            added += 1
    return added
