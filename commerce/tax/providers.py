"""Who says what tax is due: a small interface, with the store's rate table as the default provider.

`TAX_PROVIDER` names the provider class by dotted path; another one (Stripe Tax, a tax service) can
take the rate table's place without the cart or checkout knowing.
"""

from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from .calculation import Rate, TaxableLine, TaxResult, tax_result
from .selectors import rate_for


class TaxProvider(Protocol):
    def taxes(
        self,
        lines: Sequence[TaxableLine],
        shipping: Decimal,
        *,
        country: str,
        region: str,
        prices_include_tax: bool,
    ) -> TaxResult:
        """The tax of these lines and this shipping, sent to this address (amounts in the store's currency)."""


class RateTableProvider:
    """The rates staff keep in the admin: every line pays the address's rate, the shipping too where
    that rate says so."""

    def taxes(
        self,
        lines: Sequence[TaxableLine],
        shipping: Decimal,
        *,
        country: str,
        region: str,
        prices_include_tax: bool,
    ) -> TaxResult:
        found = rate_for(country=country, region=region)
        rate = Rate(found.name, found.rate) if found else None
        shipping_rate = rate if found and found.applies_to_shipping else None
        return tax_result(
            [(line, rate) for line in lines], shipping, shipping_rate, prices_include_tax=prices_include_tax
        )


def get_provider() -> TaxProvider:
    """The provider TAX_PROVIDER names, ready to ask."""
    provider: TaxProvider = import_string(settings.TAX_PROVIDER)()
    return provider


def check_provider() -> None:
    """Refuse to start with a TAX_PROVIDER that cannot be loaded."""
    try:
        import_string(settings.TAX_PROVIDER)
    except ImportError as exc:
        raise ImproperlyConfigured(
            f"TAX_PROVIDER {settings.TAX_PROVIDER!r} cannot be loaded ({exc}); "
            "it names a class such as commerce.tax.providers.RateTableProvider."
        ) from exc


def taxes_for(*, lines: Sequence[TaxableLine], shipping: Decimal, country: str, region: str = "") -> TaxResult:
    """The tax of a cart or order sent to this address, by the store's provider, with its prices as
    the store enters them (PRICES_INCLUDE_TAX)."""
    return get_provider().taxes(
        lines, shipping, country=country, region=region, prices_include_tax=settings.PRICES_INCLUDE_TAX
    )
