"""Races against the real PostgreSQL: many threads released at once, or one staged step at a time."""

import threading
import time
from collections.abc import Callable

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


def race(n: int, target: Callable[[int], object]) -> list[object]:
    """Run `target(i)` in n threads, each with its own connection (closed at the end), released
    together; what each returned or raised, in order."""
    barrier = threading.Barrier(n)
    results: list[object] = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait(30)
            results[i] = target(i)
        except Exception as exc:  # collected and asserted by the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results
