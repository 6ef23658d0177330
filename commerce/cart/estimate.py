"""What the cart page shows as its totals: the order's figures (orders/totals.py) for the place the
cart estimates for, by the cheapest method that ships there, with the cart's code if it still applies.

Read from the cart alone (never from one browser), so every tab of a cart renders the same figures
and a pushed fragment is right for all of them. Nothing here writes.
"""

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from django.conf import settings

from commerce.accounts.models import Address
from commerce.discounts.errors import DiscountError
from commerce.discounts.pricing import AppliedDiscount
from commerce.discounts.selectors import discount_check
from commerce.money import round_amount
from commerce.orders.totals import Breakdown, PricedLine, breakdown, cart_lines, parcel_weight, shipping_subtotal
from commerce.places import country_name, is_country, is_region, region_code
from commerce.shipping.models import ShippingZone
from commerce.shipping.selectors import Quote, methods_for, zone_for

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
        name = country_name(self.country)
        return f"{name} ({self.region})" if self.region else name


def estimate_place(cart: Cart | None) -> tuple[str, str]:
    """Where the cart estimates for: the place saved on it, else its owner's latest saved address,
    else the store's country (STORE_COUNTRY). The region is the ISO 3166-2 suffix ("NY") or ""."""
    if cart is not None and cart.estimate_country:
        return cart.estimate_country, cart.estimate_region
    if cart is not None and cart.user_id is not None:
        address = Address.objects.filter(user_id=cart.user_id).order_by("-created_at", "-pk").first()
        if address is not None and is_country(address.country):
            region = address.region if is_region(region_code(address.country, address.region)) else ""
            return address.country, region
    return settings.STORE_COUNTRY, ""


def _code_applied(
    cart: Cart, lines: list[PricedLine], *, now: datetime
) -> tuple[AppliedDiscount | None, DiscountError | None]:
    if not cart.discount_code:
        return None, None
    user = cart.user
    try:
        applied = discount_check(
            cart.discount_code,
            lines=[line.for_discount() for line in lines],
            subtotal=round_amount(sum((line.total for line in lines), Decimal(0))),
            user=user,
            email=user.email if user is not None else "",
            now=now,
        )
    except DiscountError as error:
        return None, error
    return applied, None


def cart_estimate(cart: Cart | None, *, now: datetime) -> CartEstimate:
    """The cart's figures where it estimates for (`estimate_place`), now.

    The same arithmetic as `orders.totals.cart_breakdown` with the cheapest method's pk and the
    cart's code (tests/commerce/cart/test_estimate.py holds them equal), on lines read once.
    """
    country, region = estimate_place(cart)
    lines = cart_lines(cart)
    discount, code_error = _code_applied(cart, lines, now=now) if cart is not None else (None, None)
    offers = methods_for(
        country=country, region=region, subtotal=shipping_subtotal(lines, discount), weight=parcel_weight(lines)
    )
    chosen = offers[0] if offers else None
    estimate = CartEstimate(
        country=country,
        region=region,
        breakdown=breakdown(lines, country=country, region=region, shipping=chosen, discount=discount),
        quote=chosen,
        code_error=code_error,
    )
    if chosen is not None or not ShippingZone.objects.exists():
        return estimate  # a store with no zones charges no shipping
    if zone_for(country=country, region=region) is None:
        return replace(estimate, not_shipped=f"We do not ship to {estimate.place} yet.")
    return replace(estimate, not_shipped=f"No shipping method of ours takes this order to {estimate.place}.")
