"""Beat pushes again the carts holding a code that expired or started since its last run."""

from datetime import timedelta

import pytest
from django.core.cache import cache

from commerce.cart.tasks import LAST_CHECK_KEY, code_carts_on_time
from commerce.discounts.selectors import codes_turned
from tests.factories import CartFactory, CartLineFactory, DiscountCodeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_last_run():  # type: ignore[no-untyped-def]
    cache.delete(LAST_CHECK_KEY)
    yield
    cache.delete(LAST_CHECK_KEY)


def holding(code: str) -> str:
    return f"cart.{CartLineFactory(cart=CartFactory(discount_code=code)).cart.pk}"


def test_codes_turned_in_the_window_only(clock):
    now = clock.now
    DiscountCodeFactory(code="ENDED", ends_at=now - timedelta(seconds=30))
    DiscountCodeFactory(code="ENDEDEARLIER", ends_at=now - timedelta(minutes=5))
    DiscountCodeFactory(code="STARTED", starts_at=now)
    DiscountCodeFactory(code="ENDSLATER", ends_at=now + timedelta(seconds=1))
    DiscountCodeFactory(code="ALWAYS")

    assert codes_turned(since=now - timedelta(minutes=1), now=now) == ["ENDED", "STARTED"]


def test_an_expiry_pushes_its_carts_once(clock, capture_broadcasts, settings):
    settings.CODE_TIME_CHECK_INTERVAL_SECONDS = 60
    DiscountCodeFactory(code="FLASH", ends_at=clock.now + timedelta(seconds=90))
    DiscountCodeFactory(code="WELCOME10")
    flash = holding("FLASH")
    holding("WELCOME10")

    with capture_broadcasts() as sent:
        assert code_carts_on_time() == 0  # nothing turned yet
        clock.advance(seconds=60)
        assert code_carts_on_time() == 0
        clock.advance(seconds=60)  # FLASH ended 30 seconds ago
        assert code_carts_on_time() == 1
        clock.advance(seconds=60)
        assert code_carts_on_time() == 0  # and is not pushed again

    assert [topic for topic, _ in sent] == [flash]
    assert "The code FLASH has expired. It is not counted." in sent[0][1]


def test_a_start_pushes_its_carts_with_the_discount(clock, capture_broadcasts):
    DiscountCodeFactory(code="MIDNIGHT", starts_at=clock.now + timedelta(seconds=30))
    cart = holding("MIDNIGHT")
    code_carts_on_time()
    clock.advance(seconds=45)

    with capture_broadcasts() as sent:
        code_carts_on_time()

    assert [topic for topic, _ in sent] == [cart]
    assert '<span data-amount="discount">−$1.00</span>' in sent[0][1]


def test_after_beat_was_down_the_changes_since_its_last_run_are_pushed(clock, capture_broadcasts):
    code_carts_on_time()
    DiscountCodeFactory(code="WEEKEND", ends_at=clock.now + timedelta(hours=2))
    cart = holding("WEEKEND")
    clock.advance(hours=5)

    with capture_broadcasts() as sent:
        code_carts_on_time()

    assert [topic for topic, _ in sent] == [cart]
