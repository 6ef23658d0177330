"""How fast people may write to support: per person, and for guests per network address too.

Counted in the cache (Redis in the services mode), per fixed window of SUPPORT_RATE_WINDOW seconds.
When the cache is down the limits let people through rather than refuse everyone.
"""

import logging
import time

from django.conf import settings
from django.core.cache import cache

from commerce.accounts.models import User

from .errors import SupportError

logger = logging.getLogger(__name__)

# After a cache error the limits are not checked for this long: each try could wait for the
# connect time-out while Redis is unreachable, and the limit lets people through anyway.
RATE_RETRY_AFTER_SECONDS = 10.0
_rate_down_until = 0.0


def rate_check(key: str, *, limit: int | None = None) -> None:
    """At most `limit` (SUPPORT_RATE_LIMIT) messages per SUPPORT_RATE_WINDOW seconds under one key."""
    global _rate_down_until
    if time.monotonic() < _rate_down_until:
        return
    window = int(settings.SUPPORT_RATE_WINDOW)
    bucket = f"support:rate:{key}:{int(time.time() // window)}"
    try:
        count = 1 if cache.add(bucket, 1, timeout=window * 2) else cache.incr(bucket)
    except Exception:  # the cache is down: let people talk rather than refuse everyone
        _rate_down_until = time.monotonic() + RATE_RETRY_AFTER_SECONDS
        logger.warning("support rate limit unavailable", exc_info=True)
        return
    if count > int(settings.SUPPORT_RATE_LIMIT if limit is None else limit):
        error = SupportError(
            "You're sending messages faster than we can read them. Slow down and try again in a moment.", 429
        )
        error.retry_after = max(1, window - int(time.time()) % window)  # the API's Retry-After
        raise error


def rate_key(user: User | None, session_key: str | None) -> str:
    return f"u{user.pk}" if user is not None else f"s{session_key}"


def rate_check_customer(*, user: User | None, session_key: str, address: str) -> None:
    """A signed-in customer's limit is theirs; a guest's is their session's and, since a new
    session costs nothing, their network address's too (SUPPORT_ADDRESS_RATE_LIMIT)."""
    rate_check(rate_key(user, session_key))
    if user is None:
        rate_check(f"a{address}", limit=int(settings.SUPPORT_ADDRESS_RATE_LIMIT))
