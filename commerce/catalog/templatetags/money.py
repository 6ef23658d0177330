"""`money` filter: an amount shown in the store's currency and locale (commerce/money.py); a sale price
with the price before the sale struck through."""

from decimal import Decimal
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from commerce.money import format_money

register = template.Library()


@register.filter
def money(amount: Decimal | int | None, currency: str | None = None) -> str:
    """`{{ price|money }}` -> "$12.50" ("¥1,200" in a JPY store); `{{ x|money:payment.currency }}` for another."""
    return format_money(amount, currency or None)


@register.simple_tag
def sale_price(price: Decimal, was: Decimal | None = None, before: str = "") -> SafeString:
    """`{% sale_price variant.price variant.compare_at_price %}`: the price, after the price before the
    sale struck through when there is one. `<s>` is silent in most screen readers, so they are told
    "Was ... now ..." in words. `before` goes just before the price ("from ")."""
    now = format_html("{}{}", before, format_money(price))
    if was is None or was <= price:
        return now
    return format_html(
        '<s class="price-was"><span class="visually-hidden">Was </span>{}</s>'
        ' <span class="visually-hidden">now </span>{}',
        format_money(was),
        now,
    )


@register.filter
def was_from(product: Any) -> Decimal | None:
    """The price before the sale of a listed product's cheapest option, when that option is on sale:
    the card's "from" price is then shown as a sale. Reads the listing's prefetched variants."""
    cheapest = [
        v.compare_at_price for v in product.variants.all() if v.price == product.min_price and v.compare_at_price
    ]
    return max(cheapest, default=None)
