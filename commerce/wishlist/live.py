"""The live price on /wishlist/: the `wishlist_price.<product>` topic, public like stock figures.

A price edit in the admin (commerce.catalog.live.on_price_change) pushes the product's price and
each option's, out of band, to the wishlist pages showing it; a reconnect gets the same snapshot.
"""

from django.db.models import Max, Min, Prefetch, Q
from django.template.loader import render_to_string

from commerce.catalog.models import Product, Variant
from realtime import topics
from realtime.broadcast import publish_state_on_commit


def price_topic(product_pk: int) -> str:
    return f"wishlist_price.{product_pk}"


def price_snapshot(key: str) -> str | None:
    """`#price-<product>` and each option's `#variant-price-<variant>`, swapped out of band."""
    if not key.isdigit():
        return None
    active = Q(variants__is_active=True)
    product = (
        Product.objects.live()
        .filter(pk=int(key))
        .annotate(min_price=Min("variants__price", filter=active), max_price=Max("variants__price", filter=active))
        .filter(min_price__isnull=False)
        .prefetch_related(Prefetch("variants", queryset=Variant.objects.filter(is_active=True)))
        .first()
    )
    if product is None:
        return None
    return render_to_string("wishlist/_prices.html", {"product": product, "oob": True})


def prices_changed(variant_pks: list[int]) -> None:
    """Staff changed these options' prices: push their products' prices after commit."""
    product_pks = Variant.objects.filter(pk__in=variant_pks).values_list("product_id", flat=True)
    for product_pk in sorted(set(product_pks)):
        publish_state_on_commit(price_topic(product_pk))


def register() -> None:
    from commerce.catalog.live import on_price_change

    topics.register("wishlist_price", price_snapshot, allowed=topics.public)
    on_price_change(prices_changed)
