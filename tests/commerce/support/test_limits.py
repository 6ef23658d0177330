"""Rate limits on writing to support."""

import pytest

from commerce.support import limits
from commerce.support.errors import SupportError
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_rate_limit_refuses_a_flood_with_a_clear_message(settings, clock):
    settings.SUPPORT_RATE_LIMIT = 3
    customer = UserFactory()
    key = limits.rate_key(customer, None)
    for _ in range(3):
        limits.rate_check(key)

    with pytest.raises(SupportError) as caught:
        limits.rate_check(key)

    assert caught.value.status == 429
    assert "Slow down" in caught.value.message
    limits.rate_check(limits.rate_key(UserFactory(), None))  # someone else is not slowed


def test_the_count_starts_afresh_in_the_next_window(settings, clock):
    """Windows are fixed, on the wall clock: a flood counted just before a window's edge is forgotten
    just after it (which is why the tests that count stop the clock)."""
    settings.SUPPORT_RATE_LIMIT = 2
    settings.SUPPORT_RATE_WINDOW = 30
    key = limits.rate_key(UserFactory(), None)
    limits.rate_check(key)
    limits.rate_check(key)
    with pytest.raises(SupportError):
        limits.rate_check(key)

    clock.advance(seconds=30)

    limits.rate_check(key)
