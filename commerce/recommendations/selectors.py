"""Reads of recommendations: what to show beside a product or a cart, cheap on every request.

Per product, its candidates are found once per catalog version and kept in the catalog's cache
(commerce/catalog/cache.py): up to CANDIDATES others most often bought with it (the co-purchase
table, services.py), up to CANDIDATES of its category nearest in price (the fallback), and each
candidate's card, rendered. Computing the table again moves the catalog version when it changed
anything, so new lists show. Stock is not in the version (a sale does not move it): each request
reads the candidates' stock in one small query, drops those sold out and writes the figures of
the cards shown (hidden, kept live by the `stock.<variant>` topics the page then follows: a card
sold out while the page is open says so, as the catalog's cards do).
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from itertools import zip_longest
from typing import Any

from django.conf import settings
from django.db.models import Exists, F, Min, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Abs
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from commerce.catalog import cache as catalog_cache
from commerce.catalog.models import Product, ProductImage, Variant
from commerce.catalog.templatetags.stock import badge, stock_figures

from .models import CoPurchase

SHOWN = 4  # cards shown
CANDIDATES = 12  # kept per product and kind: room for some to sell out
FIGURES = "\x00figures\x00"  # where a kept card gets its options' stock figures (NUL: in no text)


@dataclass(frozen=True)
class Recommended:
    cards: list[str]  # rendered cards, in the order shown
    bought_together: bool  # at least one comes from co-purchases: "Customers also bought"
    topics: list[str]  # the shown options' stock, for the page to follow


def recommended_for(product_pks: Iterable[int], *, limit: int = SHOWN) -> Recommended:
    """Up to `limit` live, in-stock products to show beside these (a product page's one, a cart's):
    first the most often bought with them (counts summed over them, then name and pk), then those
    of their categories nearest in price; never one of them."""
    own = list(dict.fromkeys(product_pks))
    entries = [product_candidates(pk) for pk in own]
    cards: dict[int, dict[str, Any]] = {}
    for entry in entries:
        cards.update(entry["cards"])
    exclude = set(own)
    scores: dict[int, int] = {}
    for entry in entries:
        for pk, orders in entry["bought"]:
            if pk not in exclude:
                scores[pk] = scores.get(pk, 0) + orders
    bought = sorted(scores, key=lambda pk: (-scores[pk], cards[pk]["name"], pk))[:CANDIDATES]
    # Each product's nearest in turn: a cart of a mug and a tee is shown some of each.
    turns = (pk for row in zip_longest(*(entry["similar"] for entry in entries)) for pk in row if pk is not None)
    similar = [pk for pk in dict.fromkeys(turns) if pk not in exclude and pk not in bought][:CANDIDATES]

    considered = bought + similar
    stock = stock_figures([v for pk in considered for v in cards[pk]["variants"]])

    def in_stock(pk: int) -> bool:
        return sum(stock.get(v, 0) for v in cards[pk]["variants"]) > 0

    chosen = [pk for pk in bought if in_stock(pk)][:limit]
    together = bool(chosen)
    chosen += [pk for pk in similar if in_stock(pk)][: limit - len(chosen)]
    shown = [
        cards[pk]["html"].replace(FIGURES, "".join(badge(v, stock.get(v, 0)) for v in cards[pk]["variants"]))
        for pk in chosen
    ]
    topics = [f"stock.{v}" for pk in chosen for v in cards[pk]["variants"]]
    return Recommended(cards=shown, bought_together=together, topics=topics)


def product_candidates(product_pk: int) -> dict[str, Any]:
    """The product's candidates and their cards, from the cache while the catalog is unchanged:
    `bought` [(pk, orders)], `similar` [pk], `cards` {pk: {"name", "variants", "html"}}."""
    version = catalog_cache.catalog_version() if catalog_cache.enabled() else None  # before any query
    if version is None:
        return _candidates(product_pk)
    key = f"recommendations:{version}:{catalog_cache.layout_tag()}:{layout_tag()}:{product_pk}"
    return catalog_cache.get_or_make(key, lambda: _candidates(product_pk), keep=lambda entry: True)


def _shown() -> QuerySet[Product]:
    """Live products with an active option, and the price of their cheapest."""
    return (
        Product.objects.live()
        .annotate(min_price=Min("variants__price", filter=Q(variants__is_active=True)))
        .filter(min_price__isnull=False)
    )


def _candidates(product_pk: int) -> dict[str, Any]:
    product = (
        Product.objects.live()
        .filter(pk=product_pk)
        .annotate(min_price=Min("variants__price", filter=Q(variants__is_active=True)))
        .filter(min_price__isnull=False)
        .values("category_id", "min_price")
        .first()
    )
    if product is None:  # hidden, deleted or without options: nothing to go with
        return {"bought": [], "similar": [], "cards": {}}
    buyable = Exists(Variant.objects.filter(product=OuterRef("other_id"), is_active=True))
    bought = list(
        CoPurchase.objects.filter(
            buyable, product_id=product_pk, other__deleted_at__isnull=True, other__is_published=True
        )
        .order_by("-orders", "other__name", "other_id")
        .values_list("other_id", "orders")[:CANDIDATES]
    )
    price = Value(Decimal(product["min_price"]))
    similar = list(
        _shown()
        .filter(category_id=product["category_id"])
        .exclude(pk=product_pk)
        .annotate(distance=Abs(F("min_price") - price))
        .order_by("distance", "name", "pk")
        .values_list("pk", flat=True)[:CANDIDATES]
    )
    shown = _shown().prefetch_related(
        Prefetch("images", queryset=ProductImage.objects.order_by("position", "pk")),
        Prefetch("variants", queryset=Variant.objects.filter(is_active=True).order_by("position", "pk")),
    )
    cards = {
        p.pk: {
            "name": p.name,
            "variants": [v.pk for v in p.variants.all()],
            "html": render_to_string("recommendations/_card.html", {"product": p, "figures": mark_safe(FIGURES)}),  # noqa: S308
        }
        for p in shown.filter(pk__in={pk for pk, _ in bought} | set(similar))
    }
    # A product hidden between these queries has no card: it is not a candidate either.
    return {
        "bought": [(pk, orders) for pk, orders in bought if pk in cards],
        "similar": [pk for pk in similar if pk in cards],
        "cards": cards,
    }


@cache
def layout_tag() -> str:
    """A digest of the card's template: a deploy with another card uses other keys."""
    card = settings.BASE_DIR / "templates" / "recommendations" / "_card.html"
    return hashlib.sha256(card.read_bytes()).hexdigest()[:12]
