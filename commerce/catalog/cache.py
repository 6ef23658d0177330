"""The catalog version, and the shared parts of catalog pages cached under it.

What GET / shows is the same for every shopper except the header, the mini cart, the CSRF
token and the live token: the category filters, the product grid with its prices, and the
stock topics the page follows. Those are rendered once per catalog version and query and kept
in Django's cache (Redis in the services mode). The grid's stock figures are not: the cached
grid holds marks where they go, filled from the database on every request
(`commerce.catalog.templatetags.stock.fill_stock`), so a sale never moves the version.

The version is an opaque token in the cache. Any committed change to a category, product,
variant or image replaces it, after commit (`catalog_changed_on_commit`): the next page load
looks for entries under the new token and renders afresh; entries under older tokens are never
read again and expire. A render reads the version before its queries and stores under the
version it read, so a render that raced a change is stored under a dead token.

Saves and deletes of the catalog models reach here through post_save/post_delete (`connect`),
whatever made them (admin, seed_demo, a shell); `QuerySet.update()` calls must call
`catalog_changed_on_commit` themselves (the admin's delete and restore actions do).
"""

import hashlib
import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache as django_cache
from django.db.models.signals import post_delete, post_save

from realtime.broadcast import on_commit_once

from .models import Category, Product, ProductImage, Variant

logger = logging.getLogger(__name__)

VERSION_KEY = "catalog:version"
# After a cache error, catalog pages are rendered without the cache for this long, instead of
# each request waiting for a Redis that does not answer.
RETRY_AFTER_SECONDS = 30.0
_down_until = 0.0


def enabled() -> bool:
    return settings.CATALOG_CACHE_SECONDS > 0 and time.monotonic() >= _down_until


def _failed(action: str) -> None:
    global _down_until
    _down_until = time.monotonic() + RETRY_AFTER_SECONDS
    logger.warning("catalog cache unavailable", exc_info=True, extra={"action": action})


# (version, when it was last seen current): looked at in the cache at most every SNAPSHOT_CHECK_SECONDS,
# as the shop's terms are (project/snapshots.py). Replaced whole, so threads read one or the other.
_seen: tuple[str, float] | None = None


def catalog_version() -> str | None:
    """The current catalog version (made if there is none), or None when the cache fails.

    Another process's change is seen up to SNAPSHOT_CHECK_SECONDS after it commits (a cache GET on
    every page cost more than a tenth of the page); this process's own, at once."""
    global _seen
    seen = _seen
    if seen is not None and time.monotonic() - seen[1] < settings.SNAPSHOT_CHECK_SECONDS:
        return seen[0]
    try:
        version = django_cache.get(VERSION_KEY)
        if version is None:
            django_cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)  # first comer wins
            version = django_cache.get(VERSION_KEY)
    except Exception:  # a cache outage must not take the catalog down
        _failed("version")
        return None
    if version is None:
        return None
    _seen = (str(version), time.monotonic())
    return str(version)


def catalog_changed() -> None:
    """Start a new catalog version now: every cached catalog part is rendered again on next use.

    A fresh random token rather than a counter: if the version key is ever evicted, a new one
    can never meet entries stored under an earlier token.
    """
    global _seen
    version = uuid.uuid4().hex
    _seen = None
    try:
        django_cache.set(VERSION_KEY, version, timeout=None)
        _seen = (version, time.monotonic())
    except Exception:
        # Entries of the current version then outlive the change until they expire
        # (CATALOG_CACHE_SECONDS): the error is logged for that reason.
        logger.exception("catalog version not moved on")


def catalog_changed_on_commit(using: str | None = None) -> None:
    """Start a new catalog version when the current transaction commits (at once outside one),
    once per transaction however many catalog rows it changes (a savepoint rolled back drops
    only the changes, and the bump, made inside it)."""
    on_commit_once(("catalog", "changed"), catalog_changed, using=using)


def get(key: str) -> dict[str, Any] | None:
    """The entry stored under `key` (a key names its version), from this process's copies first."""
    with _recent_lock:
        entry = _recent.get(key)
        if entry is not None:
            _recent.move_to_end(key)
            return entry
    try:
        stored: dict[str, Any] | None = django_cache.get(key)
    except Exception:
        _failed("get")
        return None
    if stored is not None:
        _remember(key, stored)
    return stored


def get_or_make(
    key: str, make: Callable[[], dict[str, Any]], *, keep: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    """The entry under `key`, or else `make()`'s, stored when `keep(entry)`.

    One `make` per key at a time in this process: the requests that arrive together after the
    version moved on wait for one render and share it, instead of each rendering the grid.
    """
    entry = get(key)
    if entry is not None:
        return entry
    with _making_lock:
        lock = _making.setdefault(key, threading.Lock())
    try:
        with lock:
            entry = get(key)  # made while this request waited
            if entry is None:
                entry = make()
                if keep(entry):
                    put(key, entry)
            return entry
    finally:
        with _making_lock:
            if _making.get(key) is lock and not lock.locked():
                del _making[key]


_making: dict[str, threading.Lock] = {}
_making_lock = threading.Lock()


def put(key: str, entry: dict[str, Any]) -> None:
    _remember(key, entry)
    try:
        django_cache.set(key, entry, timeout=settings.CATALOG_CACHE_SECONDS)
    except Exception:
        _failed("set")


# The entries this process served last. An entry never changes under its key (the key names the
# catalog version), so a copy here is as good as Redis's once the request has read the current
# version: it saves fetching and unpickling some 30 KB per page. Old versions' entries fall out.
# List pages and product bodies (~10 KB each) share it: a few MB at most.
RECENT_ENTRIES = 256
_recent: OrderedDict[str, dict[str, Any]] = OrderedDict()
_recent_lock = threading.Lock()


def _remember(key: str, entry: dict[str, Any]) -> None:
    with _recent_lock:
        _recent[key] = entry
        _recent.move_to_end(key)
        while len(_recent) > RECENT_ENTRIES:
            _recent.popitem(last=False)


@cache
def layout_tag() -> str:
    """A digest of what shapes the cached parts besides the data: a deploy with other templates or
    store settings uses other keys."""
    from commerce import money as money_module

    from . import seo
    from .templatetags import money, stock

    store = f"{settings.STORE_CURRENCY}:{settings.STORE_LOCALE}:{settings.LOW_STOCK_THRESHOLD}:{settings.STORE_NAME}"
    store += f":{settings.SITE_URL}"
    digest = hashlib.sha256(store.encode())
    for name in (
        "_filters.html",
        "_category_head.html",
        "_category_intro.html",
        "_results.html",
        "_card_meta.html",
        "_product_body.html",
        "_stock.html",
        "_rating.html",
    ):
        digest.update((settings.BASE_DIR / "templates" / "catalog" / name).read_bytes())
    for module in (money, stock, money_module, seo):
        digest.update(Path(module.__file__ or "").read_bytes())
    return digest.hexdigest()[:12]


def _on_write(sender: type, using: str | None = None, **kwargs: Any) -> None:
    catalog_changed_on_commit(using)


def connect() -> None:
    """Move the catalog version on after every committed save or delete of a catalog model."""
    for model in (Category, Product, Variant, ProductImage):
        post_save.connect(_on_write, sender=model, dispatch_uid=f"catalog-version-{model.__name__}-save")
        post_delete.connect(_on_write, sender=model, dispatch_uid=f"catalog-version-{model.__name__}-delete")
