from decimal import Decimal

import pytest

from commerce.orders.models import Order
from tests.factories import ADDRESS


@pytest.fixture
def order_row(db):  # type: ignore[no-untyped-def]
    """A bare order row awaiting payment (no lines, stock or hold): what a use of a code hangs on."""

    def make(email: str = "guest@example.com", user=None) -> Order:  # type: ignore[no-untyped-def]
        return Order.objects.create(
            email=email, user=user, shipping_address=ADDRESS, subtotal=Decimal("40.00"), total=Decimal("40.00")
        )

    return make
