"""What the cart page shows as its totals: checkout's offer (orders/offer.py) for the place the cart
estimates for, with the cheapest method that ships there and the cart's code if it still applies.

Read from the cart alone (never from one browser), so every tab of a cart renders the same figures
and a pushed fragment is right for all of them. Nothing here writes.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings

from commerce.accounts.models import Address
from commerce.discounts.errors import DiscountError
from commerce.orders.offer import checkout_offer
from commerce.orders.totals import Breakdown, PricedLine, cart_lines
from commerce.places import is_country, is_region, place_name, region_code
from commerce.shipping.selectors import Quote

from .models import Cart


@dataclass(frozen=True)
class CartEstimate:
    """The cart's figures for `country`/`region`.

    `quote` is the cheapest method serving the place (None: the store has no zones, so shipping is
    not charged, or none serves it: `not_shipped` says so). `code_error` says why the cart's code
    no longer applies (expired, used up...): the code is kept but left out of the figures.
    """

    country: str
    region: str
    breakdown: Breakdown
    quote: Quote | None
    not_shipped: str = ""
    code_error: DiscountError | None = None

    @property
    def place(self) -> str:
        """The place as shoppers read it: "United States (NY)"."""
        return place_name(self.country, self.region)


def estimate_place(cart: Cart | None) -> tuple[str, str]:
    """Where the cart estimates for: the place saved on it, else its owner's default (or latest) saved
    address, else the store's country (STORE_COUNTRY). The region is the ISO 3166-2 suffix ("NY") or ""."""
    if cart is not None and cart.estimate_country:
        return cart.estimate_country, cart.estimate_region
    if cart is not None and cart.user_id is not None:
        addresses = Address.objects.filter(user_id=cart.user_id)
        address = addresses.order_by("-default_shipping", "-created_at", "-pk").first()
        if address is not None and is_country(address.country):
            region = address.region if is_region(region_code(address.country, address.region)) else ""
            return address.country, region
    return settings.STORE_COUNTRY, ""


def cart_estimate(cart: Cart | None, *, now: datetime, lines: list[PricedLine] | None = None) -> CartEstimate:
    """The cart's figures where it estimates for (`estimate_place`), now: what the review page would
    offer there (`checkout_offer`, cheapest method), for the cart's owner if it has one. `lines`: the
    cart's, when the caller has read them already (orders.totals.summary_lines)."""
    country, region = estimate_place(cart)
    user = cart.user if cart is not None else None
    offer = checkout_offer(
        cart_lines(cart) if lines is None else lines,
        country=country,
        region=region,
        chosen=None,
        code=cart.discount_code if cart is not None else "",
        user=user,
        email=user.email if user is not None else "",
        now=now,
    )
    return CartEstimate(
        country=country,
        region=region,
        breakdown=offer.breakdown,
        quote=offer.quote,
        not_shipped=offer.shipping_error.message if offer.shipping_error else "",
        code_error=offer.code_error,
    )
