"""The recommendations' parts of other areas' pages (commerce/page_sections.py): below a product,
below the cart."""

from django.http import HttpRequest
from django.template.loader import render_to_string

from commerce.page_sections import Part

from .selectors import recommended_for

# A product page always carries the hook (ARCHITECTURE.md's public contract), empty and hidden when
# nothing is in stock to show.
EMPTY = Part(html='<section id="recommendations" class="recommendations" hidden></section>')


def _part(product_pks: list[int]) -> Part | None:
    shown = recommended_for(product_pks)
    if not shown.cards:
        return None
    return Part(html=render_to_string("recommendations/_section.html", {"shown": shown}), topics=shown.topics)


def product_after(request: HttpRequest, *, product: int, variants: list[int]) -> Part:
    """`#recommendations` below a product: bought with it, else like it; empty and hidden when none is in stock."""
    return _part([product]) or EMPTY


def cart_after(request: HttpRequest, *, variants: list[int], products: list[int]) -> Part | None:
    """`#recommendations` below the cart, for its products together; nothing for an empty cart."""
    return _part(products) if products else None
