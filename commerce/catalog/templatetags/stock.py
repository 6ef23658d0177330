"""`{% stock_badge variant %}`: a variant's live stock figure, `#stock-<pk>` with `data-stock`.

Written in Python rather than as an included template: a product list shows dozens of them,
and the live push renders the same markup (`commerce.catalog.live.stock_fragment`).
"""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from commerce.catalog.models import Variant

register = template.Library()
OOB = mark_safe(' hx-swap-oob="true"')  # noqa: S308 - a constant


def stock_badge_html(variant: Variant, *, oob: bool = False) -> SafeString:
    if variant.is_sold_out:
        css, text = "stock--out", "Sold out"
    elif variant.is_low:
        css, text = "stock--low", f"Only {variant.stock} left"
    else:
        css, text = "stock--in", "In stock"
    return format_html(
        '<span id="stock-{}" class="stock {}" data-stock="{}"{}>{}</span>',
        variant.pk,
        css,
        variant.stock,
        OOB if oob else "",
        text,
    )


@register.simple_tag
def stock_badge(variant: Variant, oob: bool = False) -> SafeString:
    return stock_badge_html(variant, oob=bool(oob))
