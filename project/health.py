"""Liveness and readiness probes.

/healthz says the process answers; /readyz checks what a request needs (database, cache, the
hub's Redis, channel layer, broker, search) and answers 503 naming what failed. A dependency the
store can do without for a while is reported as degraded, with 200: taking every web process out
of rotation because of it would stop the whole store. Elasticsearch is one (search falls back to
the database); Redis is another: its four uses here cost pages nothing vital while it is down
(sessions and carts live in the database, pushes are hints healed on reconnect, queued
notifications wait in the outbox for the sweep). Each use is checked the way it is used:
- the cache: a set and a get;
- the hub (live pushes): a PUBLISH on the connection realtime.hub.publish_fragment uses, to REDIS_URL;
- the channel layer, which closes sockets on sign-out and when a role is withdrawn
  (realtime.closing): the group send those make;
- Celery's broker: a connection for writing.

The body names checks and says fixed words only ("ok", "unavailable", "timed out"): an
exception's text can hold hosts, ports, users or passwords, so it goes to the log alone.
"""

import contextvars
import logging
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from realtime.hub import publisher_check

logger = logging.getLogger(__name__)


class Degraded(Exception):
    """A check whose dependency is down while the store still serves (reported, not failed).

    Its message is shown in the body as is: fixed words, never an error's text.
    """


# Checks whose failure leaves the store serving: reported as degraded, with 200.
DEGRADABLE = frozenset({"cache", "hub", "channel_layer", "broker"})
UNAVAILABLE = "unavailable"
# All checks run at once and answer within this, whatever hangs (the probe waits 5 s: deploy/).
TIMEOUT_SECONDS = 3.0
_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="readyz")


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


def _check_hub() -> None:
    publisher_check()


def _check_channel_layer() -> None:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")
    # As realtime.closing.close_group sends, to a group nobody joined: one PUBLISH (a no-op in memory).
    async_to_sync(layer.group_send)("readyz", {"type": "readyz.ping"})


def _check_broker() -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return  # embedded mode: tasks run in process, there is no broker
    from project.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def _check_search() -> str:
    from commerce.search.selectors import search_status

    healthy, description = search_status()  # fixed words, never an error's text
    if not healthy:
        raise Degraded(description)
    return description


CHECKS: dict[str, Callable[[], str | None]] = {
    "database": _check_database,
    "cache": _check_cache,
    "hub": _check_hub,
    "channel_layer": _check_channel_layer,
    "broker": _check_broker,
    "search": _check_search,
}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Answer while the process can serve a request."""
    return JsonResponse({"status": "ok"})


def _run(check: Callable[[], str | None]) -> str | None:
    try:
        return check()
    finally:
        connections.close_all()  # this pool thread's own connections, if the check opened one


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Check each dependency at once; 503 naming those that failed, 200 when only some are degraded."""
    checks: dict[str, str] = {}
    failed: list[str] = []
    degraded: list[str] = []
    # Each in a copy of this request's context, so what a check logs carries the request id.
    running = {name: _pool.submit(contextvars.copy_context().run, _run, check) for name, check in CHECKS.items()}
    deadline = time.monotonic() + TIMEOUT_SECONDS
    for name, future in running.items():
        try:
            result = future.result(timeout=max(0.0, deadline - time.monotonic()))
        except Degraded as exc:
            checks[name] = f"degraded: {exc}"
            degraded.append(name)
            continue
        except FutureTimeout:
            logger.warning("readiness check timed out", extra={"check": name})
            word = "timed out"
        except Exception as exc:  # any failure of a dependency is "not ready"
            logger.warning("readiness check failed", extra={"check": name, "error": repr(exc)})
            word = UNAVAILABLE
        else:
            checks[name] = result or "ok"
            continue
        if name in DEGRADABLE:
            checks[name] = f"degraded: {word}"
            degraded.append(name)
        else:
            checks[name] = word
            failed.append(name)
    status = 503 if failed else 200
    body = {"status": "fail" if failed else "degraded" if degraded else "ok", "failed": failed, "checks": checks}
    if degraded:
        body["degraded"] = degraded
    return JsonResponse(body, status=status)
