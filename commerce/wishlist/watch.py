"""What the wishlist follows of the catalog: stock moves and price edits of saved products.

The listeners are called inside the change's transaction, and send nothing to the database there:
a checkout's stock move runs no query of its own in its block (commerce/orders/checkout_sql.py).
After the commit one indexed query finds the saved products among the variants moved, and only if
there are some is a check queued (tasks.wishlist_check).
"""

from functools import partial

from django.db import transaction

from project.enqueue import enqueue_on_commit

from . import tasks
from .models import WishlistItem


def _check_saved(variant_pks: list[int]) -> None:
    saved = WishlistItem.objects.filter(product__variants__pk__in=variant_pks).values_list("product_id", flat=True)
    product_pks = sorted(set(saved))
    if product_pks:
        enqueue_on_commit(tasks.wishlist_check, product_pks)


def catalog_changed(variant_pks: list[int]) -> None:
    """Stock moved or a price was edited: check the saved products among these variants after commit."""
    if variant_pks:
        transaction.on_commit(partial(_check_saved, list(variant_pks)))


def register() -> None:
    from commerce.catalog.live import on_price_change, on_stock_change

    on_stock_change(catalog_changed)
    on_price_change(catalog_changed)
