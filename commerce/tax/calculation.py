"""How tax is worked out from rates: the one rounding rule, and the result an order keeps.

Tax is rounded per line (each line and the shipping on their own, half up to the currency's minor
unit through commerce/money.py), then added up: a line's tax never depends on the rest of the cart,
and what an order stores adds up to what it shows. `line_tax` is the only place that rounds tax.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext

from commerce.money import round_amount

from .errors import TaxError

HUNDRED = Decimal(100)
ZERO = Decimal(0)
SHIPPING = "shipping"  # the key of the shipping's LineTax


def line_tax(amount: Decimal, rate: Decimal, *, inclusive: bool) -> tuple[Decimal, Decimal]:
    """(base, tax) of one amount at `rate` percent, in the store's currency; base + tax is what is paid.

    Exclusive prices: tax = round(amount × rate), on top. Inclusive prices: the amount already holds
    the tax, so base = round(amount ÷ (1 + rate)) and tax = amount − base. Neither is ever negative.
    """
    if amount < 0:
        raise TaxError.negative_amount()
    if rate < 0:
        raise TaxError.negative_rate()
    amount = round_amount(amount)
    with localcontext(prec=40):  # the quotient is exact to far below a minor unit before it is rounded
        if inclusive:
            base = round_amount(amount * HUNDRED / (HUNDRED + rate))
            return base, amount - base
        return amount, round_amount(amount * rate / HUNDRED)


@dataclass(frozen=True)
class Rate:
    """A rate as applied: the name shoppers read ("NY sales tax") and the percentage (8.875)."""

    name: str
    rate: Decimal


@dataclass(frozen=True)
class TaxableLine:
    """One line of a cart or order: `key` is the caller's (a line's pk), given back as is; `amount` is
    what the line costs after discounts, as prices are entered (with or without tax, per the store)."""

    key: str
    amount: Decimal


@dataclass(frozen=True)
class LineTax:
    """The tax of one line (or of the shipping): `base` + `tax` is what the shopper pays for it."""

    key: str
    base: Decimal
    tax: Decimal
    rate: Rate | None  # None: no rate applies (tax 0)

    def __post_init__(self) -> None:
        if self.base < 0 or self.tax < 0 or (self.rate is None and self.tax):  # from a provider of our own or not
            raise TaxError.bad_result(self.key)

    @property
    def total(self) -> Decimal:
        return self.base + self.tax


@dataclass(frozen=True)
class TaxLine:
    """One rate's share of an order, as the order stores it: a later change of the rate alters nothing."""

    name: str
    rate: Decimal
    base: Decimal
    amount: Decimal

    @property
    def label(self) -> str:
        """The line as pages name it: "NY sales tax (8.875%)", "Sales tax (8%)"."""
        return f"{self.name} ({self.rate.normalize():f}%)"


@dataclass(frozen=True)
class TaxResult:
    """What a provider answers: the tax of each line and of the shipping, and the order's tax lines."""

    lines: tuple[LineTax, ...]
    shipping: LineTax
    tax_lines: tuple[TaxLine, ...]
    prices_include_tax: bool

    @property
    def tax(self) -> Decimal:
        """All the tax, lines and shipping."""
        return sum((line.tax for line in (*self.lines, self.shipping)), ZERO)

    @property
    def net(self) -> Decimal:
        """Lines and shipping without tax."""
        return sum((line.base for line in (*self.lines, self.shipping)), ZERO)

    @property
    def total(self) -> Decimal:
        """What the shopper pays for the lines and the shipping, tax included."""
        return self.net + self.tax

    def line(self, key: str) -> LineTax:
        """The tax of the line given with `key` (KeyError for a key that was not given)."""
        return {line.key: line for line in self.lines}[key]


def tax_result(
    lines: Sequence[tuple[TaxableLine, Rate | None]],
    shipping: Decimal,
    shipping_rate: Rate | None,
    *,
    prices_include_tax: bool,
) -> TaxResult:
    """The result of taxing each line (and the shipping) at the rate given for it, grouped by rate.

    The shipping is read as the prices are: with its tax inside when prices include tax. For
    providers: the rate table gives every line its address's rate; another may differ per line.
    """
    taxed = [_taxed(line.key, line.amount, rate, prices_include_tax) for line, rate in lines]
    shipping_tax = _taxed(SHIPPING, shipping, shipping_rate, prices_include_tax)
    groups: dict[Rate, TaxLine] = {}
    for line in (*taxed, shipping_tax):
        if line.rate is None:
            continue
        group = groups.get(line.rate, TaxLine(line.rate.name, line.rate.rate, ZERO, ZERO))
        groups[line.rate] = TaxLine(group.name, group.rate, group.base + line.base, group.amount + line.tax)
    return TaxResult(tuple(taxed), shipping_tax, tuple(groups.values()), prices_include_tax)


def _taxed(key: str, amount: Decimal, rate: Rate | None, inclusive: bool) -> LineTax:
    base, tax = line_tax(amount, rate.rate if rate else ZERO, inclusive=inclusive)
    return LineTax(key, base, tax, rate)
