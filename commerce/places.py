"""Country and region codes as a shop owner types them and an address carries them (ISO 3166)."""

import re
from functools import cache

from babel import Locale
from django.conf import settings

# Two-letter territories CLDR names that are no place to ship to: groupings (EU, EZ, UN, QO),
# codes reserved for other uses (AC, CP, CQ, DG, EA, IC, TA), pseudo and unknown (XA, XB, ZZ).
# XK (Kosovo) stays: not in ISO 3166-1, but carriers and Stripe use it.
NOT_COUNTRIES = frozenset({"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "ZZ"})
# ISO 3166-2: the country's code, a hyphen, and up to three letters or digits ("US-CA", "GB-SCT", "FR-75").
REGION = re.compile(r"([A-Z]{2})-[A-Z0-9]{1,3}")


@cache
def country_codes() -> frozenset[str]:
    """The ISO 3166-1 alpha-2 codes, from Babel's CLDR data (already a dependency, for money)."""
    codes = (str(code) for code in Locale("en").territories)
    return frozenset(code for code in codes if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES)


@cache
def country_choices() -> list[tuple[str, str]]:
    """The countries as (code, English name) pairs, by name: a form's or a model field's choices."""
    names = Locale("en").territories
    return sorted(((code, str(names[code])) for code in country_codes()), key=lambda choice: choice[1])


def is_country(code: str) -> bool:
    return code in country_codes()


def is_region(code: str) -> bool:
    """True for a well-formed ISO 3166-2 code of a known country; whether the region exists is not checked."""
    match = REGION.fullmatch(code)
    return match is not None and is_country(match.group(1))


def region_code(country: str, region: str) -> str:
    """An address's region as an ISO 3166-2 code: ("US", "ca") -> "US-CA"; ("US", "US-CA") too; "" for none."""
    region = region.strip().upper()
    if not region or region.startswith(f"{country}-"):
        return region
    return f"{country}-{region}"


def country_name(code: str) -> str:
    """The country as shoppers read it in the store's language: "US" -> "United States"."""
    return str(Locale.parse(settings.STORE_LOCALE).territories.get(code, code))


def place_name(country: str, region: str = "") -> str:
    """Where an address is, for a sentence: "United States (NY)", or the country alone."""
    country = country.strip().upper()
    region = region_code(country, region).removeprefix(f"{country}-")
    return f"{country_name(country)} ({region})" if region else country_name(country)
