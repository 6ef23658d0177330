from decimal import Decimal
from typing import Any

import factory
from django.utils.text import slugify

from commerce.accounts.models import User
from commerce.cart.models import Cart, CartLine
from commerce.catalog.models import Category, Product, Variant
from commerce.discounts.models import DiscountCode
from commerce.orders.models import Order


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    first_name = "Pat"

    @factory.post_generation
    def password(self, create: bool, extracted: str | None, **kwargs: Any) -> None:
        self.set_password(extracted or "correct-horse-battery")
        if create:
            self.save(update_fields=["password"])


class CategoryFactory(factory.django.DjangoModelFactory[Category]):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))


class ProductFactory(factory.django.DjangoModelFactory[Product]):
    class Meta:
        model = Product

    category = factory.SubFactory(CategoryFactory)
    name = factory.Sequence(lambda n: f"Product {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    description = "A fine thing."


class VariantFactory(factory.django.DjangoModelFactory[Variant]):
    class Meta:
        model = Variant

    product = factory.SubFactory(ProductFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Sequence(lambda n: f"Option {n}")
    price = Decimal("10.00")
    stock = 10


class CartFactory(factory.django.DjangoModelFactory[Cart]):
    class Meta:
        model = Cart


class CartLineFactory(factory.django.DjangoModelFactory[CartLine]):
    class Meta:
        model = CartLine

    cart = factory.SubFactory(CartFactory)
    variant = factory.SubFactory(VariantFactory)
    quantity = 1


# A shipping address as checkout snapshots it.
ADDRESS = {
    "full_name": "Sam Shopper",
    "line1": "1 Harbour Road",
    "line2": "",
    "city": "Portland",
    "postal_code": "04101",
    "region": "ME",
    "country": "US",
    "phone": "",
}


S = Order.Status
# How far along the status machine each status is reached, one real service call per step.
_AFTER_PAYMENT = [S.PAID, S.PACKED, S.SHIPPED, S.DELIVERED]


class OrderFactory(factory.Factory[Order]):
    """An order in the status asked for, written by the real services as production writes it.

    Placed through checkout (lines, stock taken, a hold, the "placed" event), paid as Stripe's
    webhook pays it (a Payment row, the hold turned into a sale, the bought lines gone from the
    cart, the order_paid notification), then packed, shipped, delivered or cancelled through the
    order services, each step with its event. Nothing talks to Stripe unless `at_stripe=True`,
    which pays through localstripe instead (needs the `stripe_settings` fixture): refunds need
    an intent Stripe knows.

    Buys `quantity` of `variant` (a new one at 10.00, stock 10, unless given; `variant__price=...`
    works) from the user's cart (see _cart_of), or checks out `cart` as it is. Create only: an
    order is never just built.
    """

    class Meta:
        model = Order

    class Params:
        placed = factory.Trait(status=S.PENDING_PAYMENT)
        paid = factory.Trait(status=S.PAID)
        packed = factory.Trait(status=S.PACKED)
        shipped = factory.Trait(status=S.SHIPPED)
        delivered = factory.Trait(status=S.DELIVERED)
        cancelled = factory.Trait(status=S.CANCELLED)

    status = S.PENDING_PAYMENT
    user = None
    email = factory.LazyAttribute(lambda o: o.user.email if o.user else "guest@example.com")
    address = factory.LazyFunction(lambda: dict(ADDRESS))
    cart = None
    variant = factory.Maybe("cart", yes_declaration=None, no_declaration=factory.SubFactory(VariantFactory))
    quantity = 1
    tracking_number = ""
    at_stripe = False

    @classmethod
    def _build(cls, model_class: type[Order], *args: Any, **kwargs: Any) -> Order:
        raise TypeError("OrderFactory only creates: an order's rows come from the services.")

    @classmethod
    def _create(cls, model_class: type[Order], *args: Any, **kwargs: Any) -> Order:
        from commerce.orders import services

        cart = kwargs["cart"] or _cart_of(kwargs["user"], kwargs["variant"], kwargs["quantity"])
        order = services.checkout_start(
            cart=cart, user=kwargs["user"], email=kwargs["email"], address=kwargs["address"]
        )
        status = kwargs["status"]
        if status == S.CANCELLED:
            return services.order_cancel(order=order, actor=None)
        if status in _AFTER_PAYMENT:
            order = _pay_at_stripe(order) if kwargs["at_stripe"] else _pay_as_the_webhook_does(order)
            for step in _AFTER_PAYMENT[1 : _AFTER_PAYMENT.index(status) + 1]:
                tracking = kwargs["tracking_number"] if step == S.SHIPPED else ""
                order = services.order_transition(order=order, to=step, actor=None, tracking_number=tracking)
        return order


def _cart_of(user: User | None, variant: Variant, quantity: int) -> Cart:
    """The user's cart holding just this line, or a cart of the order's own when the user's is taken
    (one cart per user, and a checkout replaces the unpaid order of its cart): so several orders of
    one user never cancel each other."""
    owner = user if user is not None and not Cart.objects.filter(user=user).exists() else None
    cart = CartFactory(user=owner)
    CartLineFactory(cart=cart, variant=variant, quantity=quantity)
    return cart


def _pay_as_the_webhook_does(order: Order) -> Order:
    """The Payment row payment_start writes, then Stripe's `payment_intent.succeeded` applied to it,
    without a call to Stripe (the intent id is made up: it exists nowhere)."""
    from commerce import money
    from commerce.payments.models import Payment
    from commerce.payments.services import payment_apply_intent
    from commerce.payments.stripe_client import Intent
    from tests.fake_stripe import intent_object

    intent_id = f"pi_factory_{order.number}"
    Payment.objects.create(
        order=order,
        intent_id=intent_id,
        client_secret=f"{intent_id}_secret_x",
        amount_minor=order.total_minor,
        currency=order.currency,
    )
    amount = money.to_stripe(order.total_minor, order.currency)
    payment_apply_intent(
        intent=Intent.from_stripe(intent_object(intent_id, amount=amount, currency=order.currency.lower()))
    )
    order.refresh_from_db()
    return order


def _pay_at_stripe(order: Order) -> Order:
    """Pay as a shopper does: an intent at localstripe, a card confirmed as Stripe.js would, then the
    return page's sync."""
    from commerce.payments import services
    from tests.fake_stripe import pay_at_stripe

    payment = services.payment_start(order=order)
    pay_at_stripe(payment)
    services.payment_sync(order=order)
    order.refresh_from_db()
    assert order.status == S.PAID, order.status
    return order


class DiscountCodeFactory(factory.django.DjangoModelFactory[DiscountCode]):
    """10% off the whole cart, no minimum, no limits, usable now; `restrict_to=[product or category, ...]`."""

    class Meta:
        model = DiscountCode
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"CODE{n}")
    kind = DiscountCode.Kind.PERCENT
    value = Decimal("10.00")

    @factory.post_generation
    def restrict_to(self, create: bool, extracted: list[Product | Category] | None, **kwargs: Any) -> None:
        for item in extracted or []:
            (self.products if isinstance(item, Product) else self.categories).add(item)
