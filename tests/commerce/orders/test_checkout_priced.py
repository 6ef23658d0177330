"""The database checkout is given the cart as priced before its call (services._price); what it does
when the cart or the code moved on in between. Each test prices a cart, lets something change, and
then makes the call as checkout_start would."""

from decimal import Decimal

import pytest
from django.db import connection

from commerce.catalog.models import Variant
from commerce.discounts.errors import DiscountError
from commerce.discounts.models import DiscountCode, DiscountRedemption
from commerce.orders import checkout_sql, services
from commerce.orders.models import Order
from tests.factories import ADDRESS, CartFactory, CartLineFactory, DiscountCodeFactory, VariantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _postgres_only():  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        pytest.skip("the database checkout is PostgreSQL's")


def guest_cart(email: str = "guest@example.com", code: str = ""):  # type: ignore[no-untyped-def]
    cart = CartFactory(user=None, discount_code=code)
    CartLineFactory(cart=cart, variant=VariantFactory(sku="LAMP", price="40.00", stock=5), quantity=1)
    return cart


def priced(cart, email: str = "guest@example.com") -> checkout_sql.Priced:  # type: ignore[no-untyped-def]
    answer = services._price(cart=cart, user=None, email=email, address=ADDRESS, shipping_method=None)
    assert answer is not None
    return answer


def place(cart, answer: checkout_sql.Priced, email: str = "guest@example.com") -> Order | None:  # type: ignore[no-untyped-def]
    return checkout_sql.place(cart_pk=cart.pk, user=None, email=email, address=ADDRESS, priced=answer)


def test_a_price_changed_since_pricing_is_left_to_the_python_path():
    cart = guest_cart()
    answer = priced(cart)
    Variant.objects.filter(sku="LAMP").update(price="35.00")

    assert place(cart, answer) is None
    assert Order.objects.count() == 0
    order = services.checkout_start(cart=cart, user=None, email="guest@example.com", address=ADDRESS)
    assert (order.subtotal, order.total) == (Decimal("35.00"), Decimal("35.00"))


def test_a_code_removed_since_pricing_is_left_to_the_python_path():
    DiscountCodeFactory(code="TEN")
    cart = guest_cart(code="TEN")
    answer = priced(cart)
    assert answer.breakdown.discount == Decimal("4.00")
    type(cart).objects.filter(pk=cart.pk).update(discount_code="")

    assert place(cart, answer) is None
    assert Order.objects.count() == 0


def test_a_code_used_up_since_pricing_is_refused_and_nothing_written():
    code = DiscountCodeFactory(code="LAST", usage_limit=1)
    cart = guest_cart(code="LAST")
    answer = priced(cart)
    DiscountCode.objects.filter(pk=code.pk).update(times_used=1)  # another buyer took the last use

    with pytest.raises(DiscountError) as refused:
        place(cart, answer)

    assert refused.value.code == "used_up"
    assert Order.objects.count() == 0
    assert Variant.objects.get(sku="LAMP").stock == 5


def test_a_customers_limit_reached_since_pricing_is_decided_under_the_codes_lock():
    """One use per customer: the same guest's other cart checked out between pricing and the call.
    The function counts their uses after taking the code's row, refuses (SQLSTATE SF002), and its
    counter is back as it was."""
    code = DiscountCodeFactory(code="ONCE", per_customer_limit=1)
    cart = guest_cart(code="ONCE")
    answer = priced(cart)
    other = CartFactory(user=None, discount_code="ONCE")
    CartLineFactory(cart=other, variant=Variant.objects.get(sku="LAMP"), quantity=1)
    services.checkout_start(cart=other, user=None, email="GUEST@example.com", address=ADDRESS)

    with pytest.raises(DiscountError) as refused:
        place(cart, answer)

    assert refused.value.code == "already_used"
    assert refused.value.message == "You have already used the code ONCE as many times as it allows."
    assert Order.objects.count() == DiscountRedemption.objects.count() == 1
    code.refresh_from_db()
    assert code.times_used == 1
