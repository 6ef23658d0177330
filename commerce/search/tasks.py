from celery import shared_task

from . import services
from .errors import SearchUnavailable

# Elasticsearch down: retried with backoff (2 s doubling to 5 min, jittered); the periodic
# consistency check repairs whatever still did not get through.
_sync_task = shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(SearchUnavailable,),
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=8,
)


@_sync_task
def sync_products(product_pks: list[int]) -> int:
    """Index these products as the catalog has them now (idempotent: it re-reads the catalog)."""
    return services.search_products_sync(product_pks=product_pks)


@_sync_task
def sync_stock(variant_pks: list[int]) -> int:
    """Update the in-stock flag of these variants' products (idempotent)."""
    return services.search_stock_sync(variant_pks=variant_pks)


@shared_task(acks_late=True)
def check_consistency() -> dict[str, dict[str, int] | dict[str, str]]:
    """Periodic: repair drift between the catalog and the search indexes."""
    return services.search_index_check().as_dict()
