"""The rate table as the default provider: the most specific active rate, shipping where it says so."""

from collections.abc import Sequence
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured

from commerce.tax.calculation import Rate, TaxableLine, TaxLine, TaxResult, tax_result
from commerce.tax.providers import RateTableProvider, check_provider, get_provider, taxes_for

pytestmark = pytest.mark.django_db
D = Decimal
CART = [TaxableLine("tee", D("24.00")), TaxableLine("mug", D("10.00"))]


@pytest.fixture
def us_rates(tax_rate):  # type: ignore[no-untyped-def]
    tax_rate(country="US", region="", name="Sales tax", rate="8")
    tax_rate(country="US", region="NY", name="NY sales tax", rate="8.875", applies_to_shipping=True)
    tax_rate(country="US", region="OR", name="Oregon (no sales tax)", rate="0")
    tax_rate(country="US", region="CA", name="CA sales tax (retired)", rate="7.25", active=False)


def test_the_region_rate_replaces_the_country_rate_and_taxes_shipping_where_it_says_so(us_rates):
    result = taxes_for(lines=CART, shipping=D("5.00"), country="US", region="NY")

    ny = Rate("NY sales tax", D("8.875"))
    assert [(line.key, line.base, line.tax, line.rate) for line in result.lines] == [
        ("tee", D("24.00"), D("2.13"), ny),  # 2.13
        ("mug", D("10.00"), D("0.89"), ny),  # 0.8875
    ]
    assert (result.shipping.base, result.shipping.tax) == (D("5.00"), D("0.44"))  # 0.44375
    assert result.tax_lines == (TaxLine("NY sales tax", D("8.875"), D("39.00"), D("3.46")),)
    assert (result.net, result.tax, result.total) == (D("39.00"), D("3.46"), D("42.46"))
    assert result.prices_include_tax is False


@pytest.mark.parametrize(("country", "region"), [("US", "CA"), ("US", ""), ("us", "tx")])
def test_elsewhere_in_the_country_its_rate_applies_but_not_to_shipping(us_rates, country, region):
    result = taxes_for(lines=CART, shipping=D("5.00"), country=country, region=region)

    assert [line.tax for line in result.lines] == [D("1.92"), D("0.80")]
    assert (result.shipping.base, result.shipping.tax, result.shipping.rate) == (D("5.00"), D("0.00"), None)
    assert result.tax_lines == (TaxLine("Sales tax", D("8"), D("34.00"), D("2.72")),)
    assert result.total == D("41.72")


@pytest.mark.parametrize("region", ["ny", "US-NY", " us-ny "])
def test_the_region_is_read_as_people_type_it(us_rates, region):
    result = taxes_for(lines=CART, shipping=D("0"), country="us", region=region)

    assert result.tax_lines[0].name == "NY sales tax"


def test_a_zero_region_rate_exempts_the_region_from_its_country_rate(us_rates):
    result = taxes_for(lines=CART, shipping=D("5.00"), country="US", region="OR")

    assert result.tax == 0
    assert result.tax_lines == (TaxLine("Oregon (no sales tax)", D("0"), D("34.00"), D("0.00")),)


@pytest.mark.parametrize("inclusive", [False, True])
def test_an_address_without_a_rate_pays_no_tax(us_rates, settings, inclusive):
    settings.PRICES_INCLUDE_TAX = inclusive

    result = taxes_for(lines=CART, shipping=D("5.00"), country="DE")

    assert (result.net, result.tax, result.total, result.tax_lines) == (D("39.00"), D("0.00"), D("39.00"), ())
    assert all(line.rate is None for line in (*result.lines, result.shipping))


def test_with_prices_including_tax_the_shopper_pays_the_prices_and_the_tax_is_inside(us_rates, settings):
    settings.PRICES_INCLUDE_TAX = True

    result = taxes_for(lines=CART, shipping=D("5.00"), country="US", region="NY")

    assert [(line.base, line.tax) for line in result.lines] == [(D("22.04"), D("1.96")), (D("9.18"), D("0.82"))]
    assert (result.shipping.base, result.shipping.tax) == (D("4.59"), D("0.41"))
    assert result.tax_lines == (TaxLine("NY sales tax", D("8.875"), D("35.81"), D("3.19")),)
    assert (result.net, result.tax, result.total) == (D("35.81"), D("3.19"), D("39.00"))
    assert result.prices_include_tax is True


def test_an_inactive_region_rate_leaves_the_country_rate(tax_rate):
    tax_rate(country="US", region="", name="Sales tax", rate="8")
    tax_rate(country="US", region="NY", name="NY sales tax", rate="8.875", active=False)

    result = RateTableProvider().taxes(CART, D("0"), country="US", region="NY", prices_include_tax=False)

    assert result.tax_lines == (TaxLine("Sales tax", D("8"), D("34.00"), D("2.72")),)


class FlatTen:
    """A provider of a test's own: 10% on everything, shipping too, wherever it goes."""

    def taxes(
        self, lines: Sequence[TaxableLine], shipping: Decimal, *, country: str, region: str, prices_include_tax: bool
    ) -> TaxResult:
        ten = Rate(f"Flat tax ({country})", D("10"))
        return tax_result([(line, ten) for line in lines], shipping, ten, prices_include_tax=prices_include_tax)


def test_the_provider_is_the_one_tax_provider_names(us_rates, settings):
    settings.TAX_PROVIDER = f"{__name__}.FlatTen"

    assert isinstance(get_provider(), FlatTen)
    result = taxes_for(lines=CART, shipping=D("5.00"), country="US", region="NY")
    assert result.tax_lines == (TaxLine("Flat tax (US)", D("10"), D("39.00"), D("3.90")),)


def test_the_default_provider_is_the_rate_table():
    assert isinstance(get_provider(), RateTableProvider)


@pytest.mark.parametrize("path", ["commerce.tax.providers.NoSuchProvider", "no_such_module.Provider"])
def test_a_provider_that_does_not_load_stops_the_start(settings, path):
    settings.TAX_PROVIDER = path

    with pytest.raises(ImproperlyConfigured, match="cannot be loaded"):
        check_provider()
