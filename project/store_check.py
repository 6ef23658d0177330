"""The store's money settings, checked when settings load: a process with a wrong one does not start."""

from babel import Locale, UnknownLocaleError
from babel.numbers import get_currency_precision, is_currency
from django.core.exceptions import ImproperlyConfigured


def check_store_money(currency: str, locale: str) -> None:
    """Refuse a currency Babel does not know, one finer than prices are stored, or an unknown locale."""
    try:
        Locale.parse(locale)
    except (UnknownLocaleError, ValueError) as exc:
        raise ImproperlyConfigured(f"STORE_LOCALE {locale!r} is not a locale Babel knows (en_US, de_DE...).") from exc
    if not is_currency(currency):
        raise ImproperlyConfigured(f"STORE_CURRENCY {currency!r} is not an ISO 4217 code (USD, EUR, JPY...).")
    if get_currency_precision(currency) > 2:  # the price columns' decimal places
        raise ImproperlyConfigured(
            f"STORE_CURRENCY {currency} has {get_currency_precision(currency)} decimals; "
            "prices are stored with at most 2."
        )
