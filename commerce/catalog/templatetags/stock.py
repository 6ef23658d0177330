"""`{% stock_badge variant %}`: a variant's live stock figure, `#stock-<pk>` with `data-stock`;
`{% sold_out_or product "when sold out" "otherwise" %}`: text that depends on whether any of a
product's options is in stock (the card's class, its "Sold out" label).

Written in Python rather than as included templates: a product list shows dozens of them, and
the live push renders the same markup (`commerce.catalog.live.stock_fragment`).

Rendered with `stock_later` in the context (the product list's cached grid, the product page's
cached body), they leave a mark
instead, and `fill_stock()` writes the figures of the moment into the marks on every request:
the grid is cached until the catalog changes, its stock never is. A mark is delimited by NUL,
which no text from the database or a form can hold.
"""

import functools
import re
from typing import Any

from django import template
from django.db import connection
from django.utils.safestring import SafeString, mark_safe

from commerce.catalog.models import Variant, stock_level

register = template.Library()
OOB = mark_safe(' hx-swap-oob="true"')  # noqa: S308 - a constant


def stock_badge_html(variant: Variant, *, oob: bool = False) -> SafeString:
    return badge(variant.pk, variant.stock, oob=oob)


def badge(pk: int, stock: int, *, oob: bool = False) -> SafeString:
    """The badge from two integers (nothing to escape): cheap enough to write dozens per request."""
    pk, stock = int(pk), int(stock)
    level = stock_level(stock)
    text = "Sold out" if level == "out" else f"Only {stock} left" if level == "low" else "In stock"
    swap = OOB if oob else ""
    return mark_safe(f'<span id="stock-{pk}" class="stock stock--{level}" data-stock="{stock}"{swap}>{text}</span>')  # noqa: S308


@register.simple_tag(takes_context=True)
def stock_badge(context: template.Context, variant: Variant, oob: bool = False) -> SafeString:
    if context.get("stock_later"):
        return mark_safe(f"\x00stock:{variant.pk}\x00")  # noqa: S308 - an int
    return stock_badge_html(variant, oob=bool(oob))


@register.simple_tag(takes_context=True)
def sold_out_or(context: template.Context, product: Any, when_sold_out: str, otherwise: str = "") -> SafeString:
    """`when_sold_out` if the product's stock total is 0, else `otherwise` (constants from a template)."""
    if context.get("stock_later"):
        return mark_safe(f"\x00product:{product.pk}:{when_sold_out}:{otherwise}\x00")  # noqa: S308
    return mark_safe(when_sold_out if product.total_stock == 0 else otherwise)  # noqa: S308


@register.simple_tag(takes_context=True)
def variant_out_or(context: template.Context, variant: Variant, when_out: str, otherwise: str = "") -> SafeString:
    """`when_out` if this option is sold out, else `otherwise` (constants from a template)."""
    if context.get("stock_later"):
        return mark_safe(f"\x00variant:{variant.pk}:{when_out}:{otherwise}\x00")  # noqa: S308
    return mark_safe(when_out if variant.is_sold_out else otherwise)  # noqa: S308


@register.simple_tag
def selected_mark(variant: Variant) -> SafeString:
    """` checked` on the product's first option in stock (filled by `fill_stock`; product page only)."""
    return mark_safe(f"\x00selected:{variant.pk}\x00")  # noqa: S308 - an int


@register.simple_tag
def request_mark(name: str) -> SafeString:
    """Where each request writes its own into a shared part: `csrf` (the form's field), `next` (the page's address)."""
    return mark_safe(f"\x00request:{name}\x00")  # noqa: S308 - a constant from a template


MARK = re.compile("\x00(stock|product|variant|selected):(\\d+)(?::([^:\x00]*):([^:\x00]*))?\x00")


def fill_stock(html: str, variants_by_product: dict[int, list[int]], *, stock: dict[int, int] | None = None) -> str:
    """Write the current stock into a part rendered with `stock_later`: one query for all (none when
    the caller read the `stock` figures of these variants already).

    `variants_by_product` lists each product's options in the order shown: the first in stock is
    the one a `selected_mark` checks."""
    if stock is None:
        stock = stock_figures([pk for variants in variants_by_product.values() for pk in variants])
    totals = {product: sum(stock.get(pk, 0) for pk in variants) for product, variants in variants_by_product.items()}
    selected = {
        next((pk for pk in variants if stock.get(pk, 0) > 0), None) for variants in variants_by_product.values()
    }

    def fill(kind: str, pk: int, when: str, otherwise: str) -> str:
        if kind == "stock":
            return badge(pk, stock.get(pk, 0))
        if kind == "selected":
            return " checked" if pk in selected else ""
        if kind == "variant":
            return when if stock.get(pk, 0) <= 0 else otherwise
        return when if totals.get(pk, 0) == 0 else otherwise

    texts, marks = _parts(html)
    out = [texts[0]]
    for mark, text in zip(marks, texts[1:], strict=True):
        out += (fill(*mark), text)
    return "".join(out)


@functools.lru_cache(maxsize=256)
def _parts(html: str) -> tuple[list[str], list[tuple[str, int, str, str]]]:
    """The text between the marks and the marks, found once per part (a kept part is the same
    string object on every request: its hash is computed once too)."""
    pieces = MARK.split(html)  # text, then kind, pk, when, otherwise, text, ... per mark
    marks = [
        (pieces[i], int(pieces[i + 1]), pieces[i + 2] or "", pieces[i + 3] or "") for i in range(1, len(pieces), 5)
    ]
    return pieces[0::5], marks


def stock_figures(variant_pks: list[int]) -> dict[int, int]:
    """The stock of these variants now, by pk. In SQL: this runs on every product list, and the
    ORM takes several times longer to build and read it than the database to answer it."""
    if not variant_pks:
        return {}
    table = connection.ops.quote_name(Variant._meta.db_table)
    params: list[Any]
    if connection.vendor == "postgresql":
        # One array parameter: the statement's text is the same for every page, so psycopg
        # converts it once, not once per request with a placeholder per variant.
        # The array as one text parameter: nothing for the driver to convert element by element.
        where, params = "id = ANY(%s::bigint[])", ["{" + ",".join(str(int(pk)) for pk in variant_pks) + "}"]
    else:
        where, params = f"id IN ({', '.join(['%s'] * len(variant_pks))})", list(variant_pks)
    sql = f"SELECT id, stock FROM {table} WHERE {where}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {int(pk): int(stock) for pk, stock in cursor.fetchall()}
