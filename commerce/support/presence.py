"""Which agents are online: heartbeats from their open support pages, kept in Redis (services mode)
or in this process (embedded mode, one process). An agent whose last heartbeat is older than
SUPPORT_PRESENCE_TTL seconds is offline.

Pages ask through `agents_online`, which answers None (not known) while Redis fails, so that a
Redis outage costs the widget and the inbox their "who is online", not the page."""

import logging
import threading
import time
from functools import cache

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

_local: dict[int, float] = {}
_lock = threading.Lock()
# After a Redis error, pages do not ask Redis again for this long (each try could wait for the
# connect time-out while Redis is unreachable).
RETRY_AFTER_SECONDS = 10.0
_down_until = 0.0


@cache
def _redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def _key() -> str:
    return f"{settings.REDIS_PREFIX}:support:presence"


def presence_touch(user_pk: int) -> None:
    now = time.time()
    if settings.REDIS_URL:
        _redis(settings.REDIS_URL).zadd(_key(), {str(user_pk): now})
        return
    with _lock:
        _local[user_pk] = now


def presence_online() -> list[int]:
    """The agents online now, by pk."""
    cutoff = time.time() - float(settings.SUPPORT_PRESENCE_TTL)
    if settings.REDIS_URL:
        client = _redis(settings.REDIS_URL)
        client.zremrangebyscore(_key(), "-inf", cutoff)
        members: list[bytes] = client.zrange(_key(), 0, -1)  # type: ignore[assignment]
        return sorted(int(pk) for pk in members)
    with _lock:
        for pk in [pk for pk, seen in _local.items() if seen < cutoff]:
            del _local[pk]
        return sorted(_local)


def agents_online() -> list[int] | None:
    """The agents online now, by pk; None when it cannot be known (Redis fails)."""
    global _down_until
    if time.monotonic() < _down_until:
        return None
    try:
        return presence_online()
    except redis.RedisError:
        _down_until = time.monotonic() + RETRY_AFTER_SECONDS
        logger.warning("support presence unavailable", exc_info=True)
        return None


def presence_clear() -> None:
    """Forget everyone (tests)."""
    global _down_until
    if settings.REDIS_URL:
        _redis(settings.REDIS_URL).delete(_key())
    with _lock:
        _local.clear()
    _down_until = 0.0
