"""Orders holding several products, written by the real services (tests/factories.py's OrderFactory)."""

from commerce.catalog.models import Variant
from commerce.orders.models import Order
from commerce.orders.services import order_mark_refunded
from tests.factories import CartFactory, CartLineFactory, OrderFactory


def bought(*variants: Variant, status: str = Order.Status.PAID) -> Order:
    """One order of one of each of `variants`, taken to `status` (refunded: paid, then refunded)."""
    cart = CartFactory()
    for variant in variants:
        CartLineFactory(cart=cart, variant=variant, quantity=1)
    if status == Order.Status.REFUNDED:
        return order_mark_refunded(order=OrderFactory(cart=cart, status=Order.Status.PAID), actor=None)
    return OrderFactory(cart=cart, status=status)
