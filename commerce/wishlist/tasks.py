from celery import shared_task

from .notices import wishlist_products_check


@shared_task(acks_late=True)
def wishlist_check(product_pks: list[int]) -> int:
    """After stock or a price changed: tell the savers of these products who asked (safe to run twice)."""
    return wishlist_products_check(product_pks=[int(pk) for pk in product_pks])
