"""A circuit breaker per process for Redis, so that a stalled Redis is not waited on by every request.

A Redis that is down refuses connections at once, but a stalled one (accepting connections, answering
nothing) costs each call its whole socket timeout, and a page makes several calls (the cache, a
publish, the rate limits, a task's enqueue). After one call times out or fails to connect, the breaker
opens: for BREAKER_OPEN_SECONDS every Redis call of this process fails at once (the callers already
treat a Redis failure as a cache miss, a lost hint or a task left for its sweep). The first call
after that asks Redis again; one more failure opens it again.

There is one breaker per Redis server (host and port): a failing broker on one server leaves a cache
on another alone. `BreakerConnection` is the redis-py connection class of the cache and the live
publisher; the rate limits and the task queue (other clients) ask `redis_breaker(url)` first.
"""

import logging
import threading
import time
from typing import Any
from urllib.parse import urlsplit

import redis

logger = logging.getLogger(__name__)
BREAKER_OPEN_SECONDS = 10.0
FAILURES = (redis.ConnectionError, redis.TimeoutError, TimeoutError, ConnectionError)


class BreakerOpen(redis.ConnectionError):
    """Redis was not asked: it failed a moment ago (the breaker is open)."""


class Breaker:
    def __init__(self, name: str, seconds: float = BREAKER_OPEN_SECONDS) -> None:
        self.name = name
        self.seconds = seconds
        self._until = 0.0
        self._lock = threading.Lock()

    def is_open(self) -> bool:
        return time.monotonic() < self._until

    def trip(self, error: BaseException | str) -> None:
        with self._lock:
            opened = not self.is_open()
            self._until = time.monotonic() + self.seconds
        if opened:
            logger.warning("circuit breaker open", extra={"breaker": self.name, "error": repr(error)})

    def reset(self) -> None:
        with self._lock:
            self._until = 0.0

    def check(self) -> None:
        if self.is_open():
            raise BreakerOpen(f"{self.name} failed a moment ago; not asked")


_breakers: dict[str, Breaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(host: str, port: int | str) -> Breaker:
    """The breaker of the Redis server at `host`:`port` (made on first use)."""
    name = f"redis {host}:{port}"
    breaker = _breakers.get(name)
    if breaker is None:
        with _breakers_lock:
            breaker = _breakers.setdefault(name, Breaker(name))
    return breaker


def redis_breaker(url: str) -> Breaker:
    """The breaker of the Redis server a `redis://` URL names."""
    parts = urlsplit(url)
    return breaker_for(parts.hostname or "localhost", parts.port or 6379)


def breakers_reset() -> None:
    """Close every breaker (tests start each case with Redis asked again)."""
    for breaker in list(_breakers.values()):
        breaker.reset()


class BreakerConnection(redis.Connection):
    """A redis-py connection that refuses at once while the breaker is open and opens it on a failure."""

    @property
    def breaker(self) -> Breaker:
        return breaker_for(self.host, self.port)

    def connect(self) -> None:
        self.breaker.check()
        try:
            super().connect()  # type: ignore[no-untyped-call,unused-ignore]
        except FAILURES as error:
            self.breaker.trip(error)
            raise

    def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        self.breaker.check()
        try:
            super().send_packed_command(command, check_health)  # type: ignore[no-untyped-call,unused-ignore]
        except FAILURES as error:
            self.breaker.trip(error)
            raise

    def read_response(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().read_response(*args, **kwargs)  # type: ignore[no-untyped-call,unused-ignore]
        except FAILURES as error:
            self.breaker.trip(error)
            raise
