"""Django's DATABASES entries, CACHES and CHANNEL_LAYERS entries, made from what settings.py read."""

from pathlib import Path
from typing import Any

from project.breaker import BreakerConnection


def sqlite(path: Path) -> dict[str, Any]:
    """The embedded mode's database: WAL lets readers run beside one writer; IMMEDIATE takes the
    write lock at BEGIN, so two shoppers writing at once wait instead of failing."""
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": ("PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"),
        },
    }


def postgres_connections(database: dict[str, Any], *, pool: tuple[int, int] | None, max_age: int) -> None:
    """PostgreSQL's connections: a pool of (min, max) per process, or Django's own, kept `max_age` seconds."""
    if database["ENGINE"] != "django.db.backends.postgresql":
        return
    if pool is None:
        database["CONN_MAX_AGE"] = max_age
    else:
        database.setdefault("OPTIONS", {})["pool"] = {"min_size": pool[0], "max_size": pool[1], "timeout": 10}


def caches(redis_url: str, prefix: str) -> dict[str, Any]:
    """Redis in the services mode, this process's memory when embedded."""
    if not redis_url:
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": prefix,
            "OPTIONS": {
                "socket_connect_timeout": 2,
                "socket_timeout": 2,
                # One pool per process, not one per request (see project/cache.py).
                "pool_class": "project.cache.SharedConnectionPool",
                # A stalled Redis is waited on once, not by every request (project/breaker.py).
                "connection_class": BreakerConnection,
            },
        }
    }


def channel_layers(redis_url: str, prefix: str) -> dict[str, Any]:
    """Redis pub/sub in the services mode, in memory when embedded (one process)."""
    if not redis_url:
        return {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    return {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [redis_url], "prefix": prefix},
        }
    }
