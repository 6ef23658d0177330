"""Orders placed with a breakdown of their own (each line's share of a discount and its tax, shipping),
then paid: what refunds by line work on, whatever checkout's pricing fills in today."""

from dataclasses import dataclass
from decimal import Decimal

from commerce.accounts.models import User
from commerce.orders.models import Order, OrderLine
from commerce.orders.services import checkout_start
from tests.factories import ADDRESS, CartFactory, CartLineFactory, VariantFactory


@dataclass(frozen=True)
class Line:
    """One line as placed: `discount` is its share of the order's discount, `tax` its tax."""

    product: str
    variant: str
    price: str
    quantity: int
    discount: str = "0.00"
    tax: str = "0.00"


# 2 × 20.00 with 4.00 off and 8% on 36.00 (2.88): 38.88 back for both, 19.44 each.
TEE = Line("Canopy Tee", "M", "20.00", 2, discount="4.00", tax="2.88")
# 3 × 3.33, no discount, 8% on 9.99 (0.80): 10.79 for three, 3.60 a unit (rounded), the last 3.59.
SOCK = Line("Trail Sock", "L", "3.33", 3, tax="0.80")


def order_with_breakdown(
    *lines: Line,
    shipping: str = "5.00",
    shipping_tax: str = "0.40",
    prices_include_tax: bool = False,
    user: User | None = None,
    paid: bool = True,
    at_stripe: bool = True,
) -> Order:
    """Place `lines` (TEE and SOCK by default) with their breakdown, `shipping` (and its tax) on top,
    then pay through localstripe (needs `stripe_settings`), or as the webhook does (`at_stripe=False`)."""
    from tests.factories import _pay_as_the_webhook_does, _pay_at_stripe

    lines = lines or (TEE, SOCK)
    cart = CartFactory(user=user)
    variants = []
    for line in lines:
        variant = VariantFactory(product__name=line.product, name=line.variant, price=line.price, stock=50)
        CartLineFactory(cart=cart, variant=variant, quantity=line.quantity)
        variants.append(variant)
    order = checkout_start(
        cart=cart, user=user, email=user.email if user else "guest@example.com", address=dict(ADDRESS)
    )
    for line, variant in zip(lines, variants, strict=True):
        OrderLine.objects.filter(order=order, variant=variant).update(
            discount_total=Decimal(line.discount), tax_total=Decimal(line.tax)
        )
    subtotal = sum((Decimal(line.price) * line.quantity for line in lines), Decimal("0.00"))
    discount = sum((Decimal(line.discount) for line in lines), Decimal("0.00"))
    tax = sum((Decimal(line.tax) for line in lines), Decimal(shipping_tax))
    total = subtotal - discount + Decimal(shipping) + (0 if prices_include_tax else tax)
    Order.objects.filter(pk=order.pk).update(
        subtotal=subtotal,
        discount_total=discount,
        shipping_total=Decimal(shipping),
        tax_total=tax,
        prices_include_tax=prices_include_tax,
        total=total,
    )
    order.refresh_from_db()
    if not paid:
        return order
    return _pay_at_stripe(order) if at_stripe else _pay_as_the_webhook_does(order)


def line_of(order: Order, product: str) -> OrderLine:
    return order.lines.get(product_name=product)
