"""How often one client may do something that costs us (sends an email): sign up, look up an order.

Counted with the `limits` library over a moving window, in the Redis of REDIS_URL under this store's
key prefix (so stores and test runs sharing a Redis never meet), or in memory in the embedded mode.
A rule is a rate in the library's notation ("10/hour") and the key it counts for (an address, an
email, an order number). If Redis cannot be reached the limits are skipped, with a warning: refusing
everyone would be worse than letting a few more requests through while it is down.
"""

import functools
import logging
import math
import time
from collections.abc import Sequence

from django.conf import settings
from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter

from commerce.errors import DomainError
from project.breaker import redis_breaker

logger = logging.getLogger(__name__)
TOO_MANY_REQUESTS = 429


class Throttled(DomainError):
    """Too many tries (429): `retry_after` seconds until the next one is allowed."""

    retry_after: int

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__("throttled", f"Too many tries. Please wait {self.wait_text} and try again.", TOO_MANY_REQUESTS)

    @property
    def wait_text(self) -> str:
        """How long to wait, in words a person reads ("3 minutes")."""
        if self.retry_after < 60:
            return f"{self.retry_after} second{'s' if self.retry_after != 1 else ''}"
        minutes = math.ceil(self.retry_after / 60)
        return f"{minutes} minute{'s' if minutes != 1 else ''}"


@functools.cache
def _storage(redis_url: str, prefix: str) -> Storage:
    if redis_url:
        return RedisStorage(
            redis_url, key_prefix=f"{prefix}:limits", wrap_exceptions=True, socket_timeout=2, socket_connect_timeout=2
        )
    return MemoryStorage()


def limiter() -> MovingWindowRateLimiter:
    return MovingWindowRateLimiter(_storage(settings.REDIS_URL, settings.REDIS_PREFIX))


def throttle(action: str, rules: Sequence[tuple[str, str]]) -> None:
    """Count one `action` against every (rate, key) rule, or raise Throttled if any rule is spent.

    A refused try is not counted, so waiting out the time given is enough.
    """
    if (
        settings.REDIS_URL and redis_breaker(settings.REDIS_URL).is_open()
    ):  # Redis failed a moment ago: let people through
        return
    strategy = limiter()
    items: list[tuple[RateLimitItem, str]] = [(parse(rate), key.lower()) for rate, key in rules]
    try:
        spent = [(item, key) for item, key in items if not strategy.test(item, action, key)]
        if not spent:
            for item, key in items:
                if not strategy.hit(item, action, key):
                    spent.append((item, key))  # another request took the last try meanwhile
        if spent:
            now = time.time()
            resets = [strategy.get_window_stats(item, action, key).reset_time for item, key in spent]
            raise Throttled(max(1, math.ceil(max(resets) - now)))
    except StorageError as error:
        if settings.REDIS_URL:
            redis_breaker(settings.REDIS_URL).trip(error)
        logger.warning("rate limits unavailable", extra={"action": action}, exc_info=True)


def throttles_reset() -> None:
    """Forget every count (tests start each case afresh; an operator may clear a mistaken block)."""
    _storage(settings.REDIS_URL, settings.REDIS_PREFIX).reset()
