"""Writes to orders: checkout, payment outcomes, the status machine, hold release.

Every service locks the order row before reading its status, so a payment and a hold
expiry (or two copies of one webhook) for the same order apply one after the other.
"""

import logging
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from commerce.accounts.models import User
from commerce.cart.live import cart_publish
from commerce.cart.models import Cart, CartLine
from commerce.discounts.services import discount_give_back, discount_redeem
from commerce.errors import DomainError
from commerce.inventory.errors import OutOfStock
from commerce.inventory.models import StockHold
from commerce.inventory.services import stock_return, stock_take
from commerce.money import with_code

from . import checkout_sql
from .errors import OrderError
from .live import order_publish
from .models import Order, OrderEvent, OrderLine, OrderTaxLine
from .notifications import ORDER_EVENTS, order_notify
from .offer import checkout_breakdown
from .totals import Breakdown, PricedLine

logger = logging.getLogger(__name__)
S = Order.Status
K = OrderEvent.Kind


def _event(order: Order, kind: K, *, actor: User | None = None, note: str = "", from_status: str = "") -> None:
    OrderEvent.objects.create(
        order=order, kind=kind, actor=actor, note=note, from_status=from_status, to_status=order.status
    )
    order_publish(order, kind=kind)


def _set_status(order: Order, to: str, *, actor: User | None, note: str = "", kind: K | None = None) -> None:
    if not order.can_transition(to):
        raise OrderError.bad_transition(order.status, to)
    previous = order.status
    order.status = to
    fields = ["status", "updated_at"]
    if to == S.PAID:
        order.paid_at = timezone.now()
        fields.append("paid_at")
    order.save(update_fields=fields)
    _event(order, kind or K(to), actor=actor, note=note, from_status=previous)
    if to in ORDER_EVENTS:
        order_notify(order=order, event=ORDER_EVENTS[to], note=note)  # outbox rows, in this transaction


def _release_hold(order: Order, *, now: datetime) -> bool:
    """Give the held stock back once, and the discount code's use; False if the stock was already
    released or sold. Every cancel (by hand, replaced, expired) comes here.

    The code's row is locked before the variants' rows, the order a checkout is to take them in too
    (`discount_redeem` before `stock_take`), so that a cancel and a checkout never wait on each
    other in a cycle.
    """
    discount_give_back(order=order)
    released = StockHold.objects.filter(order=order, released_at__isnull=True, converted_at__isnull=True).update(
        released_at=now
    )
    if released:
        stock_return(quantities=_quantities(order))
    return bool(released)


def _quantities(order: Order) -> list[tuple[int, int]]:
    return [(line.variant_id, line.quantity) for line in order.lines.all() if line.variant_id is not None]


def _locked(order: Order | int) -> Order:
    pk = order if isinstance(order, int) else order.pk
    return Order.objects.select_for_update().get(pk=pk)


def checkout_start(
    *,
    cart: Cart,
    user: User | None,
    email: str,
    address: dict[str, Any],
    shipping_method: int | str | None = None,
    billing_address: dict[str, Any] | None = None,
) -> Order:
    """Create the order awaiting payment, take its code's use and its stock, or raise and change nothing.

    `address` is where it ships; `billing_address` where the invoice goes, when the shopper gave one
    apart (None: the shipping address).

    The order costs what `totals.checkout_breakdown` says for the cart's lines, its code (the one
    applied on the cart page, checked again here: DiscountError says why it no longer applies) and
    `shipping_method` (the radio's value; None: the cheapest that serves the address; ShippingError
    when it does not serve it), and stores every figure (`order_breakdown` reads them back).

    An earlier unpaid order from the same cart is cancelled first (its stock and code use returned),
    so going back and paying again never holds the stock twice.

    On PostgreSQL the common case (no earlier unpaid order, the cart priced as it stands) is one call
    of the database function `commerce_checkout_place` (orders/sql/, called by checkout_sql.py) with
    the figures worked out here; everything else, and SQLite, takes `_checkout_start` below, which
    decides every refusal. Both write the same rows and broadcast the same fragments
    (tests/commerce/orders/test_checkout_parity.py compares them).
    """
    if settings.CHECKOUT_IN_DATABASE and connection.vendor == "postgresql":
        priced = _price(cart=cart, user=user, email=email, address=address, shipping_method=shipping_method)
        if priced is not None:
            priced = replace(priced, billing_address=billing_address)
            order = checkout_sql.place(cart_pk=cart.pk, user=user, email=email, address=address, priced=priced)
            if order is not None:
                return order
    return _checkout_start(
        cart=cart,
        user=user,
        email=email,
        address=address,
        shipping_method=shipping_method,
        billing_address=billing_address,
    )


def _cart_lines(cart: Cart) -> list[CartLine]:
    return list(CartLine.objects.filter(cart=cart).select_related("variant__product").order_by("variant_id"))


def _breakdown(
    lines: list[PricedLine],
    *,
    code: str,
    user: User | None,
    email: str,
    address: dict[str, Any],
    shipping_method: int | str | None,
) -> Breakdown:
    return checkout_breakdown(
        lines,
        country=address.get("country", ""),
        region=address.get("region", ""),
        shipping_method_pk=shipping_method,
        code=code,
        user=user,
        email=email,
        now=timezone.now(),
    )


def _price(
    *, cart: Cart, user: User | None, email: str, address: dict[str, Any], shipping_method: int | str | None
) -> checkout_sql.Priced | None:
    """The cart priced for the database checkout, read without locks (the function checks that the
    lines, their prices and the cart's code are still these); None for the Python path to decide.

    The refusals come in the Python path's order. An empty cart, or one with an earlier unpaid order
    to replace (whose code use goes back first), is the Python path's. A code or a shipping method
    that does not work is refused here, as the Python path would refuse it, unless a line is
    withdrawn or short: that refusal comes first, so the Python path words it. A cart that prices
    goes to the function, which refuses withdrawn and short lines before anything else.
    """
    rows = checkout_sql.checkout_lines(cart_pk=cart.pk)
    if not rows or rows[0].replaces_order:
        return None
    lines = [row.line for row in rows]
    try:
        figures = _breakdown(
            lines, code=cart.discount_code, user=user, email=email, address=address, shipping_method=shipping_method
        )
    except DomainError:
        if all(row.for_sale and row.in_stock for row in rows):
            raise
        return None
    return checkout_sql.Priced(
        lines=[(line.variant_pk, line.quantity, line.unit_price) for line in lines],
        cart_code=cart.discount_code,
        breakdown=figures,
    )


@transaction.atomic
def _checkout_start(
    *,
    cart: Cart,
    user: User | None,
    email: str,
    address: dict[str, Any],
    shipping_method: int | str | None,
    billing_address: dict[str, Any] | None,
) -> Order:
    cart = Cart.objects.select_for_update().get(pk=cart.pk)
    for stale in Order.objects.select_for_update().filter(cart=cart, status=S.PENDING_PAYMENT).order_by("pk"):
        _release_hold(stale, now=timezone.now())
        _set_status(stale, S.CANCELLED, actor=None, note="Replaced by a new checkout.")
    lines = _cart_lines(cart)
    if not lines:
        raise OrderError.empty_cart()
    gone = [
        str(line.variant)
        for line in lines
        if not line.variant.is_active or line.variant.product.deleted_at or not line.variant.product.is_published
    ]
    if gone:
        raise OrderError.unavailable_lines(gone)
    # The stock as read here may already be out of date, so the take below decides; but a line
    # that is short now is refused at once, before an order is written only to be rolled back
    # (in a sell-out, that is every later buyer).
    for line in lines:
        if line.variant.stock < line.quantity:
            raise OutOfStock(
                variant_pk=line.variant_id, name=str(line.variant), wanted=line.quantity, available=line.variant.stock
            )
    figures = _breakdown(
        [PricedLine.of(line) for line in lines],
        code=cart.discount_code,
        user=user,
        email=email,
        address=address,
        shipping_method=shipping_method,
    )
    order = Order.objects.create(
        user=user,
        email=email,
        cart=cart,
        shipping_address=address,
        billing_address=billing_address,
        currency=settings.STORE_CURRENCY,
        **figures.order_fields(),
    )
    shares = {share.variant_pk: share for share in figures.line_shares}
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            variant=line.variant,
            product_name=line.variant.product.name,
            variant_name=line.variant.name,
            sku=line.variant.sku,
            unit_price=line.variant.price,
            quantity=line.quantity,
            line_total=line.variant.price * line.quantity,
            discount_total=shares[line.variant_id].discount,
            tax_total=shares[line.variant_id].tax,
        )
        for line in lines
    )
    OrderTaxLine.objects.bulk_create(OrderTaxLine.from_tax_line(order, line) for line in figures.tax_lines)
    StockHold.objects.create(order=order, expires_at=timezone.now() + timedelta(seconds=settings.STOCK_HOLD_SECONDS))
    _event(order, K.PLACED, actor=user, note=checkout_sql.hold_note())
    # The code's use, then the stock: a code's row is locked before the variants' everywhere
    # (_release_hold). Each raises saying why (used up; sold out), and the atomic block then rolls
    # back the order and everything taken before.
    if figures.applied_discount is not None:
        discount_redeem(code=figures.applied_discount.code, order=order, user=user, email=email)
    # Last, just before the commit: the row lock a take holds is what serializes the buyers of
    # one variant, so it must cover nothing but the take itself.
    stock_take(quantities=[(line.variant_id, line.quantity) for line in lines])
    return order


@transaction.atomic
def order_mark_paid(*, order: Order, amount_minor: int, currency: str, reference: str) -> Order:
    """Record a successful payment. Safe to call twice (webhook and return page both do)."""
    order = _locked(order)
    if order.status != S.PENDING_PAYMENT:
        if order.status == S.CANCELLED:
            # Paid after the hold expired: the stock is gone back to the shelf. Say so loudly;
            # the payments layer refunds it.
            _event(order, K.PAYMENT_AFTER_CANCEL, note=f"Payment {reference} arrived after cancellation.")
            logger.warning("payment for a cancelled order", extra={"order": order.number, "reference": reference})
        return order
    if amount_minor != order.total_minor or currency.upper() != order.currency.upper():
        _event(
            order,
            K.PAYMENT_MISMATCH,
            note=f"Payment {reference} was {with_code(amount_minor, currency)}, "
            f"expected {with_code(order.total_minor, order.currency)}.",
        )
        logger.error("payment amount mismatch", extra={"order": order.number, "reference": reference})
        return order
    StockHold.objects.filter(order=order, released_at__isnull=True).update(converted_at=timezone.now())
    _set_status(order, S.PAID, actor=None, note=f"Payment {reference}.")
    _remove_bought_from_cart(order)
    return order


def _remove_bought_from_cart(order: Order) -> None:
    """Take what the paid order bought out of its cart, and the code it used (a next order starts
    without one: a code a customer may use once would only be refused)."""
    if order.cart_id is None:
        return
    if order.discount_code:
        Cart.objects.filter(pk=order.cart_id, discount_code=order.discount_code).update(discount_code="")
    for variant_pk, quantity in _quantities(order):
        line = CartLine.objects.filter(cart_id=order.cart_id, variant_id=variant_pk).first()
        if line is None:
            continue
        if line.quantity <= quantity:
            line.delete()
        else:
            CartLine.objects.filter(pk=line.pk).update(quantity=F("quantity") - quantity)
    if order.cart is not None:
        cart_publish(order.cart)


@transaction.atomic
def order_note_payment_failed(*, order: Order, message: str, reference: str) -> Order:
    """Note a declined payment on the timeline; the shopper may try again until the hold expires."""
    order = _locked(order)
    if order.status == S.PENDING_PAYMENT:
        _event(order, K.PAYMENT_FAILED, note=f"{message} ({reference})")
    return order


@transaction.atomic
def order_note_partial_refund(
    *, order: Order, note: str, refund_pk: int, actor: User | None = None, tell: bool = True
) -> Order:
    """A partial refund on the timeline and, with `tell`, emailed to the customer (once per refund)."""
    order = _locked(order)
    _event(order, K.REFUND_PARTIAL, actor=actor, note=note)
    if tell:
        order_notify(order=order, event=ORDER_EVENTS[S.REFUNDED], note=note, partial_refund=refund_pk)
    return order


@transaction.atomic
def order_transition(*, order: Order, to: str, actor: User | None, note: str = "", tracking_number: str = "") -> Order:
    """Move a paid order along: packed, shipped (with a tracking number), delivered."""
    if to not in {S.PACKED, S.SHIPPED, S.DELIVERED}:
        raise OrderError("bad_transition", "Use cancel or refund for that.")
    order = _locked(order)
    if to == S.SHIPPED and tracking_number:
        order.tracking_number = tracking_number
        order.save(update_fields=["tracking_number", "updated_at"])
    _set_status(order, to, actor=actor, note=note)
    return order


@transaction.atomic
def order_cancel(*, order: Order, actor: User | None, note: str = "") -> Order:
    """Cancel an unpaid order and give its stock back."""
    order = _locked(order)
    if order.status == S.CANCELLED:
        return order
    _set_status(order, S.CANCELLED, actor=actor, note=note)
    _release_hold(order, now=timezone.now())
    return order


@transaction.atomic
def order_mark_refunded(*, order: Order, actor: User | None, note: str = "") -> Order:
    """Mark an order fully refunded; stock comes back when it had not shipped yet."""
    order = _locked(order)
    if order.status == S.REFUNDED:
        return order
    restock = order.status in {S.PAID, S.PACKED}
    _set_status(order, S.REFUNDED, actor=actor, note=note)
    if restock:
        stock_return(quantities=_quantities(order))
        _event(order, K.RESTOCKED, actor=actor, note="Items returned to stock.")
    return order


def hold_release(*, order_pk: int, now: datetime | None = None) -> bool:
    """Release one expired hold: cancel its order and give the stock back. True if this call did it."""
    now = now or timezone.now()
    with transaction.atomic():
        order = _locked(order_pk)
        hold = StockHold.objects.filter(order=order).first()
        if order.status != S.PENDING_PAYMENT or hold is None or not hold.is_active or hold.expires_at > now:
            return False
        _set_status(
            order,
            S.CANCELLED,
            actor=None,
            note="Payment was not completed in time; the items went back on sale.",
            kind=K.EXPIRED,
        )
        return _release_hold(order, now=now)


def holds_release_expired(*, now: datetime | None = None, limit: int = 500) -> int:
    """Release every expired hold (each in its own transaction); return how many were released."""
    now = now or timezone.now()
    due = StockHold.objects.filter(
        expires_at__lte=now, released_at__isnull=True, converted_at__isnull=True
    ).values_list("order_id", flat=True)[:limit]
    return sum(hold_release(order_pk=pk, now=now) for pk in list(due))
