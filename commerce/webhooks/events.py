"""What the store tells endpoints, and when: order events and stock going low, with their payloads.

Orders and catalog do not know about webhooks: they call the listeners registered here (apps.py),
inside the transaction of the change, so a delivery commits or rolls back with it.
"""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import F

from commerce.catalog.models import Variant
from commerce.orders.models import Order, OrderEvent

from .models import EventType, LowStockMark
from .services import subscribers, webhook_emit

K = OrderEvent.Kind
ORDER_EVENTS = {
    K.PLACED: EventType.ORDER_CREATED,
    K.PAID: EventType.ORDER_PAID,
    K.SHIPPED: EventType.ORDER_SHIPPED,
    K.DELIVERED: EventType.ORDER_DELIVERED,
    K.CANCELLED: EventType.ORDER_CANCELLED,
    K.EXPIRED: EventType.ORDER_CANCELLED,
    K.REFUNDED: EventType.ORDER_REFUNDED,
}
# Fulfilment needs to know where to send the parcel; the other events carry no address.
WITH_ADDRESS = {EventType.ORDER_PAID, EventType.ORDER_SHIPPED}
ADDRESS_FIELDS = ("full_name", "line1", "line2", "city", "region", "postal_code", "country", "phone")


def money(value: Decimal | int | str) -> str:
    """An amount as a decimal string with two places ("12.50"), never a float."""
    return str(Decimal(value).quantize(Decimal("0.01")))


def order_data(order: Order, event: str) -> dict[str, Any]:
    """The payload's `data` for an order event: the order as it is in the event's transaction."""
    lines = [
        {
            "sku": line.sku,
            "product": line.product_name,
            "variant": line.variant_name,
            "quantity": line.quantity,
            "unit_price": money(line.unit_price),
            "line_total": money(line.line_total),
        }
        for line in order.lines.order_by("pk")
    ]
    data: dict[str, Any] = {
        "number": order.number,
        "status": order.status,
        "email": order.email,
        "currency": order.currency,
        "subtotal": money(order.subtotal),
        "discount_total": money(order.discount_total),
        "shipping_total": money(order.shipping_total),
        "tax_total": money(order.tax_total),
        "total": money(order.total),
        "shipping_method": order.shipping_method_name,
        "tracking_number": order.tracking_number,
        "placed_at": order.created_at.isoformat(timespec="seconds") if order.created_at else None,
        "paid_at": order.paid_at.isoformat(timespec="seconds") if order.paid_at else None,
        "lines": lines,
    }
    if event in WITH_ADDRESS:
        address = order.shipping_address if isinstance(order.shipping_address, dict) else {}
        data["shipping_address"] = {name: address.get(name, "") for name in ADDRESS_FIELDS if name in address}
    return {"order": data}


def order_changed(order: Order, kind: OrderEvent.Kind) -> None:
    """An order event: tell the endpoints that follow its kind (once per order and kind)."""
    event = ORDER_EVENTS.get(K(kind)) if kind in K.values else None
    if event is None:
        return
    webhook_emit(event=event, key=f"{event}:{order.pk}", data=lambda: order_data(order, event))


def stock_changed(variant_pks: list[int]) -> None:
    """Stock moved: `stock.low` for each option that went from above the threshold to at or below it.

    The last state seen is kept per option (LowStockMark), so the event goes once each time an
    option goes down through the threshold; going back above it re-arms it. Nothing is tracked
    while no endpoint listens: the first time one does, an option seen low counts as just gone low.
    """
    if not variant_pks or not subscribers(EventType.STOCK_LOW):
        return
    threshold = settings.LOW_STOCK_THRESHOLD
    variants = list(Variant.objects.filter(pk__in=variant_pks).select_related("product").order_by("pk"))
    low = [variant for variant in variants if variant.stock <= threshold]
    above = [variant.pk for variant in variants if variant.stock > threshold]
    if above:
        LowStockMark.objects.filter(variant_id__in=above, low=True).update(low=False)
    if not low:
        return
    LowStockMark.objects.bulk_create([LowStockMark(variant=variant) for variant in low], ignore_conflicts=True)
    for variant in low:
        # Conditional: of two transactions selling the last units at once, one finds it above.
        if not LowStockMark.objects.filter(variant=variant, low=False).update(low=True, episodes=F("episodes") + 1):
            continue
        episode = LowStockMark.objects.values_list("episodes", flat=True).get(variant=variant)
        webhook_emit(
            event=EventType.STOCK_LOW,
            key=f"stock.low:{variant.pk}:{episode}",
            data={
                "variant": {
                    "sku": variant.sku,
                    "product": variant.product.name,
                    "name": variant.name,
                    "stock": variant.stock,
                    "threshold": threshold,
                }
            },
        )
