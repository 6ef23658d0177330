"""Reads of shipping: which zone serves an address, and what its methods cost for a cart.

Arguments are plain values (an address's country and region, the cart's subtotal in the store's
currency and its weight in grams), so the cart page, checkout and the payment amount ask the same
questions and get the same answers.
"""

from dataclasses import dataclass
from decimal import Decimal

from babel.numbers import format_decimal
from django.conf import settings
from django.db.models import Prefetch

from commerce.money import format_money, round_amount
from commerce.places import is_country, place_name, region_code
from project.snapshots import Snapshot

from .errors import ShippingError
from .models import ShippingMethod, ShippingZone, WeightBracket

GRAMS_PER_KG = 1000


@dataclass(frozen=True)
class Quote:
    """A method's price for one address and cart, as offered to the shopper (store currency)."""

    method_pk: int
    name: str
    price: Decimal
    estimate: str
    free_reason: str = ""  # why it costs nothing, e.g. "Free on orders of $75.00 or more"


def _load_zones() -> tuple[ShippingZone, ...]:
    """Every zone, its offered methods (`zone.methods.all()`, in the shop's order) and their brackets."""
    offered = ShippingMethod.objects.filter(is_active=True).prefetch_related("brackets")
    return tuple(ShippingZone.objects.order_by("pk").prefetch_related(Prefetch("methods", queryset=offered)))


# Read once per process until staff change a zone, a method or a bracket (project/snapshots.py).
ZONES = Snapshot("shipping-zones", _load_zones)


def watch() -> None:
    ZONES.watch(ShippingZone, ShippingMethod, WeightBracket)


def ships_anywhere() -> bool:
    """Whether the store has set up shipping: a store with no zones at all charges none."""
    return bool(ZONES.get())


def zone_for(*, country: str, region: str = "") -> ShippingZone | None:
    """The zone serving an address: the one naming its region, else its country, else the rest of the world.

    `region` may be the subdivision alone ("CA") or its ISO 3166-2 code ("US-CA"). None when no zone
    serves the address, or the country is not an ISO 3166-1 code.
    """
    country = country.strip().upper()
    if not is_country(country):
        return None
    region = region_code(country, region)
    # A store has a handful of zones: matched here rather than with JSON lookups SQLite lacks.
    zones = ZONES.get()
    return (
        next((zone for zone in zones if region and region in zone.regions), None)
        or next((zone for zone in zones if country in zone.countries), None)
        or next((zone for zone in zones if zone.is_rest_of_world), None)
    )


def methods_for(*, country: str, region: str = "", subtotal: Decimal, weight: int) -> list[Quote]:
    """What the methods serving this address cost for this cart, cheapest first.

    Methods whose weight brackets stop below `weight` are left out (they cannot take the parcel).
    """
    zone = zone_for(country=country, region=region)
    if zone is None:
        return []
    quotes = [offer for method in zone.methods.all() if (offer := _quote(method, subtotal, weight)) is not None]
    return sorted(quotes, key=lambda offer: offer.price)  # stable: equal prices keep the shop's order


def quote(method_pk: int | str, *, country: str, region: str = "", subtotal: Decimal, weight: int) -> Quote:
    """What the chosen method costs for this address and cart.

    `method_pk` may be the `shipping_method` radio's value as posted. Raises ShippingError when the
    method is not offered (any more), does not serve the address, or cannot take `weight` grams.
    """
    pk = str(method_pk).strip()
    offered = (method for zone in ZONES.get() for method in zone.methods.all())
    method = next((method for method in offered if str(method.pk) == pk), None) if pk.isascii() else None
    if method is None:
        raise ShippingError.unknown_method()
    zone = zone_for(country=country, region=region)
    if zone is None or zone.pk != method.zone_id:
        raise ShippingError.not_served(method.name, place_name(country, region))
    offer = _quote(method, subtotal, weight)
    if offer is None:
        heaviest = list(method.brackets.all())[-1].up_to
        raise ShippingError.too_heavy(method.name, _weight_text(heaviest))
    return offer


def _base_price(method: ShippingMethod, weight: int) -> Decimal | None:
    """The flat rate, or the first bracket's that `weight` fits in; None when it is heavier than all."""
    brackets = list(method.brackets.all())  # prefetched, in `up_to` order
    if not brackets:
        return method.price
    return next((bracket.price for bracket in brackets if weight <= bracket.up_to), None)


def _quote(method: ShippingMethod, subtotal: Decimal, weight: int) -> Quote | None:
    """The method's offer for this cart; None when the parcel is too heavy for it."""
    price, free_reason = _base_price(method, weight), ""
    if price is None:
        return None
    if method.free_over is not None and round_amount(subtotal) >= method.free_over:
        price, free_reason = Decimal(0), f"Free on orders of {format_money(method.free_over)} or more"
    return Quote(method.pk, method.name, round_amount(price), method.estimate, free_reason)


def _weight_text(grams: int) -> str:
    """A weight as a shopper reads it: "500 g", "2 kg", "2.5 kg"."""
    if grams < GRAMS_PER_KG:
        return f"{format_decimal(grams, locale=settings.STORE_LOCALE)} g"
    return f"{format_decimal(Decimal(grams) / GRAMS_PER_KG, locale=settings.STORE_LOCALE)} kg"
