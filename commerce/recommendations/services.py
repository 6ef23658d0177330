"""Writes of recommendations: the co-purchase table, counted again from the paid orders.

Set-based SQL that runs the same on PostgreSQL and SQLite (the embedded mode): the pairs of
distinct products of each paid order, counted, compared with the table; only the rows that
differ are deleted and inserted, so a run that finds nothing new writes nothing and leaves the
cached recommendations alone.
"""

import zlib
from typing import NamedTuple

from django.db import connection, transaction
from django.utils import timezone

from commerce.catalog.cache import catalog_changed_on_commit
from commerce.catalog.models import Variant
from commerce.orders.models import Order, OrderLine

from .models import CoPurchase

# What counts as bought: paid and not given back (pending, cancelled and refunded orders do not).
COUNTED_STATUSES = (Order.Status.PAID, Order.Status.PACKED, Order.Status.SHIPPED, Order.Status.DELIVERED)
# Two runs at once (beat's and a manual one) take turns: the second then sees the first's rows.
LOCK_KEY = zlib.crc32(b"recommendations_compute")


class Computed(NamedTuple):
    removed: int  # rows gone or with another count
    added: int  # rows new or with another count

    @property
    def changed(self) -> bool:
        return bool(self.removed or self.added)


def _pairs() -> tuple[str, list[str]]:
    """`WITH bought, pairs`: each paid order's distinct products (options of one product are the
    product), and each ordered pair of them with how many orders hold both."""
    quote = connection.ops.quote_name
    order, line, variant = (quote(m._meta.db_table) for m in (Order, OrderLine, Variant))
    marks = ", ".join(["%s"] * len(COUNTED_STATUSES))
    sql = f"""WITH bought AS (
            SELECT DISTINCT l.order_id AS order_id, v.product_id AS product_id
            FROM {line} l
            JOIN {order} o ON o.id = l.order_id
            JOIN {variant} v ON v.id = l.variant_id
            WHERE o.status IN ({marks})
        ), pairs AS (
            SELECT a.product_id AS product_id, b.product_id AS other_id, COUNT(*) AS orders
            FROM bought a JOIN bought b ON b.order_id = a.order_id AND b.product_id <> a.product_id
            GROUP BY a.product_id, b.product_id
        )"""  # noqa: S608 - table names from the models, values as parameters
    return sql, [str(status) for status in COUNTED_STATUSES]


@transaction.atomic
def recommendations_compute() -> Computed:
    """Count again, over paid orders, how often each two products were bought together, and make
    the table say so; the recommendations shown move on after commit when anything changed."""
    table = connection.ops.quote_name(CoPurchase._meta.db_table)
    pairs, params = _pairs()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        # SQLite needs no lock: its IMMEDIATE transactions write one at a time.
        cursor.execute(
            f"""{pairs}
            DELETE FROM {table} WHERE NOT EXISTS (
                SELECT 1 FROM pairs p WHERE p.product_id = {table}.product_id
                AND p.other_id = {table}.other_id AND p.orders = {table}.orders
            )""",  # noqa: S608
            params,
        )
        removed = cursor.rowcount
        cursor.execute(
            f"""{pairs}
            INSERT INTO {table} (product_id, other_id, orders, computed_at)
            SELECT p.product_id, p.other_id, p.orders, %s FROM pairs p
            WHERE NOT EXISTS (SELECT 1 FROM {table} c WHERE c.product_id = p.product_id AND c.other_id = p.other_id)
            """,  # noqa: S608
            [*params, connection.ops.adapt_datetimefield_value(timezone.now())],
        )
        added = cursor.rowcount
    computed = Computed(removed=max(removed, 0), added=max(added, 0))
    if computed.changed:
        catalog_changed_on_commit()  # the cached lists (selectors.py) are kept under the catalog version
    return computed
