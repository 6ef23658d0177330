"""Checkout as one call of the database function `commerce_checkout_place` (PostgreSQL).

The function, and why it exists, are in sql/ (one file per version, each run by the migration it
is named for; sql/README.md says how to change it). `place()` calls it and turns its answer into
what `commerce.orders.services.checkout_start` returns or raises; the effects after commit (pushes,
the search update, the ops dashboard) are the ones the Python path schedules.
"""

import json
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from commerce.accounts.models import User
from commerce.discounts.errors import DiscountError
from commerce.discounts.live import code_carts_publish_on_commit
from commerce.inventory.errors import OutOfStock
from commerce.inventory.services import stock_moved

from .errors import OrderError
from .live import order_publish
from .models import Order, OrderEvent, new_order_number
from .totals import Breakdown, PricedLine

OUT_OF_STOCK = "SF001"  # the SQLSTATE the function raises when a take finds too little stock
CODE_ALREADY_USED = "SF002"  # ... when the customer has used the code as often as it allows
CODE_REFUSED = "SF003"  # ... and when the code was used up or withdrawn since it was priced


@dataclass(frozen=True)
class Priced:
    """A cart priced for the function: the lines read (variant pk, quantity, unit price, in variant
    order), the cart's code as read, and the figures worked out on them (services._price)."""

    lines: list[tuple[int, int, Decimal]]
    cart_code: str
    breakdown: Breakdown
    billing_address: dict[str, Any] | None = None  # None: bill to the shipping address

    def as_json(self) -> str:
        """What the function reads from p_priced (amounts as strings: exact decimals)."""
        figures = self.breakdown
        shares = {share.variant_pk: share for share in figures.line_shares}
        code = figures.applied_discount.code if figures.applied_discount else None
        return json.dumps(
            {
                "cart_code": self.cart_code,
                "billing_address": self.billing_address,
                "lines": [
                    {
                        "variant": pk,
                        "quantity": quantity,
                        "unit_price": str(price),
                        "discount": str(shares[pk].discount),
                        "tax": str(shares[pk].tax),
                    }
                    for pk, quantity, price in self.lines
                ],
                "order": {
                    "subtotal": str(figures.subtotal),
                    "discount_total": str(figures.discount),
                    "discount_code": figures.discount_code,
                    "discount_label": figures.discount_label,
                    "shipping_total": str(figures.shipping),
                    "shipping_method_name": figures.shipping_name,
                    "tax_total": str(figures.tax),
                    "prices_include_tax": figures.prices_include_tax,
                    "total": str(figures.total),
                },
                "tax_lines": [
                    {"name": line.name, "rate": str(line.rate), "base": str(line.base), "amount": str(line.amount)}
                    for line in figures.tax_lines
                ],
                "code": None
                if code is None
                else {"id": code.pk, "code": code.code, "per_customer_limit": code.per_customer_limit},
            }
        )


@dataclass(frozen=True)
class CheckoutLine:
    """A cart line as `commerce_checkout_lines` reads it: its figures, and whether it can be bought."""

    line: PricedLine
    for_sale: bool  # the variant and its product are on sale
    in_stock: bool  # its stock covers the quantity, as read now (the take decides)
    replaces_order: bool  # the cart has an earlier unpaid order (the same on every line)


def checkout_lines(*, cart_pk: int) -> list[CheckoutLine]:
    """The cart's lines in variant order, for `services._price` (one call: the function's statement is
    planned once per connection)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM commerce_checkout_lines(%s)", [cart_pk])
        return [CheckoutLine(PricedLine(*row[:6]), *row[6:]) for row in cursor.fetchall()]


def hold_note() -> str:
    return f"Stock held for {settings.STOCK_HOLD_SECONDS // 60} minutes."


def place(*, cart_pk: int, user: User | None, email: str, address: dict[str, Any], priced: Priced) -> Order | None:
    """Place the order in one call; None when the cart has an earlier unpaid order to replace, or
    changed since it was priced (the Python path then places it)."""
    params = [
        cart_pk,
        user.pk if user else None,
        email,
        json.dumps(address),
        settings.STORE_CURRENCY,
        new_order_number(),
        timezone.now() + timedelta(seconds=settings.STOCK_HOLD_SECONDS),
        hold_note(),
        priced.as_json(),
    ]
    # Outside a transaction the call is its own (committed as it returns); inside one, a
    # savepoint keeps the caller's transaction usable after a refusal.
    try:
        with nullcontext() if connection.get_autocommit() else transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT commerce_checkout_place(%s, %s, %s, %s::jsonb, %s, %s, %s, %s, %s::jsonb)", params)
            row = cursor.fetchone()
    except DatabaseError as exc:
        sqlstate, detail = getattr(exc.__cause__, "sqlstate", None), getattr(exc.__cause__, "diag", None)
        if sqlstate == OUT_OF_STOCK:
            raise _out_of_stock(json.loads(detail.message_detail)) from None  # type: ignore[union-attr]
        if sqlstate == CODE_ALREADY_USED:
            raise DiscountError.already_used(detail.message_detail) from None  # type: ignore[union-attr]
        if sqlstate == CODE_REFUSED:
            raise _code_refused(json.loads(detail.message_detail)) from None  # type: ignore[union-attr]
        raise
    answer = json.loads(row[0], parse_float=Decimal)
    match answer["outcome"]:
        case "stale" | "changed":
            return None
        case "code_refused":
            raise _code_refused(answer)
        case "empty":
            raise OrderError.empty_cart()
        case "unavailable":
            raise OrderError.unavailable_lines(answer["names"])
        case "short":
            raise _out_of_stock(answer)
    order = _order(answer["order"])
    _after_commit(order, taken=answer["taken"], sold_out=answer["sold_out"], code_spent=answer.get("code_spent"))
    return order


def _after_commit(order: Order, *, taken: list[int], sold_out: list[int], code_spent: str | None) -> None:
    """Schedule the placed order's effects as one change, as the Python path's transaction does.

    Outside a transaction (the function's call has committed as it returned) each on-commit effect
    would run at once, one by one: the ops dashboard, marked by the stock move and again by the
    order, would be pushed twice, first without the new order. In a block, `on_commit_once` keeps
    the last mark. The block runs no query, so it sends nothing to the database (not even BEGIN);
    inside a caller's transaction it is part of that one.
    """
    with transaction.atomic(savepoint=False):
        if code_spent:  # its last use taken, as discounts.services.discount_redeem says
            code_carts_publish_on_commit(code_spent)
        stock_moved(taken, availability_changed=sold_out)
        order_publish(order, kind=OrderEvent.Kind.PLACED)


def _code_refused(details: dict[str, Any]) -> DiscountError:
    refused = DiscountError.used_up if details["reason"] == "used_up" else DiscountError.unknown
    return refused(details["code"])


def _out_of_stock(details: dict[str, Any]) -> OutOfStock:
    return OutOfStock(
        variant_pk=details["variant"], name=details["name"], wanted=details["wanted"], available=details["available"]
    )


def _order(row: dict[str, Any]) -> Order:
    """The Order the function inserted, from its row (columns by name), as the ORM would load it."""
    fields = Order._meta.concrete_fields
    return Order.from_db(connection.alias, [f.attname for f in fields], [f.to_python(row[f.column]) for f in fields])
