"""Telling savers of a product that its price dropped or that it is back in stock (if they opted in).

Run by a task after stock or a price changed (commerce/wishlist/watch.py). Each saved item is
looked at under its own lock, and its counters name each notice (`wishlist:<item>:back:<n>`), so
a check run twice, or two checks at once, tell each change once.
"""

from decimal import Decimal

from django.conf import settings
from django.db import transaction

from commerce.catalog.models import Product
from commerce.money import format_money
from commerce.notifications.models import Event
from commerce.notifications.services import notify

from .models import WishlistItem
from .selectors import ProductState, product_states


def wishlist_products_check(*, product_pks: list[int]) -> int:
    """Compare each saved item of these products with the product now; returns how many were told."""
    told = 0
    states = product_states(product_pks)
    products = Product.objects.in_bulk(list(states))
    for product_pk, state in sorted(states.items()):
        product = products[product_pk]
        told += _price_check(product, state) + _stock_check(product, state)
    return told


def _price_check(product: Product, state: ProductState) -> int:
    told = 0
    candidates = WishlistItem.objects.filter(product=product).exclude(price_seen=state.low)
    for pk in candidates.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            item = WishlistItem.objects.select_for_update().select_related("user").filter(pk=pk).first()
            if item is None or item.price_seen == state.low:
                continue
            was = item.price_seen
            dropped = was is not None and state.low < was
            item.price_seen = state.low  # a rise too: a later drop is measured from the price of now
            if dropped:
                item.price_drops += 1
            item.save(update_fields=["price_seen", "price_drops"])
            if dropped and was is not None:
                told += _tell_price(item, product, was=was, now=state.low)
    return told


def _stock_check(product: Product, state: ProductState) -> int:
    items = WishlistItem.objects.filter(product=product)
    if state.stock <= 0:
        items.filter(waiting_restock=False).update(waiting_restock=True)
        return 0
    told = 0
    for pk in items.filter(waiting_restock=True).order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            item = WishlistItem.objects.select_for_update().select_related("user").filter(pk=pk).first()
            if item is None or not item.waiting_restock:
                continue
            item.waiting_restock = False
            item.restocks += 1
            item.save(update_fields=["waiting_restock", "restocks"])
            told += _tell_back(item, product)
    return told


def _url(product: Product) -> str:
    return str(settings.SITE_URL).rstrip("/") + product.get_absolute_url()


def _tell_price(item: WishlistItem, product: Product, *, was: Decimal, now: Decimal) -> int:
    rows = notify(
        user=item.user,
        email=item.user.email,
        event=Event.WISHLIST_PRICE_DROP,
        key=f"wishlist:{item.pk}:price:{item.price_drops}",
        subject=f"Price drop: {product.name}",
        template="wishlist/notify/price_drop",
        context={
            "headline": f"{product.name} costs less now",
            "sentence": f"A product you saved is now from {format_money(now)} (it was {format_money(was)}).",
            "product_name": product.name,
            "price_now": format_money(now),
            "price_was": format_money(was),
            "product_url": _url(product),
        },
    )
    return 1 if rows else 0


def _tell_back(item: WishlistItem, product: Product) -> int:
    rows = notify(
        user=item.user,
        email=item.user.email,
        event=Event.WISHLIST_BACK_IN_STOCK,
        key=f"wishlist:{item.pk}:back:{item.restocks}",
        subject=f"Back in stock: {product.name}",
        template="wishlist/notify/back_in_stock",
        context={
            "headline": f"{product.name} is back in stock",
            "sentence": "A product you saved can be bought again, while stock lasts.",
            "product_name": product.name,
            "product_url": _url(product),
        },
    )
    return 1 if rows else 0
