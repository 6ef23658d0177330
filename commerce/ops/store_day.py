"""The store's day: midnight to midnight in settings.TIME_ZONE, whatever the server's clock or the
viewer's browser says."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def store_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def store_today(now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(store_tz()).date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Local midnight to the next local midnight (23 or 25 hours on the days clocks change)."""
    tz = store_tz()
    return datetime.combine(day, time.min, tzinfo=tz), datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)
