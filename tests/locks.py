"""Watching PostgreSQL's row locks from a test: for races staged one step at a time."""

import time

from django.db import connection


def wait_for_a_lock_wait(timeout: float = 10) -> None:
    """Until some session of this database waits for a row lock; AssertionError after `timeout` s."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError("nobody waited for a lock")
