"""Stock moves. Callers own the transaction of a sale or a return (conditional updates only); a staff
adjustment (`stock_adjust`) is a transaction of its own."""

import logging
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import F

from commerce.accounts.models import User
from commerce.catalog.live import stock_publish
from commerce.catalog.models import Variant
from commerce.search.services import search_stock_sync_on_commit

from .errors import OutOfStock, StockError

logger = logging.getLogger(__name__)


def stock_take(*, quantities: Iterable[tuple[int, int]]) -> None:
    """Take `(variant_pk, quantity)` pairs from stock, in variant-pk order, or raise OutOfStock.

    Each take is `UPDATE ... SET stock = stock - q WHERE pk = v AND stock >= q AND active`:
    the row lock it takes serializes buyers of one variant, and the pk order means two
    checkouts of the same variants never wait on each other in a cycle. Must run inside
    a transaction, so that a failure on a later line rolls back the earlier ones.

    The filter must stay on the variant's own columns (written as SQL, see `_TAKE`): with a
    join Django would emit `WHERE pk IN (subquery)`, and PostgreSQL re-checks only the outer
    condition after waiting for a concurrent buyer's lock, so `stock >= q` would not be re-checked.
    """
    pairs = sorted(quantities)
    sold_out: list[int] = []
    for variant_pk, quantity in pairs:
        left = _move(_TAKE, quantity, variant_pk, quantity)
        if left is None:
            variant = Variant.objects.select_related("product").filter(pk=variant_pk).first()
            raise OutOfStock(
                variant_pk=variant_pk,
                name=str(variant) if variant else "An item",
                wanted=quantity,
                available=variant.stock if variant and variant.is_active else 0,
            )
        if left == 0:
            sold_out.append(variant_pk)
    stock_moved([pk for pk, _ in pairs], availability_changed=sold_out)


def stock_return(*, quantities: Iterable[tuple[int, int]]) -> None:
    """Give `(variant_pk, quantity)` pairs back to stock, in variant-pk order."""
    pairs = sorted(quantities)
    back_in_stock: list[int] = []
    for variant_pk, quantity in pairs:
        if _move(_RETURN, quantity, variant_pk) == quantity:
            back_in_stock.append(variant_pk)
    stock_moved([pk for pk, _ in pairs], availability_changed=back_in_stock)


def stock_moved(variant_pks: list[int], *, availability_changed: list[int]) -> None:
    """After commit: push the new figures to the pages showing them, and tell search of the
    variants whose stock reached or left zero (their products' "in stock" flag may flip)."""
    stock_publish(variant_pks)
    search_stock_sync_on_commit(variant_pks=availability_changed)


STOCK_MAX = 2_147_483_647  # the column's limit (a PostgreSQL integer)


def stock_adjust(*, variant: Variant, delta: int, actor: User | None = None, reason: str = "") -> Variant:
    """Add `delta` units (negative: take them) to a variant's stock, as a restock or a count does,
    or raise StockError (422) and change nothing when the stock would go below zero or overflow.

    One conditional `UPDATE ... SET stock = stock + delta WHERE stock + delta >= 0`, so two adjusts at
    once both count. After commit the figure is pushed and the stock listeners (alerts, wishlist,
    the ops panel) and search hear of it, as after an edit in the admin.
    """
    if delta == 0:
        raise StockError("stock_delta", "Give a change of at least one unit, up or down.")
    with transaction.atomic():
        moved = Variant.objects.filter(
            pk=variant.pk, stock__gte=max(-delta, 0), stock__lte=STOCK_MAX - max(delta, 0)
        ).update(stock=F("stock") + delta)
        current = Variant.objects.select_related("product").get(pk=variant.pk)
        if not moved:
            if delta < 0:
                raise StockError(
                    "stock_negative",
                    f"Only {current.stock} of {current} in stock: it cannot go down by {-delta}. Nothing changed.",
                )
            raise StockError("stock_too_large", f"{current} cannot hold that much stock. Nothing changed.")
        before = current.stock - delta
        crossed = (before == 0) != (current.stock == 0)
        stock_moved([current.pk], availability_changed=[current.pk] if crossed else [])
    logger.info(
        "stock adjusted",
        extra={"variant": current.pk, "delta": delta, "actor": actor.pk if actor else None, "reason": reason[:200]},
    )
    return current


# One statement per move, returning the stock left: search only needs to hear of a variant whose
# stock reached or left zero, not of every sale. The table name comes from the model, never from
# input (hence the noqa); the values are parameters.
_TABLE = Variant._meta.db_table
_TAKE = (
    f'UPDATE "{_TABLE}" SET "stock" = "stock" - %s WHERE "id" = %s AND "stock" >= %s AND "is_active" RETURNING "stock"'  # noqa: S608
)
_RETURN = f'UPDATE "{_TABLE}" SET "stock" = "stock" + %s WHERE "id" = %s RETURNING "stock"'  # noqa: S608


def _move(statement: str, *params: int) -> int | None:
    """Run one stock move; the stock left, or None when no row matched."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        row = cursor.fetchone()
    return None if row is None else int(row[0])
