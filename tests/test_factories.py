"""OrderFactory leaves each status with the rows the services write for it, no more, no fewer."""

import pytest

from commerce.catalog.models import Variant
from commerce.notifications.models import Notification
from commerce.orders.models import Order
from commerce.payments.models import Payment
from tests.factories import CartFactory, CartLineFactory, OrderFactory, UserFactory, VariantFactory

pytestmark = pytest.mark.django_db
S = Order.Status


def timeline(order: Order) -> list[str]:
    return list(order.events.values_list("kind", flat=True))


def stock(order: Order) -> int:
    return Variant.objects.get(pk=order.lines.get().variant_id).stock


def test_placed_takes_the_stock_and_holds_it():
    order = OrderFactory(quantity=3, variant__stock=4, variant__price="24.00")

    assert (order.status, order.email, order.total) == (S.PENDING_PAYMENT, "guest@example.com", 72)
    assert stock(order) == 1
    assert order.hold.is_active
    assert timeline(order) == ["placed"]
    assert not Payment.objects.exists()


def test_paid_is_paid_as_the_webhook_pays_it():
    user = UserFactory(email="amy@example.com")

    order = OrderFactory(paid=True, user=user, variant__price="12.50")

    assert (order.status, order.email) == (S.PAID, "amy@example.com")
    assert order.paid_at is not None
    assert order.hold.converted_at is not None
    payment = order.payments.get()
    assert (payment.status, payment.amount_minor, payment.intent_id) == (
        "succeeded",
        1250,
        f"pi_factory_{order.number}",
    )
    assert timeline(order) == ["placed", "paid"]
    assert list(Notification.objects.values_list("event", "channel")) == [("order_paid", "email")]
    assert not order.cart.lines.exists()


@pytest.mark.parametrize(
    ("trait", "status", "steps"),
    [
        ("packed", S.PACKED, ["placed", "paid", "packed"]),
        ("shipped", S.SHIPPED, ["placed", "paid", "packed", "shipped"]),
        ("delivered", S.DELIVERED, ["placed", "paid", "packed", "shipped", "delivered"]),
    ],
)
def test_later_steps_go_through_each_one(trait, status, steps):
    order = OrderFactory(**{trait: True}, tracking_number="1Z999", variant__stock=5)

    assert order.status == status
    assert timeline(order) == steps
    assert order.tracking_number == ("1Z999" if "shipped" in steps else "")
    assert stock(order) == 4  # sold, not given back


def test_cancelled_gives_the_stock_back():
    order = OrderFactory(cancelled=True, quantity=2, variant__stock=2)

    assert order.status == S.CANCELLED
    assert stock(order) == 2
    assert order.hold.released_at is not None
    assert timeline(order) == ["placed", "cancelled"]


def test_a_given_cart_is_checked_out_as_it_is():
    cart = CartFactory()
    CartLineFactory(cart=cart, variant=VariantFactory(price="5.00"), quantity=2)
    CartLineFactory(cart=cart, variant=VariantFactory(price="7.00"), quantity=1)

    order = OrderFactory(cart=cart, email="pat@example.com")

    assert (order.cart_id, order.email, order.total, order.lines.count()) == (cart.pk, "pat@example.com", 17, 2)
    assert Variant.objects.count() == 2  # no variant of the factory's own


def test_one_user_may_have_several_orders_at_once():
    user = UserFactory()

    first, second = OrderFactory(user=user), OrderFactory(paid=True, user=user)

    assert first.cart.user == user
    assert second.cart.user is None  # the user's cart was taken
    assert (Order.objects.get(pk=first.pk).status, second.status) == (S.PENDING_PAYMENT, S.PAID)


@pytest.mark.usefixtures("stripe_settings")
def test_at_stripe_pays_through_localstripe():
    from tests.fake_stripe import stripe_api

    order = OrderFactory(paid=True, at_stripe=True, variant__price="48.00")

    payment = order.payments.get()
    assert payment.intent_id.startswith("pi_")
    assert stripe_api().v1.payment_intents.retrieve(payment.intent_id).status == "succeeded"
    assert timeline(order) == ["placed", "paid"]


def test_an_order_is_never_only_built():
    with pytest.raises(TypeError):
        OrderFactory.build()
