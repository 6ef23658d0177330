import pytest

from commerce.orders.models import Order
from tests.factories import OrderFactory, UserFactory, VariantFactory


@pytest.fixture
def buyer(db):  # type: ignore[no-untyped-def]
    return UserFactory(email="buyer@example.com", password="buyer-pass-123")


@pytest.fixture
def tee(db):  # type: ignore[no-untyped-def]
    return VariantFactory(product__name="Tee", name="M", sku="TEE-M", price="24.00", stock=5)


@pytest.fixture
def order(buyer, tee) -> Order:  # type: ignore[no-untyped-def]
    """An order awaiting payment: 2 × Tee at 24.00 (48.00 USD, 4800 cents); stock 5 -> 3 held."""
    return OrderFactory(user=buyer, variant=tee, quantity=2)


@pytest.fixture
def paid_order(buyer, tee, stripe_settings) -> Order:  # type: ignore[no-untyped-def]
    """The same order paid at localstripe (refunds need an intent Stripe knows): stock 5 -> 3 sold."""
    return OrderFactory(paid=True, at_stripe=True, user=buyer, variant=tee, quantity=2)
