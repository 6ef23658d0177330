"""Writes to carts. Each service is one transaction that locks the cart row first,
so two tabs changing one cart at once apply one after the other."""

from collections.abc import MutableMapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction

from commerce.accounts.models import User
from commerce.catalog.models import Variant
from commerce.catalog.selectors import variant_for_sale
from commerce.discounts.pricing import AppliedDiscount
from commerce.discounts.selectors import discount_check
from commerce.money import round_amount
from commerce.orders.totals import cart_lines

from .errors import CartError
from .live import cart_created_publish, cart_publish
from .models import SESSION_KEY, Cart, CartLine


def _locked(cart: Cart) -> Cart:
    return Cart.objects.select_for_update().get(pk=cart.pk)


def _check_quantity(quantity: int) -> None:
    if not 1 <= quantity <= settings.CART_MAX_LINE_QUANTITY:
        raise CartError.bad_quantity(settings.CART_MAX_LINE_QUANTITY)


def _variant(pk: int) -> Variant:
    variant = variant_for_sale(pk=pk)
    if variant is None:
        raise CartError.unavailable()
    return variant


def cart_get_or_create(*, user: User | None, session: MutableMapping[str, Any]) -> Cart:
    """Return the cart of this user, or of this guest session, creating it when missing."""
    if user is not None:
        cart, created = Cart.objects.get_or_create(user=user)
        if created:
            cart_created_publish(user_pk=user.pk, session_key=None)
        return cart
    pk = session.get(SESSION_KEY)
    existing = Cart.objects.filter(pk=pk, user__isnull=True).first() if pk else None
    if existing is not None:
        return existing
    cart = Cart.objects.create()
    session[SESSION_KEY] = cart.pk
    if isinstance(session, SessionBase):
        # Save now, not at the end of the request: the other tabs told below look the cart
        # up through this session at once.
        session.save()
        transaction.on_commit(lambda: cart_created_publish(user_pk=None, session_key=session.session_key))
    return cart


@transaction.atomic
def cart_line_add(*, cart: Cart, variant_pk: int, quantity: int) -> CartLine:
    """Add `quantity` of a variant, refusing to go past what is in stock."""
    _check_quantity(quantity)
    cart = _locked(cart)
    variant = _variant(variant_pk)
    line = CartLine.objects.filter(cart=cart, variant=variant).first()
    in_cart = line.quantity if line else 0
    total = in_cart + quantity
    if total > variant.stock:
        raise CartError.insufficient_stock(name=str(variant), available=variant.stock, in_cart=in_cart)
    if total > settings.CART_MAX_LINE_QUANTITY:
        raise CartError.bad_quantity(settings.CART_MAX_LINE_QUANTITY)
    if line is None:
        line = CartLine.objects.create(cart=cart, variant=variant, quantity=total)
    else:
        line.quantity = total
        line.save(update_fields=["quantity"])
    cart.save(update_fields=["updated_at"])
    cart_publish(cart)
    return line


@transaction.atomic
def cart_line_set_quantity(*, cart: Cart, variant_pk: int, quantity: int) -> CartLine:
    """Set the quantity of a line already in the cart, within what is in stock."""
    _check_quantity(quantity)
    cart = _locked(cart)
    line = CartLine.objects.select_related("variant__product").filter(cart=cart, variant_id=variant_pk).first()
    if line is None:
        raise CartError.not_in_cart()
    variant = _variant(variant_pk)
    # Lowering a quantity is always allowed, even when stock dropped below it.
    if quantity > line.quantity and quantity > variant.stock:
        raise CartError.insufficient_stock(name=str(variant), available=variant.stock, in_cart=0)
    line.quantity = quantity
    line.save(update_fields=["quantity"])
    cart.save(update_fields=["updated_at"])
    cart_publish(cart)
    return line


@transaction.atomic
def cart_line_remove(*, cart: Cart, variant_pk: int) -> None:
    """Remove a line; removing one that is already gone is not an error (double submit)."""
    cart = _locked(cart)
    deleted, _ = CartLine.objects.filter(cart=cart, variant_id=variant_pk).delete()
    cart.save(update_fields=["updated_at"])
    if deleted:
        cart_publish(cart)


@dataclass
class MergeResult:
    cart: Cart
    capped: list[str] = field(default_factory=list)  # names of lines cut down to what is in stock


@transaction.atomic
def cart_merge(*, source: Cart, target: Cart) -> MergeResult:
    """Move every line of `source` into `target` (quantities add up, capped by stock) and delete `source`."""
    first, second = sorted([source.pk, target.pk])
    locked = {c.pk: c for c in Cart.objects.select_for_update().filter(pk__in=[first, second]).order_by("pk")}
    source, target = locked[source.pk], locked[target.pk]
    result = MergeResult(cart=target)
    existing = {line.variant_id: line for line in target.lines.select_for_update()}
    for line in source.lines.select_related("variant__product").order_by("variant_id"):
        variant = line.variant
        current = existing.get(variant.pk)
        wanted = line.quantity + (current.quantity if current else 0)
        allowed = min(wanted, variant.stock, settings.CART_MAX_LINE_QUANTITY)
        if allowed < wanted:
            result.capped.append(str(variant))
        if current is not None:
            if allowed > 0:
                current.quantity = allowed
                current.save(update_fields=["quantity"])
            else:
                current.delete()
        elif allowed > 0:
            CartLine.objects.create(cart=target, variant=variant, quantity=allowed)
    # The code and the place the guest chose come along, unless the user's cart has its own.
    if not target.discount_code:
        target.discount_code = source.discount_code
    if not target.estimate_country:
        target.estimate_country, target.estimate_region = source.estimate_country, source.estimate_region
    source.delete()
    target.save(update_fields=["discount_code", "estimate_country", "estimate_region", "updated_at"])
    cart_publish(target)
    return result


def cart_adopt_on_login(
    *, user: User, guest_cart_pk: int | None, session: MutableMapping[str, Any]
) -> MergeResult | None:
    """After sign-in, fold the guest cart of this session into the user's cart."""
    session.pop(SESSION_KEY, None)
    if not guest_cart_pk:
        return None
    with transaction.atomic():
        guest = Cart.objects.select_for_update().filter(pk=guest_cart_pk, user__isnull=True).first()
        if guest is None:
            return None
        target = Cart.objects.filter(user=user).first()
        if target is None:
            # No cart yet: the guest cart simply becomes the user's.
            guest.user = user
            guest.save(update_fields=["user", "updated_at"])
            cart_publish(guest)
            return MergeResult(cart=guest)
        return cart_merge(source=guest, target=target)


@transaction.atomic
def cart_code_apply(*, cart: Cart, text: str, user: User | None, now: datetime) -> AppliedDiscount:
    """Apply the discount code `text` to the cart, or raise DiscountError (CartError for an empty text)
    and change nothing.

    Checked against the lines under the cart's lock, so no tab changes them between the check and the
    save; the code's own row is not locked: a code used up later shows as such on the cart (its
    carts are pushed again) and checkout takes the use, or refuses it, for good.
    """
    if not text.strip():
        raise CartError.no_code()
    cart = _locked(cart)
    lines = cart_lines(cart)
    applied = discount_check(
        text,
        lines=[line.for_discount() for line in lines],
        subtotal=round_amount(sum((line.total for line in lines), Decimal(0))),
        user=user,
        email=user.email if user is not None else "",
        now=now,
    )
    if cart.discount_code != applied.code.code:
        cart.discount_code = applied.code.code
        cart.save(update_fields=["discount_code", "updated_at"])
        cart_publish(cart)
    return applied


@transaction.atomic
def cart_code_remove(*, cart: Cart) -> Cart:
    """Take the code off the cart; taking off a code already gone is not an error (double submit)."""
    cart = _locked(cart)
    if cart.discount_code:
        cart.discount_code = ""
        cart.save(update_fields=["discount_code", "updated_at"])
        cart_publish(cart)
    return cart


@transaction.atomic
def cart_estimate_set(*, cart: Cart, country: str, region: str) -> Cart:
    """Estimate the cart's shipping and tax for this place (ISO 3166-1 country, region suffix or "")."""
    cart = _locked(cart)
    if (cart.estimate_country, cart.estimate_region) != (country, region):
        cart.estimate_country, cart.estimate_region = country, region
        cart.save(update_fields=["estimate_country", "estimate_region", "updated_at"])
        cart_publish(cart)
    return cart
