"""Uses of a code taken under real concurrency: threads, each with its own connection, against
PostgreSQL's row locks. The limit holds like stock does."""

from decimal import Decimal

import pytest
from django.db import connection, transaction

from commerce.discounts.errors import DiscountError
from commerce.discounts.models import DiscountCode, DiscountRedemption
from commerce.discounts.services import discount_give_back, discount_redeem
from commerce.orders.models import Order
from tests.factories import ADDRESS, DiscountCodeFactory, UserFactory
from tests.races import race

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgres_only():  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")


def orders(n: int, user=None) -> list[Order]:  # type: ignore[no-untyped-def]
    return Order.objects.bulk_create(
        Order(
            email=f"buyer{i}@example.com", user=user, shipping_address=ADDRESS, subtotal=Decimal(20), total=Decimal(20)
        )
        for i in range(n)
    )


def redeem_in_a_checkout(code: DiscountCode, order: Order, user=None) -> DiscountRedemption:  # type: ignore[no-untyped-def]
    with transaction.atomic():  # the checkout's transaction
        return discount_redeem(code=code, order=order, user=user, email=order.email)


def outcomes(results: list[object]) -> tuple[int, int, list[object]]:
    taken = [r for r in results if isinstance(r, DiscountRedemption)]
    refused = [r for r in results if isinstance(r, DiscountError)]
    return len(taken), len(refused), [r for r in results if r not in taken and r not in refused][:3]


def test_two_hundred_buyers_race_for_fifty_uses():
    code = DiscountCodeFactory(code="FIFTY", usage_limit=50)
    placed = orders(200)

    results = race(200, lambda i: redeem_in_a_checkout(code, placed[i]))

    taken, refused, other = outcomes(results)
    assert (taken, refused, other) == (50, 150, [])
    assert {r.code for r in results if isinstance(r, DiscountError)} == {"used_up"}  # type: ignore[attr-defined]
    code.refresh_from_db()
    assert code.times_used == 50
    assert DiscountRedemption.objects.filter(code=code).count() == 50


def test_one_customer_racing_themself_gets_one_use():
    code = DiscountCodeFactory(code="ONCE", per_customer_limit=1)
    ann = UserFactory(email="ann@example.com")
    placed = orders(20, user=ann)

    results = race(20, lambda i: redeem_in_a_checkout(code, placed[i], ann))

    taken, refused, other = outcomes(results)
    assert (taken, refused, other) == (1, 19, [])
    assert {r.code for r in results if isinstance(r, DiscountError)} == {"already_used"}  # type: ignore[attr-defined]
    code.refresh_from_db()
    assert code.times_used == 1


def test_giving_back_twice_at_once_gives_back_once():
    code = DiscountCodeFactory(code="BACK", usage_limit=5)
    (order,) = orders(1)
    discount_redeem(code=code, order=order, user=None, email=order.email)
    other = orders(1)[0]
    discount_redeem(code=code, order=other, user=None, email=other.email)

    results = race(10, lambda i: discount_give_back(order=order))

    assert sorted(results, key=bool) == [False] * 9 + [True]  # type: ignore[type-var]
    code.refresh_from_db()
    assert code.times_used == 1
