"""The one rounding rule: per line, half up to the currency's minor unit; inclusive and exclusive prices."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commerce.tax.calculation import LineTax, Rate, TaxableLine, TaxLine, line_tax, tax_result
from commerce.tax.errors import TaxError

D = Decimal


@pytest.mark.parametrize(
    ("amount", "rate", "tax"),
    [
        pytest.param("10.10", "5", "0.51", id="half-cent-up"),  # 0.505
        pytest.param("10.30", "5", "0.52", id="half-cent-up-even"),  # 0.515: half up, not to even
        pytest.param("10.09", "5", "0.50", id="below-half-down"),  # 0.5045
        pytest.param("10.00", "8.875", "0.89", id="ny"),  # 0.8875
        pytest.param("19.99", "8", "1.60", id="us"),  # 1.5992
        pytest.param("0.00", "8", "0.00", id="free"),
        pytest.param("10.00", "0", "0.00", id="exempt"),
    ],
)
def test_exclusive_prices_get_the_rounded_tax_on_top(amount, rate, tax):
    assert line_tax(D(amount), D(rate), inclusive=False) == (D(amount), D(tax))


@pytest.mark.parametrize(
    ("amount", "rate", "base", "tax"),
    [
        pytest.param("10.01", "100", "5.01", "5.00", id="half-cent-up"),  # base 5.005
        pytest.param("10.00", "20", "8.33", "1.67", id="vat"),  # base 8.333...
        pytest.param("10.00", "8.875", "9.18", "0.82", id="ny"),  # base 9.18485...
        pytest.param("10.80", "8", "10.00", "0.80", id="exact"),
        pytest.param("0.01", "8", "0.01", "0.00", id="one-cent"),
        pytest.param("0.00", "8", "0.00", "0.00", id="free"),
    ],
)
def test_inclusive_prices_hold_the_tax_and_base_plus_tax_is_the_price(amount, rate, base, tax):
    assert line_tax(D(amount), D(rate), inclusive=True) == (D(base), D(tax))
    assert D(base) + D(tax) == D(amount)


@pytest.mark.parametrize(
    ("inclusive", "amount", "base", "tax"),
    [
        pytest.param(False, "1005", "1005", "101", id="exclusive-half-yen-up"),  # 100.5
        pytest.param(False, "1004", "1004", "100", id="exclusive-below-half"),  # 100.4
        pytest.param(True, "1100", "1000", "100", id="inclusive-exact"),
        pytest.param(True, "999", "908", "91", id="inclusive-rounded"),  # base 908.18...
    ],
)
def test_a_yen_store_rounds_tax_to_whole_yen(settings, inclusive, amount, base, tax):
    settings.STORE_CURRENCY = "JPY"

    got = line_tax(D(amount), D("10"), inclusive=inclusive)

    assert got == (D(base), D(tax))
    assert all(part.as_tuple().exponent == 0 for part in got)


def test_tax_is_rounded_per_line_not_on_the_total():
    three = [TaxableLine(str(n), D("0.05")) for n in range(3)]
    ten = Rate("Tax", D("10"))

    result = tax_result([(line, ten) for line in three], D("0"), None, prices_include_tax=False)

    # 0.005 a line rounds up to 0.01 each: 0.03, where rounding the total (0.015) would have given 0.02.
    assert [line.tax for line in result.lines] == [D("0.01")] * 3
    assert result.tax_lines == (TaxLine("Tax", D("10"), D("0.15"), D("0.03")),)
    assert result.total == D("0.18")


def test_lines_at_different_rates_make_one_tax_line_each_and_untaxed_lines_none():
    reduced, standard = Rate("Reduced VAT", D("5.5")), Rate("VAT", D("20"))
    lines = [
        (TaxableLine("book", D("10.55")), reduced),
        (TaxableLine("tee", D("24.00")), standard),
        (TaxableLine("mug", D("12.00")), standard),
        (TaxableLine("gift-card", D("25.00")), None),
    ]

    result = tax_result(lines, D("6.00"), standard, prices_include_tax=True)

    assert result.line("book") == LineTax("book", D("10.00"), D("0.55"), reduced)
    assert result.line("tee") == LineTax("tee", D("20.00"), D("4.00"), standard)
    assert result.line("gift-card") == LineTax("gift-card", D("25.00"), D("0.00"), None)
    assert result.shipping == LineTax("shipping", D("5.00"), D("1.00"), standard)
    assert result.shipping.total == D("6.00")
    assert result.tax_lines == (
        TaxLine("Reduced VAT", D("5.5"), D("10.00"), D("0.55")),
        TaxLine("VAT", D("20"), D("35.00"), D("7.00")),
    )
    assert (result.net, result.tax, result.total) == (D("70.00"), D("7.55"), D("77.55"))  # the prices as entered


@pytest.mark.parametrize(
    ("amount", "rate", "code"),
    [("-0.01", "8", "negative_taxable_amount"), ("10.00", "-100", "negative_tax_rate")],
)
@pytest.mark.parametrize("inclusive", [False, True])
def test_a_negative_amount_or_rate_is_refused(amount, rate, code, inclusive):
    with pytest.raises(TaxError) as refused:
        line_tax(D(amount), D(rate), inclusive=inclusive)

    assert (refused.value.code, refused.value.status) == (code, 422)


@pytest.mark.parametrize(
    ("base", "tax", "rate"),
    [("10.00", "-1.00", Rate("Tax", D("10"))), ("-1.00", "0.00", None), ("10.00", "1.00", None)],
)
def test_a_line_tax_that_does_not_add_up_is_refused(base, tax, rate):
    with pytest.raises(TaxError) as refused:
        LineTax("tee", D(base), D(tax), rate)

    assert refused.value.code == "bad_tax_result"


amounts = st.decimals(min_value=0, max_value=10**8, places=2)
rates = st.decimals(min_value=0, max_value=100, places=4)
HALF_CENT = D("0.005")


@given(amount=amounts, rate=rates)
def test_inclusive_base_and_tax_add_up_to_the_price(amount, rate):
    base, tax = line_tax(amount, rate, inclusive=True)

    assert base + tax == amount
    assert base >= 0
    assert tax >= 0
    assert abs(base - amount * 100 / (100 + rate)) <= HALF_CENT


@given(amount=amounts, rate=rates)
def test_exclusive_tax_is_the_rate_of_the_price_within_half_a_cent(amount, rate):
    base, tax = line_tax(amount, rate, inclusive=False)

    assert base == amount
    assert tax >= 0
    assert abs(tax - amount * rate / 100) <= HALF_CENT
