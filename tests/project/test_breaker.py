"""The Redis circuit breaker: a stalled Redis costs one timeout, then calls fail at once until it is asked again."""

import time
import urllib.parse

import pytest
import redis
from django.test import override_settings

from project import breaker as breakers
from project.breaker import Breaker, BreakerConnection, BreakerOpen, breaker_for, redis_breaker
from project.throttle import throttle
from tests.stall_proxy import StallProxy


def test_a_breaker_opens_on_a_trip_and_closes_after_its_time(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(breakers.time, "monotonic", lambda: now[0])
    breaker = Breaker("test", seconds=10)
    breaker.check()
    breaker.trip("boom")
    assert breaker.is_open()
    with pytest.raises(BreakerOpen):
        breaker.check()
    now[0] += 9.9
    assert breaker.is_open()
    now[0] += 0.2
    assert not breaker.is_open()
    breaker.check()


@pytest.mark.timeout(60)
def test_a_stalled_redis_is_waited_on_once_then_not_asked_until_the_breaker_closes(settings):
    address = urllib.parse.urlsplit(settings.REDIS_URL)
    with StallProxy(address.hostname or "127.0.0.1", address.port or 6379) as proxy:
        client = redis.Redis.from_url(
            f"redis://127.0.0.1:{proxy.port}/0",
            socket_timeout=0.3,
            socket_connect_timeout=0.3,
            connection_class=BreakerConnection,
        )
        assert client.ping() is True
        proxy.stall()
        started = time.monotonic()
        with pytest.raises(redis.TimeoutError):
            client.ping()
        assert 0.25 < time.monotonic() - started < 2.0  # one socket timeout
        assert breaker_for("127.0.0.1", proxy.port).is_open()
        assert not redis_breaker(settings.REDIS_URL).is_open()  # another server's breaker
        started = time.monotonic()
        with pytest.raises(BreakerOpen):
            client.get("anything")
        assert time.monotonic() - started < 0.05  # not asked
        proxy.flow()
        breaker_for("127.0.0.1", proxy.port).reset()  # its time is up
        assert client.ping() is True
        assert not breaker_for("127.0.0.1", proxy.port).is_open()


def test_rate_limits_let_people_through_while_the_breaker_is_open(settings):
    breaker = redis_breaker(settings.REDIS_URL)
    breaker.trip("stalled")
    for _ in range(5):
        throttle("test-breaker", [("1/hour", "someone")])  # not counted, not refused
    breaker.reset()
    throttle("test-breaker", [("1/hour", "someone")])
    with pytest.raises(Exception, match="Too many tries"):
        throttle("test-breaker", [("1/hour", "someone")])


def test_a_task_is_not_queued_while_the_breaker_is_open_and_its_sweep_finds_the_work(
    db, django_capture_on_commit_callbacks
):
    from project.enqueue import enqueue_on_commit

    sent: list[tuple[object, ...]] = []

    class Task:
        name = "test.task"

        def delay(self, *args: object) -> None:
            sent.append(args)

    with override_settings(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL="redis://127.0.0.1:6379/0"):
        breaker = redis_breaker("redis://127.0.0.1:6379/0")
        breaker.trip("stalled")
        with django_capture_on_commit_callbacks(execute=True):
            enqueue_on_commit(Task(), 1)  # type: ignore[arg-type]
        assert sent == []
        breaker.reset()
        with django_capture_on_commit_callbacks(execute=True):
            enqueue_on_commit(Task(), 2)  # type: ignore[arg-type]
        assert sent == [(2,)]
