"""The demo's order history (for `seed_demo`): a few delivered orders of the demo shopper, with
products in common so that "Customers also bought" has something to say, and reviews a verified buyer.

Written as history, not sold now: the orders were placed, paid, packed, shipped and delivered weeks
ago, each step an event along the status machine, and no live stock is taken (what was sold then
left the shelf then), so the demo's sold-out options stay sold out. Delivered longer ago than the
return window (RETURN_WINDOW_DAYS, 30 by default): no payment was ever taken for them at Stripe,
so nothing of them may be returned and refunded. No invoice either.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from commerce.accounts.models import User
from commerce.catalog.models import Variant
from commerce.orders.models import TRANSITIONS, Order, OrderEvent, OrderLine, OrderTaxLine

from .services import recommendations_compute

SHOPPER = "shopper@example.com"
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
TAX_NAME, TAX_RATE = "Sales tax", Decimal("8")  # the demo's US rate (commerce/tax/demo.py)
SHIPPING = ("Standard", Decimal("5.00"), Decimal("75.00"))  # name, price, free from (commerce/shipping/demo.py)


@dataclass(frozen=True)
class DemoOrder:
    number: str  # fixed: running the seed again finds it
    days_ago: int
    lines: list[tuple[str, str, int]]  # product name, option ("size"), quantity


ORDERS = [
    DemoOrder(
        "LS-DEM0-0001", 75, [("Harbour Tee", "M", 1), ("Nightwatch Hoodie", "M", 1), ("Deep Sea Mug", "11 oz", 2)]
    ),
    DemoOrder(
        "LS-DEM0-0002", 68, [("Harbour Tee", "L", 1), ("Deep Sea Mug", "15 oz", 1), ("Tideline Poster", "A3", 1)]
    ),
    DemoOrder("LS-DEM0-0003", 61, [("Nightwatch Hoodie", "L", 1), ("Deep Sea Mug", "11 oz", 1)]),
    DemoOrder("LS-DEM0-0004", 54, [("Canopy Tee", "M", 2), ("Trailhead Hoodie", "M", 1), ("Meadow Mug", "11 oz", 1)]),
    DemoOrder("LS-DEM0-0005", 47, [("Canopy Tee", "S", 1), ("Meadow Mug", "11 oz", 1), ("Switchback Poster", "A2", 1)]),
]
# Each step of the way and how long after placing it happened.
STEPS = [
    (Order.Status.PAID, timedelta(minutes=2)),
    (Order.Status.PACKED, timedelta(days=1)),
    (Order.Status.SHIPPED, timedelta(days=2)),
    (Order.Status.DELIVERED, timedelta(days=5)),
]
CENT = Decimal("0.01")


def delivered_orders_demo() -> int:
    """Write the demo shopper's delivered orders that are missing (none without the shopper or the
    demo catalog), then count the co-purchases again; how many orders were written."""
    with transaction.atomic():
        # Two seeds at once take turns on the shopper's row: the second finds the first's orders.
        shopper = User.objects.select_for_update().filter(email=SHOPPER).first()
        written = 0
        if shopper is not None:
            existing = set(Order.objects.filter(number__in=[o.number for o in ORDERS]).values_list("number", flat=True))
            written = sum(_write(shopper, spec) for spec in ORDERS if spec.number not in existing)
    recommendations_compute()
    return written


def _write(shopper: User, spec: DemoOrder) -> bool:
    bought = []
    for name, size, quantity in spec.lines:
        variant = (
            Variant.objects.select_related("product")
            .filter(product__name=name, options__size=size)
            .order_by("pk")
            .first()
        )
        if variant is None:  # not the demo catalog
            return False
        bought.append((variant, quantity))
    lines = []
    for variant, quantity in bought:
        line_total = variant.price * quantity
        tax = (line_total * TAX_RATE / 100).quantize(CENT, rounding=ROUND_HALF_UP)
        lines.append(
            OrderLine(
                variant=variant,
                product_name=variant.product.name,
                variant_name=variant.name,
                sku=variant.sku,
                unit_price=variant.price,
                quantity=quantity,
                line_total=line_total,
                tax_total=tax,
            )
        )
    subtotal = sum((line.line_total for line in lines), Decimal("0.00"))
    tax_total = sum((line.tax_total for line in lines), Decimal("0.00"))
    method, price, free_from = SHIPPING
    shipping = Decimal("0.00") if subtotal >= free_from else price
    placed = timezone.now() - timedelta(days=spec.days_ago)
    order = Order.objects.create(
        number=spec.number,
        user=shopper,
        email=shopper.email,
        status=Order.Status.DELIVERED,
        shipping_address=dict(ADDRESS, full_name=shopper.get_full_name() or ADDRESS["full_name"]),
        subtotal=subtotal,
        shipping_method_name=method,
        shipping_total=shipping,
        tax_total=tax_total,
        total=subtotal + shipping + tax_total,
        tracking_number=f"DEMO{spec.number[-4:]}",
        paid_at=placed + STEPS[0][1],
    )
    Order.objects.filter(pk=order.pk).update(created_at=placed, updated_at=placed + STEPS[-1][1])
    for line in lines:
        line.order = order
    OrderLine.objects.bulk_create(lines)
    OrderTaxLine.objects.create(order=order, name=TAX_NAME, rate=TAX_RATE, base=subtotal, amount=tax_total)
    _history(order, placed)
    return True


def _history(order: Order, placed: datetime) -> None:
    """The timeline, step by step along the status machine, each at its time."""
    status = Order.Status.PENDING_PAYMENT
    events = [(OrderEvent.Kind.PLACED, "", status, placed)]
    for to, after in STEPS:
        assert to in TRANSITIONS[status], (status, to)  # noqa: S101 - the steps are constants
        events.append((OrderEvent.Kind(to), status, to, placed + after))
        status = to
    for kind, from_status, to_status, at in events:
        event = OrderEvent.objects.create(order=order, kind=kind, from_status=from_status, to_status=to_status)
        OrderEvent.objects.filter(pk=event.pk).update(created_at=at)
