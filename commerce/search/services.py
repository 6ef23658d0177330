"""Writes to the search indexes: sync after commit, availability after a sale, rebuild, repair.

The database index (SearchDocument) is always kept, so that search can fall back to it;
the Elasticsearch index is kept as well when ELASTICSEARCH_URL is set. The catalog is the
truth: every write re-reads it, so running one twice, or late, does no harm.
"""

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from project.enqueue import enqueue_on_commit

from . import backends, tasks
from .backends.base import SearchBackend
from .documents import batched, product_availability, product_documents, searchable_products
from .errors import SearchUnavailable

logger = logging.getLogger(__name__)

Progress = Callable[[int], None]


def _indexes() -> list[SearchBackend]:
    """Every index to write: the database one, then Elasticsearch when configured."""
    es = backends.elasticsearch()
    return [backends.database(), *([es] if es else [])]


def search_products_sync_on_commit(*, product_pks: Iterable[int]) -> None:
    """After commit, queue a re-index of these products (their names, prices, categories changed, or they went)."""
    pks = sorted(set(product_pks))
    if pks:
        enqueue_on_commit(tasks.sync_products, pks)


def search_stock_sync_on_commit(*, variant_pks: Iterable[int]) -> None:
    """After commit, queue an availability update for the products of these variants (a sale, a restock)."""
    pks = sorted(set(variant_pks))
    if pks:
        enqueue_on_commit(tasks.sync_stock, pks)


def search_products_sync(*, product_pks: Sequence[int]) -> int:
    """Index these products as the catalog has them now; remove those no longer searchable.

    Raises SearchUnavailable when Elasticsearch fails (the database index is written first).
    """
    documents = list(product_documents(product_pks))
    gone = set(product_pks) - {d.pk for d in documents}
    for index in _indexes():
        index.index(documents)
        if gone:
            index.remove(gone)
    return len(documents)


def search_stock_sync(*, variant_pks: Sequence[int]) -> int:
    """Set the in-stock flag of these variants' products, and nothing else (the cheap update a sale makes)."""
    availability = product_availability(variant_pks=variant_pks)
    if availability:
        for index in _indexes():
            index.update_availability(availability)
    return len(availability)


def search_index_rebuild(*, progress: Callable[[str, int], Progress] | None = None) -> dict[str, int]:
    """Rebuild every index from the catalog; `progress(index_name, total)` returns a callback fed batch sizes."""
    counts: dict[str, int] = {}
    for index in _indexes():
        total = searchable_products().count()
        callback = progress(index.name, total) if progress else (lambda n: None)
        counts[index.name] = index.rebuild(product_documents(), progress=callback)
    return counts


@dataclass
class CheckReport:
    repaired: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, dict[str, int] | dict[str, str]]:
        return {"repaired": self.repaired, "removed": self.removed, "failed": self.failed}


def search_index_check() -> CheckReport:
    """Compare every index with the catalog and repair the drift: missing or stale documents
    are indexed again, documents of products no longer searchable are removed.

    Drift comes from a lost task (broker down at commit), a worker killed mid-write, an index
    written while a rebuild swapped it, or a write made outside the services.
    """
    report = CheckReport()
    indexes = _indexes()
    for index in indexes:
        report.repaired[index.name] = report.removed[index.name] = 0
    expected: set[int] = set()

    def attempt(index: SearchBackend, action: Callable[[], None]) -> None:
        if index.name in report.failed:
            return
        try:
            action()
        except SearchUnavailable as exc:
            report.failed[index.name] = str(exc)

    for batch in batched(product_documents()):
        expected.update(d.pk for d in batch)
        for index in indexes:

            def repair(index: SearchBackend = index, batch: list = batch) -> None:  # type: ignore[type-arg]
                states = index.states([d.pk for d in batch])
                stale = [d.pk for d in batch if states.get(d.pk) != (d.signature, d.in_stock)]
                if stale:  # read again: a sale may have happened since the batch was read
                    index.index(list(product_documents(stale)))
                    report.repaired[index.name] += len(stale)

            attempt(index, repair)

    for index in indexes:

        def prune(index: SearchBackend = index) -> None:
            orphans = {pk for pk in index.indexed_pks() if pk not in expected}
            # A product that became searchable during the check is not an orphan.
            orphans -= set(searchable_products().filter(pk__in=sorted(orphans)).values_list("pk", flat=True))
            if orphans:
                index.remove(orphans)
                report.removed[index.name] += len(orphans)

        attempt(index, prune)

    if any(report.repaired.values()) or any(report.removed.values()) or report.failed:
        logger.warning("search index drift", extra=report.as_dict())
    return report
