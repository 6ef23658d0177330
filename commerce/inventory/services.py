"""Stock moves. Callers own the transaction; these only issue conditional updates."""

from collections.abc import Iterable

from django.db.models import F

from commerce.catalog.live import stock_publish
from commerce.catalog.models import Variant
from commerce.search.services import search_stock_sync_on_commit

from .errors import OutOfStock


def stock_take(*, quantities: Iterable[tuple[int, int]]) -> None:
    """Take `(variant_pk, quantity)` pairs from stock, in variant-pk order, or raise OutOfStock.

    Each take is `UPDATE ... SET stock = stock - q WHERE pk = v AND stock >= q AND active`:
    the row lock it takes serializes buyers of one variant, and the pk order means two
    checkouts of the same variants never wait on each other in a cycle. Must run inside
    a transaction, so that a failure on a later line rolls back the earlier ones.

    The filter must stay on the variant's own columns: a join would make Django emit
    `WHERE pk IN (subquery)`, and PostgreSQL re-checks only the outer condition after
    waiting for a concurrent buyer's lock, so `stock >= q` would not be re-checked.
    """
    pairs = sorted(quantities)
    for variant_pk, quantity in pairs:
        taken = Variant.objects.filter(pk=variant_pk, stock__gte=quantity, is_active=True).update(
            stock=F("stock") - quantity
        )
        if taken != 1:
            variant = Variant.objects.select_related("product").filter(pk=variant_pk).first()
            raise OutOfStock(
                variant_pk=variant_pk,
                name=str(variant) if variant else "An item",
                wanted=quantity,
                available=variant.stock if variant and variant.is_active else 0,
            )
    stock_publish([pk for pk, _ in pairs])
    search_stock_sync_on_commit(variant_pks=[pk for pk, _ in pairs])


def stock_return(*, quantities: Iterable[tuple[int, int]]) -> None:
    """Give `(variant_pk, quantity)` pairs back to stock, in variant-pk order."""
    pairs = sorted(quantities)
    for variant_pk, quantity in pairs:
        Variant.objects.filter(pk=variant_pk).update(stock=F("stock") + quantity)
    stock_publish([pk for pk, _ in pairs])
    search_stock_sync_on_commit(variant_pks=[pk for pk, _ in pairs])
