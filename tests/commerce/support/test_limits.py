"""Rate limits on writing to support."""

import pytest

from commerce.support import limits
from commerce.support.errors import SupportError
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_rate_limit_refuses_a_flood_with_a_clear_message(settings):
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
