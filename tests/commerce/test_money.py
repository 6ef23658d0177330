"""commerce/money.py: minor units from each currency's own exponent, Stripe's amounts, how amounts read."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from hypothesis import given
from hypothesis import strategies as st

from commerce import money
from commerce.money import MoneyError


@pytest.mark.parametrize(
    ("currency", "places", "smallest"),
    [("USD", 2, Decimal("0.01")), ("EUR", 2, Decimal("0.01")), ("JPY", 0, Decimal(1)), ("KRW", 0, Decimal(1))],
)
def test_the_minor_unit_comes_from_the_currency_s_own_exponent(currency, places, smallest):
    assert money.exponent(currency) == places
    assert money.quantum(currency) == smallest


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        (Decimal("12.00"), "USD", 1200),
        (Decimal("12.5"), "USD", 1250),
        (Decimal("0.01"), "USD", 1),
        (Decimal("1200"), "JPY", 1200),
        (Decimal("1200.00"), "JPY", 1200),  # a price column with two decimals, in yen
        (Decimal("1200.50"), "JPY", 1201),  # halves up: what is shown is what is charged
        (Decimal("12.345"), "USD", 1235),
    ],
)
def test_amounts_become_minor_units_of_their_currency(amount, currency, minor):
    assert money.to_minor(amount, currency) == minor


def test_minor_units_become_amounts_with_the_currency_s_decimals():
    assert str(money.from_minor(1250, "USD")) == "12.50"
    assert str(money.from_minor(1200, "JPY")) == "1200"
    assert str(money.from_minor(0, "USD")) == "0.00"


def test_the_store_s_currency_is_the_default(settings):
    settings.STORE_CURRENCY = "JPY"
    assert money.to_minor(Decimal("1200.00")) == 1200
    assert money.format_minor(1200) == "¥1,200"
    settings.STORE_CURRENCY = "USD"
    assert money.to_minor(Decimal("12.00")) == 1200
    assert money.format_minor(1200) == "$12.00"


@pytest.mark.parametrize(
    ("minor", "currency", "stripe_amount"),
    [
        (1200, "USD", 1200),  # $12.00: cents
        (1200, "JPY", 1200),  # ¥1,200: Stripe's zero-decimal currencies count whole yen, not 100 per yen
        (5000, "KRW", 5000),
        (500, "ISK", 50000),  # CLDR: no decimals; Stripe: sent with two
        (1200, "HUF", 120000),
    ],
)
def test_stripe_gets_its_own_integer_amount(minor, currency, stripe_amount):
    assert money.to_stripe(minor, currency) == stripe_amount
    assert money.from_stripe(stripe_amount, currency) == minor


def test_a_stripe_amount_finer_than_the_currency_is_refused():
    with pytest.raises(MoneyError):
        money.from_stripe(50050, "ISK")


@given(
    minor=st.integers(min_value=1, max_value=10**11),
    currency=st.sampled_from(["USD", "EUR", "JPY", "KRW", "ISK", "HUF", "GBP", "CLP"]),
)
def test_minor_units_survive_the_round_trips(minor, currency):
    assert money.from_stripe(money.to_stripe(minor, currency), currency) == minor
    assert money.to_minor(money.from_minor(minor, currency), currency) == minor


@pytest.mark.parametrize(
    ("amount", "currency", "locale", "shown"),
    [
        (Decimal("12"), "USD", "en_US", "$12.00"),
        (Decimal("1200"), "USD", "en_US", "$1,200.00"),
        (Decimal("1200"), "JPY", "en_US", "¥1,200"),
        (Decimal("1200.00"), "JPY", "en_US", "¥1,200"),
        (Decimal("-5"), "USD", "en_US", "-$5.00"),
        (Decimal("12.5"), "EUR", "en_US", "€12.50"),
        (Decimal("1234.5"), "EUR", "de_DE", "1.234,50\xa0€"),
        (Decimal("1200"), "JPY", "ja_JP", "￥1,200"),
        (Decimal("0.005"), "USD", "en_US", "$0.01"),  # halves up, as charged
    ],
)
def test_amounts_read_with_the_currency_s_symbol_in_the_store_s_locale(amount, currency, locale, shown):
    assert money.format_money(amount, currency, locale) == shown


def test_nothing_reads_as_nothing():
    assert money.format_money(None) == ""
    assert money.format_minor(None) == ""


def test_the_money_filter_reads_in_the_store_s_currency_and_locale(settings):
    template = Template("{% load money %}{{ price|money }} {{ price|money:'EUR' }}")
    settings.STORE_CURRENCY, settings.STORE_LOCALE = "JPY", "en_US"
    assert template.render(Context({"price": Decimal("1200.00")})) == "¥1,200 €1,200.00"
    settings.STORE_CURRENCY, settings.STORE_LOCALE = "USD", "de_DE"
    assert template.render(Context({"price": Decimal("1200.00")})) == "1.200,00\xa0$ 1.200,00\xa0€"


class TestStaffTypedAmounts:
    @pytest.mark.parametrize(
        ("typed", "minor"),
        [("12.50", 1250), ("12.5", 1250), ("$1,200", 120000), (" 12 ", 1200), (".5", 50), ("12.", 1200), ("", None)],
    )
    def test_dollars(self, settings, typed, minor):
        settings.STORE_CURRENCY = "USD"
        assert money.parse_minor(typed) == minor

    @pytest.mark.parametrize(("typed", "minor"), [("1200", 1200), ("¥1,200", 1200), ("1,200", 1200), ("12.0", 12)])
    def test_yen_are_whole(self, settings, typed, minor):
        settings.STORE_CURRENCY = "JPY"
        assert money.parse_minor(typed) == minor

    def test_a_fraction_of_a_yen_is_refused_with_a_clear_message(self, settings):
        settings.STORE_CURRENCY = "JPY"
        with pytest.raises(MoneyError) as refused:
            money.parse_minor("12.5")
        assert (refused.value.code, refused.value.status) == ("bad_amount", 422)
        assert refused.value.message == "The amount is in whole Japanese yen: no decimals."

    def test_the_store_s_locale_says_which_mark_is_the_decimal_point(self, settings):
        settings.STORE_CURRENCY, settings.STORE_LOCALE = "EUR", "de_DE"
        assert money.parse_minor("1.234,50 €") == 123450
        assert money.parse_minor("12,5") == 1250

    @pytest.mark.parametrize(
        ("typed", "message"),
        [
            ("NaN", "“NaN” is not an amount. Enter one such as 12.50, or leave it empty to refund all."),
            ("1e30", "“1e30” is not an amount. Enter one such as 12.50, or leave it empty to refund all."),
            ("-5", "The amount must be more than 0."),
            ("0.00", "The amount must be more than 0."),
            ("12.345", "The amount has at most two decimals (cents)."),
        ],
    )
    def test_bad_amounts_are_refused_with_the_words_they_always_had(self, settings, typed, message):
        settings.STORE_CURRENCY = "USD"
        with pytest.raises(MoneyError) as refused:
            money.parse_minor(typed)
        assert refused.value.message == message
