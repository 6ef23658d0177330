"""The stopped clock (tests/clock.py): where it stands, and that only the test moves it."""

import time
from datetime import UTC, date, timedelta

import pytest
from django.utils import timezone

from commerce.ops.store_day import day_bounds, store_today


def test_the_clock_stands_half_a_minute_before_midnight_on_a_23_hour_day(clock):
    start, end = day_bounds(store_today())

    assert store_today() == date(2026, 3, 8)
    assert end - clock.now == timedelta(seconds=30)
    # New York's clocks sprang forward at 02:00 (in UTC: Python subtracts two times of one zone by the wall clock).
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=23)


def test_time_stands_still_until_the_test_moves_it(clock):
    before = timezone.now()
    time.sleep(0.01)
    assert timezone.now() == before

    assert clock.advance(seconds=30) == before + timedelta(seconds=30)
    assert store_today() == date(2026, 3, 9)
    with pytest.raises(ValueError, match="forward"):
        clock.advance(seconds=-1)


def test_the_database_clock_agrees_with_the_databases_now(database_clock):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        (database_now,) = cursor.fetchone()

    assert timezone.now() == database_now
