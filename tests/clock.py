"""A stopped clock for tests: time stands still at one instant until the test moves it.

Freezing reaches this process only (time.time, datetime.now, timezone.now, signing, the cache's
expiry); a Daphne server, localstripe or Redis in another process keeps the real time.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.utils import timezone

# The store's zone while the clock is stopped: one with daylight saving time, so a day need not be 24 hours.
CLOCK_ZONE = "America/New_York"
# Half a minute before midnight, store time, on the day New York's clocks spring forward (02:00 became
# 03:00: a 23-hour day). A test that reads "today" twice, or assumes a day is 24 hours, or lets a
# fixed window run past a boundary, fails here every time rather than once in a while.
CLOCK_START = datetime(2026, 3, 8, 23, 59, 30, tzinfo=ZoneInfo(CLOCK_ZONE))


class Clock:
    """Time stopped at one instant; it moves only when the test says so, and only forward."""

    def __init__(self, traveller: time_machine.Traveller) -> None:
        self._traveller = traveller

    @property
    def now(self) -> datetime:
        return timezone.now()

    def advance(self, **delta: float) -> datetime:
        """Move time forward by `timedelta(**delta)` (seconds=30, days=1...); return the new now."""
        step = timedelta(**delta)
        if step < timedelta(0):
            raise ValueError("the clock only moves forward")
        self._traveller.shift(step)
        return self.now


@contextmanager
def stopped_clock(at: datetime = CLOCK_START) -> Iterator[Clock]:
    """Stop time at `at` for the block."""
    with time_machine.travel(at, tick=False) as traveller:
        yield Clock(traveller)
