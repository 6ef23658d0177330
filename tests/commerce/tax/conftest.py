from decimal import Decimal

import factory
import pytest

from commerce.tax.models import TaxRate


class TaxRateFactory(factory.django.DjangoModelFactory[TaxRate]):
    class Meta:
        model = TaxRate

    country = "US"
    region = ""
    name = "Sales tax"
    rate = Decimal("8")


@pytest.fixture
def tax_rate(db):  # type: ignore[no-untyped-def]
    """Makes TaxRate rows: `tax_rate(region="NY", name="NY sales tax", rate="8.875")`."""
    return TaxRateFactory
