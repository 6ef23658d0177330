from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from commerce.ops import live
from commerce.orders import services as order_services
from commerce.orders.models import Order
from tests.factories import ADDRESS, CartFactory, CartLineFactory, UserFactory, VariantFactory


@pytest.fixture
def watched(followers):  # type: ignore[no-untyped-def]
    """A dashboard is open somewhere (unit tests have no real sockets following the topic)."""
    followers.discard(live.DASHBOARD)


@pytest.fixture
def ops_user(db):  # type: ignore[no-untyped-def]
    user = UserFactory(email="oli@example.com", first_name="Oli", is_staff=True)
    user.groups.add(Group.objects.get_or_create(name="ops")[0])
    return user


def signed_in(user, *, htmx: bool = False) -> Client:  # type: ignore[no-untyped-def]
    client = Client(HTTP_HX_REQUEST="true") if htmx else Client()
    client.force_login(user)
    return client


@pytest.fixture
def ops_client(ops_user) -> Client:  # type: ignore[no-untyped-def]
    return signed_in(ops_user)


@pytest.fixture
def ops_htmx(ops_user) -> Client:  # type: ignore[no-untyped-def]
    return signed_in(ops_user, htmx=True)


def place(*, quantity: int = 1, price: str = "10.00", stock: int = 10, user=None, variant=None) -> Order:  # type: ignore[no-untyped-def]
    """An order awaiting payment, through checkout."""
    variant = variant or VariantFactory(stock=stock, price=price)
    cart = CartFactory(user=user)
    CartLineFactory(cart=cart, variant=variant, quantity=quantity)
    email = user.email if user else "guest@example.com"
    return order_services.checkout_start(cart=cart, user=user, email=email, address=ADDRESS)


def pay(order: Order) -> Order:
    return order_services.order_mark_paid(
        order=order, amount_minor=order.total_minor, currency=order.currency, reference=f"pi_{order.pk}"
    )


def made(**fields) -> Order:  # type: ignore[no-untyped-def]
    """An order row as it stands, timestamps included (for figures; no lines, no events)."""
    created_at = fields.pop("created_at", None)
    total = Decimal(fields.pop("total", "10.00"))
    order = Order.objects.create(email="x@example.com", shipping_address=ADDRESS, subtotal=total, total=total, **fields)
    if created_at is not None:
        Order.objects.filter(pk=order.pk).update(created_at=created_at)
        order.refresh_from_db()
    return order
