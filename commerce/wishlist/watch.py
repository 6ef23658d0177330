"""What the wishlist follows of the catalog: stock moves and price edits of saved products.

Both listeners run inside the change's transaction and only queue a check for after its commit
(tasks.wishlist_check), and only for products someone saved: most stock moves (a sale of a product
nobody saved) cost one indexed query here.
"""

from project.enqueue import enqueue_on_commit

from . import tasks
from .models import WishlistItem


def _saved_products(variant_pks: list[int]) -> list[int]:
    saved = WishlistItem.objects.filter(product__variants__pk__in=variant_pks).values_list("product_id", flat=True)
    return sorted(set(saved))


def catalog_changed(variant_pks: list[int]) -> None:
    """Stock moved or a price was edited: check the saved products among these variants after commit."""
    product_pks = _saved_products(variant_pks)
    if product_pks:
        enqueue_on_commit(tasks.wishlist_check, product_pks)


def register() -> None:
    from commerce.catalog.live import on_price_change, on_stock_change

    on_stock_change(catalog_changed)
    on_price_change(catalog_changed)
