"""project.throttle: limits per key over a moving window, in this run's Redis prefix."""

import logging

import pytest

from project.breaker import redis_breaker
from project.throttle import Throttled, throttle


def test_a_rule_refuses_past_its_rate_and_says_how_long_to_wait():
    rules = [("2/minute", "198.51.100.1")]
    throttle("test", rules)
    throttle("test", rules)

    with pytest.raises(Throttled) as refused:
        throttle("test", rules)

    assert 58 <= refused.value.retry_after <= 60
    assert refused.value.wait_text == "1 minute"
    throttle("other-action", rules)  # actions count apart
    throttle("test", [("2/minute", "198.51.100.2")])  # and keys


def test_a_spent_rule_refuses_without_counting_the_others():
    throttle("test", [("1/hour", "spent")])

    for _ in range(3):
        with pytest.raises(Throttled):
            throttle("test", [("2/hour", "fresh"), ("1/hour", "spent")])

    throttle("test", [("2/hour", "fresh")])
    throttle("test", [("2/hour", "fresh")])


def test_keys_are_counted_whatever_their_case():
    throttle("test", [("1/hour", "Guest@Example.com")])

    with pytest.raises(Throttled):
        throttle("test", [("1/hour", "guest@example.com")])


def test_without_redis_the_limits_are_skipped_with_a_warning(settings, caplog):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    with caplog.at_level(logging.WARNING, logger="project.throttle"):
        for _ in range(3):
            throttle("test", [("1/hour", "198.51.100.1")])

    # The first try finds Redis down and opens its breaker (project/breaker.py); the next are not slowed by it.
    assert [r.message for r in caplog.records] == ["circuit breaker open", "rate limits unavailable"]
    assert redis_breaker(settings.REDIS_URL).is_open()
