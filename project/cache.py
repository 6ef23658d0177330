"""One Redis connection pool per process for Django's cache.

Django keeps cache backends per async context, so under ASGI every request builds a RedisCache of
its own, whose client would build its own connection pool and open a new TCP connection to Redis
(left to the garbage collector to close). Named as the cache's `pool_class`, this hands every
client the process's one pool for its URL and options, and requests reuse its connections.
"""

import threading
from typing import Any

import redis


class SharedConnectionPool(redis.ConnectionPool):
    _shared: dict[tuple[str, str], redis.ConnectionPool] = {}
    _shared_lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> redis.ConnectionPool:  # type: ignore[override]
        key = (url, repr(sorted(kwargs.items())))
        with cls._shared_lock:
            pool = cls._shared.get(key)
            if pool is None:
                # A plain pool: redis-py makes it safe across threads and resets it after a fork.
                pool = cls._shared[key] = redis.ConnectionPool.from_url(url, **kwargs)
        return pool
