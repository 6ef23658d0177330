"""An order's figures, worked out once: subtotal, discount, shipping, tax and total (issue 17).

Every page that shows a total (cart, review, pay, order, emails, ops) and Stripe's amount take it
from here, so they cannot disagree. `breakdown` is the arithmetic, given the lines, the chosen
shipping quote and the applied code; `cart_breakdown` reads a cart's lines, the quote and the code
from the database and hands them to it. Nothing here writes.

The order of operations, and why:

1. Lines are priced as they are charged now: a sale price is the price (`Variant.price`), and a
   code is taken off it, never off the price before the sale.
2. The code comes off line by line, as its `allocation` spreads it, so that each line has a
   discounted amount of its own for the tax to work on.
3. Shipping is the chosen method's quote, free when the code gives free shipping or the method's
   `free_over` is reached. That threshold is compared with the subtotal after the code's discount
   (`shipping_subtotal`), as Saleor and Shopify do: a code that takes an order below the threshold
   does not also ship it free.
4. Tax is worked out by the store's provider (`taxes_for`) on each line's discounted amount and on
   the shipping where the rate says so, rounded per line (commerce/tax/calculation.py). With
   tax-exclusive prices it is added on top; with PRICES_INCLUDE_TAX it is already inside the line
   and shipping amounts, and is shown as included.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from commerce.accounts.models import User
from commerce.cart.models import Cart, CartLine
from commerce.cart.selectors import CartSummary, cart_summary
from commerce.discounts.pricing import AppliedDiscount, DiscountLine
from commerce.discounts.selectors import discount_check
from commerce.money import round_amount, to_minor
from commerce.shipping.selectors import Quote, quote
from commerce.tax.calculation import TaxableLine, TaxLine
from commerce.tax.providers import taxes_for

from .models import Order


@dataclass(frozen=True)
class PricedLine:
    """One line as it is charged: `unit_price` is the price now (a sale price already).

    `product_pk` and `category_pk` say which codes restricted to products or categories cover it;
    `weight` is grams per unit, for rates by weight.
    """

    variant_pk: int
    product_pk: int
    category_pk: int
    quantity: int
    unit_price: Decimal
    weight: int = 0

    @classmethod
    def of(cls, line: CartLine) -> "PricedLine":
        """A cart line (its variant and product loaded) as charged now."""
        variant = line.variant
        return cls(
            line.variant_id,
            variant.product_id,
            variant.product.category_id,
            line.quantity,
            variant.price,
            variant.weight,
        )

    @property
    def total(self) -> Decimal:
        """The line's total before any code, to the currency's minor unit."""
        return round_amount(self.unit_price * self.quantity)

    def for_discount(self) -> DiscountLine:
        """The line as discounts.selectors.discount_check reads it."""
        return DiscountLine(self.variant_pk, self.product_pk, self.category_pk, self.total)


@dataclass(frozen=True)
class LineShare:
    """One line's part of a breakdown: its share of the discount, and its tax (inside its amount when
    prices include tax). An order line stores both; refunding the line gives them back."""

    variant_pk: int
    discount: Decimal
    tax: Decimal


@dataclass(frozen=True)
class Breakdown:
    """What an order costs, in the store's currency, every amount rounded and none below zero.

    `discount` is the amount off (a positive figure). `tax` is all the tax, lines and shipping:
    added on top when prices exclude it, already inside the line and shipping amounts when
    `prices_include_tax` (pages then say "includes"). So `total` is subtotal − discount + shipping
    + `tax_on_top`. `shipping_method` is the chosen method's quote as charged (free by a code:
    price 0 and the reason), None until one is chosen. `tax_lines` are one per rate, as the order
    stores them. `discount_code`, `discount_label` and `shipping_name` are the words pages show and
    an order stores (a placed order's breakdown has them, but no live code or quote).
    """

    subtotal: Decimal
    discount: Decimal
    shipping: Decimal
    tax: Decimal
    total: Decimal
    prices_include_tax: bool
    tax_lines: tuple[TaxLine, ...] = ()
    shipping_method: Quote | None = None
    applied_discount: AppliedDiscount | None = None
    discount_code: str = ""  # the code applied, in capitals ("WELCOME10")
    discount_label: str = ""  # its line on pages: "WELCOME10 (10% off)"
    shipping_name: str = ""  # the method's name ("Standard"); "" before one is chosen
    line_shares: tuple[LineShare, ...] = ()  # one per line, in the lines' order (not kept by orders' breakdowns)

    def __post_init__(self) -> None:
        amounts = (self.subtotal, self.discount, self.shipping, self.tax, self.total)
        if min(amounts) < 0 or self.discount > self.subtotal:
            raise ValueError(f"A breakdown's amounts cannot be negative, nor the discount above the subtotal: {self}")
        if self.total != self.subtotal - self.discount + self.shipping + self.tax_on_top:
            raise ValueError(f"A breakdown's total must be subtotal - discount + shipping + tax on top: {self}")

    @property
    def tax_on_top(self) -> Decimal:
        """The tax added to the prices: all of it when prices exclude tax, none when they include it."""
        return round_amount(0) if self.prices_include_tax else self.tax

    def order_fields(self) -> dict[str, object]:
        """The Order columns that store these figures (checkout writes them; `order_breakdown` reads them)."""
        return {
            "subtotal": self.subtotal,
            "discount_total": self.discount,
            "discount_code": self.discount_code,
            "discount_label": self.discount_label,
            "shipping_total": self.shipping,
            "shipping_method_name": self.shipping_name,
            "tax_total": self.tax,
            "prices_include_tax": self.prices_include_tax,
            "total": self.total,
        }

    @property
    def total_minor(self) -> int:
        """The total in the currency's minor unit, what the payment is for."""
        return to_minor(self.total)


def discounted_amounts(lines: Sequence[PricedLine], discount: AppliedDiscount | None) -> dict[int, Decimal]:
    """Each line's amount after the code, by variant pk: its total less its share of the code.

    A share is taken as the allocation gives it, but never more than the line's total, so a code
    worked out on lines that have since changed can lower a line to 0 and no further. One line per
    variant, as carts and orders have (ValueError otherwise: a line would go uncounted).
    """
    if len({line.variant_pk for line in lines}) != len(lines):
        raise ValueError("Each variant has one line: add up the quantities first.")
    allocation = discount.allocation if discount else {}
    return {
        line.variant_pk: line.total - min(line.total, max(round_amount(0), allocation.get(line.variant_pk, 0)))
        for line in lines
    }


def discount_of(line: PricedLine, amounts: dict[int, Decimal]) -> Decimal:
    """The line's share of the code: its total less its amount after the code (`discounted_amounts`)."""
    return line.total - amounts[line.variant_pk]


def shipping_subtotal(lines: Sequence[PricedLine], discount: AppliedDiscount | None) -> Decimal:
    """The subtotal a method's `free_over` is compared with: after the code's discount, before tax
    (tax included when prices include it). Pass it as `subtotal` to shipping's methods_for and quote."""
    return round_amount(sum(discounted_amounts(lines, discount).values(), Decimal(0)))


def parcel_weight(lines: Sequence[PricedLine]) -> int:
    """The lines' weight in grams, for shipping's methods_for and quote."""
    return sum(line.weight * line.quantity for line in lines)


def breakdown(
    lines: Sequence[PricedLine],
    *,
    country: str,
    region: str = "",
    shipping: Quote | None,
    discount: AppliedDiscount | None,
) -> Breakdown:
    """The order's figures for these lines sent to this address (the module's docstring gives the order
    of operations).

    `shipping` is the chosen method's quote, asked with `shipping_subtotal(lines, discount)`; None
    before one is chosen (shipping 0). `discount` is what discount_check answered for these lines.
    Tax is asked of the store's provider, which may read the database (the rate table does).
    """
    zero = round_amount(0)
    subtotal = round_amount(sum((line.total for line in lines), zero))
    amounts = discounted_amounts(lines, discount)
    discount_amount = subtotal - round_amount(sum(amounts.values(), zero))
    shipping = as_charged(shipping, discount) if shipping else None
    shipping_amount = shipping.price if shipping else zero
    taxed = taxes_for(
        lines=[TaxableLine(str(pk), amount) for pk, amount in amounts.items()],
        shipping=shipping_amount,
        country=country,
        region=region,
    )
    tax = round_amount(taxed.tax)
    shares = tuple(
        LineShare(line.variant_pk, discount_of(line, amounts), round_amount(taxed.line(str(line.variant_pk)).tax))
        for line in lines
    )
    return Breakdown(
        subtotal=subtotal,
        discount=discount_amount,
        shipping=shipping_amount,
        tax=tax,
        total=subtotal - discount_amount + shipping_amount + (zero if taxed.prices_include_tax else tax),
        prices_include_tax=taxed.prices_include_tax,
        tax_lines=taxed.tax_lines,
        shipping_method=shipping,
        applied_discount=discount,
        discount_code=discount.code.code if discount else "",
        discount_label=discount.label if discount else "",
        shipping_name=shipping.name if shipping else "",
        line_shares=shares,
    )


def as_charged(shipping: Quote, discount: AppliedDiscount | None) -> Quote:
    """The quote as the shopper pays it: free, saying why, when the code gives free shipping."""
    if discount is not None and discount.free_shipping and shipping.price > 0:
        return replace(shipping, price=round_amount(0), free_reason=f"Free with the code {discount.code.code}")
    return replace(shipping, price=max(round_amount(0), round_amount(shipping.price)))


def cart_lines(cart: Cart | None) -> list[PricedLine]:
    """The cart's lines at today's prices, as the cart page lists them (`summary_lines` of its summary)."""
    return summary_lines(cart_summary(cart))


def summary_lines(summary: CartSummary) -> list[PricedLine]:
    """A cart summary's lines (cart.selectors.cart_summary) as charged: a page that has the summary
    prices from it rather than reading the lines again.

    Lines withdrawn from sale are counted, as the cart's subtotal counts them; checkout refuses them.
    """
    return [
        PricedLine(
            variant_pk=view.line.variant_id,
            product_pk=view.line.variant.product_id,
            category_pk=view.line.variant.product.category_id,
            quantity=view.line.quantity,
            unit_price=view.unit_price,
            weight=view.line.variant.weight,
        )
        for view in summary.lines
    ]


def cart_breakdown(
    cart: Cart | None,
    *,
    country: str,
    region: str = "",
    shipping_method_pk: int | str | None = None,
    code: str | None = None,
    user: User | None = None,
    email: str = "",
    now: datetime,
) -> Breakdown:
    """The figures of this cart sent to this address, with the chosen method and code, from the database
    (`lines_breakdown` of the cart's lines)."""
    return lines_breakdown(
        cart_lines(cart),
        country=country,
        region=region,
        shipping_method_pk=shipping_method_pk,
        code=code,
        user=user,
        email=email,
        now=now,
    )


def lines_breakdown(
    lines: Sequence[PricedLine],
    *,
    country: str,
    region: str = "",
    shipping_method_pk: int | str | None = None,
    code: str | None = None,
    user: User | None = None,
    email: str = "",
    now: datetime,
) -> Breakdown:
    """The figures of these lines sent to this address, with the chosen method (none: no shipping)
    and code. Raises as `applied_code` and `chosen_quote` do."""
    discount = applied_code(lines, code, user=user, email=email, now=now)
    shipping = chosen_quote(lines, discount, country=country, region=region, shipping_method_pk=shipping_method_pk)
    return breakdown(lines, country=country, region=region, shipping=shipping, discount=discount)


def applied_code(
    lines: Sequence[PricedLine], code: str | None, *, user: User | None, email: str, now: datetime
) -> AppliedDiscount | None:
    """What the code takes off these lines now (None for no code), or DiscountError saying why it
    cannot be used (e.g. a customer's limit reached). `email` may be empty for a guest who has not
    given one yet."""
    if not code or not code.strip():
        return None
    return discount_check(
        code,
        lines=[line.for_discount() for line in lines],
        subtotal=round_amount(sum((line.total for line in lines), Decimal(0))),
        user=user,
        email=email,
        now=now,
    )


def chosen_quote(
    lines: Sequence[PricedLine],
    discount: AppliedDiscount | None,
    *,
    country: str,
    region: str,
    shipping_method_pk: int | str | None,
) -> Quote | None:
    """The chosen method's quote for these lines after the code (None when none is chosen), or
    ShippingError when it cannot take this parcel to this address."""
    if shipping_method_pk is None or not str(shipping_method_pk).strip():
        return None
    return quote(
        shipping_method_pk,
        country=country,
        region=region,
        subtotal=shipping_subtotal(lines, discount),
        weight=parcel_weight(lines),
    )


def order_breakdown(order: Order) -> Breakdown:
    """A placed order's figures, as it stored them: never worked out again, so a code, method or rate
    changed since leaves them as they were. Reads the order's tax lines (prefetch them for a list)."""
    return Breakdown(
        subtotal=order.subtotal,
        discount=order.discount_total,
        shipping=order.shipping_total,
        tax=order.tax_total,
        total=order.total,
        prices_include_tax=order.prices_include_tax,
        tax_lines=tuple(line.as_tax_line() for line in order.tax_lines.all()),
        discount_code=order.discount_code,
        discount_label=order.discount_label,
        shipping_name=order.shipping_method_name,
    )
