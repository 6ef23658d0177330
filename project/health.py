"""Liveness and readiness probes.

/healthz says the process answers; /readyz checks what a request needs
(database, cache, channel layer, broker, search) and answers 503 naming what failed.
A dependency the store can do without for a while (Elasticsearch: search falls back
to the database) is reported as degraded, with 200: taking every web process out of
rotation because of it would stop the whole store.
"""

import logging
import uuid
from collections.abc import Callable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


class Degraded(Exception):
    """A check whose dependency is down while the store still serves (reported, not failed)."""


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache() -> None:
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=5)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return what was stored")
    cache.delete(key)


def _check_channel_layer() -> None:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")
    # A group send to a group nobody joined is one PUBLISH (or a no-op in memory).
    async_to_sync(layer.group_send)("readyz", {"type": "readyz.ping"})


def _check_broker() -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return  # embedded mode: tasks run in process, there is no broker
    from project.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def _check_search() -> str:
    from commerce.search.selectors import search_status

    healthy, description = search_status()
    if not healthy:
        raise Degraded(description)
    return description


CHECKS: dict[str, Callable[[], str | None]] = {
    "database": _check_database,
    "cache": _check_cache,
    "channel_layer": _check_channel_layer,
    "broker": _check_broker,
    "search": _check_search,
}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Answer while the process can serve a request."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Check each dependency; 503 with the names and errors of those that failed."""
    checks: dict[str, str] = {}
    failed: list[str] = []
    degraded: list[str] = []
    for name, check in CHECKS.items():
        try:
            result = check()
        except Degraded as exc:
            logger.warning("readiness check degraded", extra={"check": name, "error": str(exc)})
            checks[name] = f"degraded: {exc}"
            degraded.append(name)
        except Exception as exc:  # any failure of a dependency is "not ready"
            logger.warning("readiness check failed", extra={"check": name, "error": repr(exc)})
            checks[name] = f"error: {exc.__class__.__name__}: {exc}"
            failed.append(name)
        else:
            checks[name] = result or "ok"
    status = 503 if failed else 200
    body = {"status": "fail" if failed else "degraded" if degraded else "ok", "failed": failed, "checks": checks}
    if degraded:
        body["degraded"] = degraded
    return JsonResponse(body, status=status)
