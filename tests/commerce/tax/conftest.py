import pytest

from tests.commerce.tax.factories import TaxRateFactory


@pytest.fixture
def tax_rate(db):  # type: ignore[no-untyped-def]
    """Makes TaxRate rows: `tax_rate(region="NY", name="NY sales tax", rate="8.875")`."""
    return TaxRateFactory
