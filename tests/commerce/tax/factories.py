"""Tax rates for tests (a support module: any area's tests may import it)."""

from decimal import Decimal

import factory

from commerce.tax.models import TaxRate


class TaxRateFactory(factory.django.DjangoModelFactory[TaxRate]):
    class Meta:
        model = TaxRate

    country = "US"
    region = ""
    name = "Sales tax"
    rate = Decimal("8")
