"""Settings rows read once per process: a shop's terms (shipping zones and methods, tax rates) are
asked for on every cart and checkout request and changed by staff a few times a year.

A `Snapshot` keeps what its loader read, valid while a version token in Django's cache (Redis in
the services mode, shared by every process) is the token it was read under. Saves and deletes of
its models replace the token after commit (`watch`: post_save/post_delete), so every process reads
the rows again on its next use; a `QuerySet.update()` of them must call `changed_on_commit()`.
The token is random, as the catalog's is (commerce/catalog/cache.py): if it is ever evicted, a new
one never meets a snapshot read under an earlier one.

A snapshot read inside a transaction is not kept (what the transaction sees may be its own writes,
not yet everyone's: an admin form saving a zone, a test); one kept before is used there too, unless
this process has saved a change of the rows since (a save drops the process's copy at once, before
its commit moves the token). When the cache fails, every call reads the database (a Redis outage
costs queries, never an error).

The token is looked at most every SNAPSHOT_CHECK_SECONDS (1 s): one checkout asks for the terms
several times, and a cache GET each time cost more than the rest of the pricing. So another process
sees staff's change up to that long after it commits; the process that made it, at once.
"""

import logging
import time
import uuid
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Model
from django.db.models.signals import post_delete, post_save

from realtime.broadcast import on_commit_once

logger = logging.getLogger(__name__)
T = TypeVar("T")
_all: list["Snapshot[Any]"] = []


class Snapshot(Generic[T]):
    """What `load()` returns, kept per process under the version token `snapshot:<name>`."""

    def __init__(self, name: str, load: Callable[[], T]) -> None:
        self.key = f"snapshot:{name}"
        self.load = load
        # (token, value, when the token was last seen current): replaced whole, so threads read one or another
        self._kept: tuple[str, T, float] | None = None
        _all.append(self)

    def get(self) -> T:
        kept = self._kept
        if kept is not None and time.monotonic() - kept[2] < settings.SNAPSHOT_CHECK_SECONDS:
            return kept[1]
        try:
            token = cache.get(self.key)
            if token is None:
                cache.add(self.key, uuid.uuid4().hex, timeout=None)  # the first comer's token wins
                token = cache.get(self.key)
        except Exception:  # a cache outage must not stop checkout
            logger.warning("snapshot version unavailable", exc_info=True, extra={"snapshot": self.key})
            return self.load()
        if token is not None and kept is not None and kept[0] == token:
            self._kept = (kept[0], kept[1], time.monotonic())
            return kept[1]
        value = self.load()
        if token is not None and not connection.in_atomic_block:
            self._kept = (str(token), value, time.monotonic())
        return value

    def changed(self) -> None:
        """Every process reads the rows again on its next use."""
        self._kept = None
        try:
            cache.set(self.key, uuid.uuid4().hex, timeout=None)
        except Exception:
            logger.warning("snapshot version not replaced", exc_info=True, extra={"snapshot": self.key})

    def changed_on_commit(self, using: str | None = None) -> None:
        on_commit_once(("snapshot", self.key), self.changed, using=using)

    def watch(self, *models: type[Model]) -> None:
        """Saves and deletes of `models` (admin, seed_demo, a shell) replace the token after commit."""

        def on_write(sender: type, using: str | None = None, **kwargs: Any) -> None:
            self._kept = None  # this process: at once, even inside the writing transaction
            self.changed_on_commit(using)

        self._on_write = on_write  # signals hold receivers weakly
        for model in models:
            uid = f"{self.key}-{model._meta.label}"
            post_save.connect(on_write, sender=model, dispatch_uid=f"{uid}-save")
            post_delete.connect(on_write, sender=model, dispatch_uid=f"{uid}-delete")


def snapshots_changed() -> None:
    """Every snapshot is read again (tests: a flush or a rolled-back test moves no token)."""
    for snapshot in _all:
        snapshot.changed()
