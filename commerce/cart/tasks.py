"""Cart tasks: pushing again the carts whose code changed, by a write or by the clock."""

from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from commerce.discounts.selectors import codes_turned

from .live import code_carts_publish

# When the clock check last ran (an ISO instant): the next looks at the codes that turned since.
LAST_CHECK_KEY = "cart:codes-on-time:last"
# The furthest back a check looks after beat was down: older changes are healed by each page's
# snapshot on reconnect, and checkout decides for good.
MAX_LOOKBACK = timedelta(days=1)


@shared_task(acks_late=True)
def code_carts_refresh(code: str) -> int:
    """Push again every followed cart holding `code` (scheduled on commit of a change to the code)."""
    return code_carts_publish(code)


@shared_task(acks_late=True)
def code_carts_on_time() -> int:
    """Periodic: push again the carts holding a code that expired or started since the last run."""
    now = timezone.now()
    last = cache.get(LAST_CHECK_KEY)
    since = now - timedelta(seconds=2 * settings.CODE_TIME_CHECK_INTERVAL_SECONDS)
    if last:
        since = max(datetime.fromisoformat(last), now - MAX_LOOKBACK)
    pushed = sum(code_carts_publish(code) for code in codes_turned(since=since, now=now))
    cache.set(LAST_CHECK_KEY, now.isoformat(), timeout=None)
    return pushed
