"""What checkout offers and charges for a cart sent to an address: the shipping methods serving it,
the one chosen (the cheapest unless the shopper picks another), and the breakdown with it
(orders/totals.py does the arithmetic). The review page and the cart page's estimate show
`checkout_offer`; placing an order charges `checkout_breakdown`, which refuses what the offer
only reports.

Where the store ships: a store with no shipping zones at all charges no shipping (a shop that
has not set shipping up yet still sells); once it has zones, an address none of them serves, or
a parcel no method of its zone takes, is refused.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from commerce.accounts.models import User
from commerce.discounts.errors import DiscountError
from commerce.places import place_name
from commerce.shipping.errors import ShippingError
from commerce.shipping.selectors import Quote, methods_for, ships_anywhere, zone_for

from .totals import (
    Breakdown,
    PricedLine,
    applied_code,
    as_charged,
    breakdown,
    chosen_quote,
    parcel_weight,
    shipping_subtotal,
)


def _not_shipped(country: str, region: str) -> ShippingError:
    """Why no method is offered here: no zone serves the place, or none of its methods takes the parcel."""
    place = place_name(country, region)
    if zone_for(country=country, region=region) is None:
        return ShippingError.not_shipped(place)
    return ShippingError.no_method_takes(place)


def checkout_breakdown(
    lines: Sequence[PricedLine],
    *,
    country: str,
    region: str = "",
    shipping_method_pk: int | str | None,
    code: str,
    user: User | None,
    email: str,
    now: datetime,
) -> Breakdown:
    """What an order of these lines will cost, as checkout charges it, or raise why it cannot be placed:
    the code no longer applies (DiscountError), the chosen method does not serve the address, or none
    does (ShippingError). No method given: the cheapest serving the address."""
    discount = applied_code(lines, code, user=user, email=email, now=now)
    shipping = chosen_quote(lines, discount, country=country, region=region, shipping_method_pk=shipping_method_pk)
    if shipping is None and ships_anywhere():
        offers = methods_for(
            country=country, region=region, subtotal=shipping_subtotal(lines, discount), weight=parcel_weight(lines)
        )
        if not offers:
            raise _not_shipped(country, region)
        shipping = offers[0]
    return breakdown(lines, country=country, region=region, shipping=shipping, discount=discount)


@dataclass(frozen=True)
class CheckoutOffer:
    """The methods serving the address, cheapest first and priced as charged (free with a free-shipping
    code), the one chosen, and the breakdown with it. `code_error` says why the cart's code no longer
    applies, `shipping_error` why nothing ships there; the breakdown then leaves out the code, or the
    shipping."""

    methods: tuple[Quote, ...]
    chosen: int | None
    breakdown: Breakdown
    code_error: DiscountError | None = None
    shipping_error: ShippingError | None = None

    @property
    def error(self) -> DiscountError | ShippingError | None:
        """Why the order cannot be placed as it stands, if it cannot."""
        return self.code_error or self.shipping_error

    @property
    def quote(self) -> Quote | None:
        """The chosen method's quote, as charged."""
        return next((method for method in self.methods if method.method_pk == self.chosen), None)


def checkout_offer(
    lines: Sequence[PricedLine],
    *,
    country: str,
    region: str = "",
    chosen: int | str | None,
    code: str,
    user: User | None,
    email: str,
    now: datetime,
) -> CheckoutOffer:
    """The offer for these lines and this address: the method `chosen` when it serves the address,
    else the cheapest (what `checkout_breakdown` charges when none is given)."""
    code_error = shipping_error = None
    try:
        discount = applied_code(lines, code, user=user, email=email, now=now)
    except DiscountError as exc:
        discount, code_error = None, exc
    methods: tuple[Quote, ...] = ()
    if ships_anywhere():
        offers = methods_for(
            country=country, region=region, subtotal=shipping_subtotal(lines, discount), weight=parcel_weight(lines)
        )
        methods = tuple(as_charged(offer, discount) for offer in offers)
        if not methods:
            shipping_error = _not_shipped(country, region)
    pick = next((method for method in methods if str(method.method_pk) == str(chosen).strip()), None)
    pick = pick or (methods[0] if methods else None)
    return CheckoutOffer(
        methods=methods,
        chosen=pick.method_pk if pick else None,
        breakdown=breakdown(lines, country=country, region=region, shipping=pick, discount=discount),
        code_error=code_error,
        shipping_error=shipping_error,
    )
