"""Money: amounts in the store's currency, their minor units, Stripe's amounts, and how they read.

- An amount is a Decimal in the currency's major unit (12.50 dollars, 1200 yen). Prices and order
  totals are stored that way.
- Minor units are integers in the currency's own exponent (ISO 4217, through Babel/CLDR): 1250 for
  $12.50, 1200 for ¥1,200. Payment and Refund rows store these.
- Stripe's integer amounts follow Stripe's own table, which differs for some currencies: JPY and the
  other zero-decimal currencies are sent as is (1 yen is 1), ISK or HUF, whose minor unit CLDR puts at
  0 decimals, are sent with two (docs.stripe.com/currencies). Only the Stripe client converts.
- What a person reads comes from Babel with the store's locale (`STORE_LOCALE`): "$12.00", "¥1,200".

No other module multiplies or divides by 100: ask this one.
"""

import re
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, lru_cache

from babel.numbers import (
    format_currency,
    get_currency_name,
    get_currency_precision,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
)
from django.conf import settings

from .errors import DomainError

# Stripe's zero-decimal currencies: the amount is in the major unit (docs.stripe.com/currencies#zero-decimal).
STRIPE_ZERO_DECIMAL = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"}
)
# Stripe's three-decimal currencies (the last digit must be 0).
STRIPE_THREE_DECIMAL = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})
STRIPE_DEFAULT_EXPONENT = 2


class MoneyError(DomainError):
    """An amount that cannot be read or represented (422); the message says what to type instead."""

    def __init__(self, message: str) -> None:
        super().__init__("bad_amount", message)


def currency_code(currency: str | None = None) -> str:
    """`currency` (any case), or the store's: an upper-case ISO 4217 code."""
    return (currency or settings.STORE_CURRENCY).upper()


def exponent(currency: str | None = None) -> int:
    """Digits after the decimal point in the currency's minor unit: 2 for USD, 0 for JPY."""
    return _exponent(currency_code(currency))


@cache
def _exponent(code: str) -> int:
    """Babel's answer, kept: checkout rounds a few dozen amounts per order."""
    return int(get_currency_precision(code))


def quantum(currency: str | None = None) -> Decimal:
    """The smallest amount of the currency: Decimal("0.01") for USD, Decimal("1") for JPY."""
    return Decimal(1).scaleb(-exponent(currency))


def round_amount(amount: Decimal | int | str, currency: str | None = None) -> Decimal:
    """The amount to the currency's minor unit, halves up (what is charged and what is shown agree)."""
    return Decimal(amount).quantize(quantum(currency), rounding=ROUND_HALF_UP)


def to_minor(amount: Decimal | int | str, currency: str | None = None) -> int:
    """An amount in minor units: Decimal("12.50") USD -> 1250, Decimal("1200") JPY -> 1200."""
    return int(round_amount(amount, currency).scaleb(exponent(currency)))


def from_minor(minor: int, currency: str | None = None) -> Decimal:
    """Minor units as an amount with the currency's decimals: 1250 USD -> Decimal("12.50"), 1200 JPY -> 1200."""
    return Decimal(int(minor)).scaleb(-exponent(currency)).quantize(quantum(currency))


def share_minor(minor: int, part: int, whole: int) -> int:
    """`part` of `whole` of an amount in minor units, to the minor unit, halves up:
    share_minor(1001, 1, 3) -> 334. Integer arithmetic: nothing is lost to floats."""
    if whole <= 0 or not 0 <= part <= whole:
        raise ValueError(f"cannot take {part} of {whole}")
    return (2 * int(minor) * part + whole) // (2 * whole)


def stripe_exponent(currency: str | None = None) -> int:
    """The exponent Stripe's integer amounts use for the currency (not always the ISO one)."""
    code = currency_code(currency)
    if code in STRIPE_ZERO_DECIMAL:
        return 0
    if code in STRIPE_THREE_DECIMAL:
        return 3
    return STRIPE_DEFAULT_EXPONENT


def to_stripe(minor: int, currency: str | None = None) -> int:
    """Our minor units as Stripe's integer amount: 1200 JPY -> 1200, 1250 USD -> 1250, 500 ISK -> 50000."""
    shift = stripe_exponent(currency) - exponent(currency)
    if shift >= 0:
        return int(minor) * int(10**shift)
    whole, rest = divmod(int(minor), int(10**-shift))
    if rest:
        raise MoneyError(f"{from_minor(minor, currency)} {currency_code(currency)} cannot be sent to Stripe.")
    return int(whole)


def from_stripe(amount: int, currency: str | None = None) -> int:
    """Stripe's integer amount as our minor units (the inverse of `to_stripe`)."""
    shift = stripe_exponent(currency) - exponent(currency)
    if shift <= 0:
        return int(amount) * int(10**-shift)
    whole, rest = divmod(int(amount), int(10**shift))
    if rest:
        raise MoneyError(f"Stripe's amount {amount} is not a whole {currency_code(currency)} minor unit.")
    return int(whole)


def format_money(amount: Decimal | int | str | None, currency: str | None = None, locale: str | None = None) -> str:
    """An amount as a person reads it, in the store's locale: "$1,200.00", "¥1,200", "-€5.00"; "" for None."""
    if amount is None:
        return ""
    code = currency_code(currency)
    return _formatted(str(round_amount(amount, code)), code, locale or settings.STORE_LOCALE)


@lru_cache(maxsize=4096)
def _formatted(amount: str, code: str, locale: str) -> str:
    """Babel's formatting, kept per process: a page formats the same few prices again and again,
    and each call costs Babel ~0.1 ms. Keyed by the amount's text: "-0.00" is not "0.00"."""
    return str(format_currency(Decimal(amount), code, locale=locale))


def format_minor(minor: int | None, currency: str | None = None, locale: str | None = None) -> str:
    """Minor units as a person reads them: 1250 USD -> "$12.50"; "" for None."""
    return "" if minor is None else format_money(from_minor(minor, currency), currency, locale)


def with_code(minor: int, currency: str | None = None) -> str:
    """Minor units as staff read them in notes and logs: "12.50 USD", "1200 JPY"."""
    return f"{from_minor(minor, currency)} {currency_code(currency)}"


COMMON_SYMBOLS = "$€£¥"
_NUMBER = re.compile(r"(\d{1,12})(?:\.(\d*))?|\.(\d+)")
_SPACES = re.compile(r"\s")
_NEGATIVE = re.compile(r"[-−]\s*[\d.]+")


def _without_symbol(text: str, code: str, locale: str) -> str:
    """`text` without the currency's symbol or code before or after it ("$12", "12,50 €", "JPY 1200")."""
    for mark in sorted({get_currency_symbol(code, locale=locale), code}, key=len, reverse=True):
        if text.startswith(mark):
            text = text[len(mark) :]
        elif text.endswith(mark):
            text = text[: -len(mark)]
    return text.strip().lstrip(COMMON_SYMBOLS).rstrip(COMMON_SYMBOLS).strip()


def _decimals_rule(currency: str) -> str:
    places = exponent(currency)
    if places == 0:
        name = get_currency_name(currency, count=2, locale=settings.STORE_LOCALE)
        return f"The amount is in whole {name}: no decimals."
    if places == 2:  # the common case keeps its familiar wording
        return "The amount has at most two decimals (cents)."
    return f"The amount has at most {places} decimals."


def parse_minor(raw: str | Decimal, currency: str | None = None) -> int | None:
    """Read an amount as staff type it ("12.50", "$1,200", "¥1,200") into minor units; None when empty.

    The store's locale says which marks group digits and which one is the decimal point; the
    currency's exponent says how many decimals are allowed (a JPY amount of "12.5" is refused).
    Raises MoneyError with a message for that person: NaN, Infinity, exponents, negative or zero
    amounts and fractions of the minor unit are all refused.
    """
    code = currency_code(currency)
    locale = settings.STORE_LOCALE
    text = _without_symbol(str(raw).strip(), code, locale)
    decimal_mark, group_mark = get_decimal_symbol(locale), get_group_symbol(locale)
    text = text.replace(group_mark, "")
    if group_mark.isspace():  # a space groups digits here (fr_FR): people type a plain one
        text = _SPACES.sub("", text)
    text = text.replace(decimal_mark, ".")
    if not text:
        return None
    match = _NUMBER.fullmatch(text)
    if match is None:
        if _NEGATIVE.fullmatch(text):
            raise MoneyError("The amount must be more than 0.")
        shown = text if len(text) <= 20 else text[:20] + "…"
        raise MoneyError(f"“{shown}” is not an amount. Enter one such as 12.50, or leave it empty to refund all.")
    whole, fraction, only_fraction = match.groups()
    fraction = (fraction if whole is not None else only_fraction) or ""
    places = exponent(code)
    if len(fraction.rstrip("0")) > places:
        raise MoneyError(_decimals_rule(code))
    minor = to_minor(Decimal(f"{whole or 0}.{fraction or 0}"), code)
    if minor <= 0:
        raise MoneyError("The amount must be more than 0.")
    return minor
