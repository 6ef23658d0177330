import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse

from commerce.money import to_minor

# Crockford base32 without look-alikes: easy to read out on the phone.
NUMBER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_order_number() -> str:
    """A human-friendly, non-enumerable order number such as "LS-7K3F-9QX2" (40 random bits)."""
    raw = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(8))
    return f"LS-{raw[:4]}-{raw[4:]}"


class Order(models.Model):
    class Status(models.TextChoices):
        PENDING_PAYMENT = "pending_payment", "Awaiting payment"
        PAID = "paid", "Paid"
        PACKED = "packed", "Packed"
        SHIPPED = "shipped", "Shipped"
        DELIVERED = "delivered", "Delivered"
        CANCELLED = "cancelled", "Cancelled"
        REFUNDED = "refunded", "Refunded"

    number = models.CharField(max_length=16, unique=True, default=new_order_number, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    email = models.EmailField()
    cart = models.ForeignKey("cart.Cart", null=True, blank=True, on_delete=models.SET_NULL, related_name="orders")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING_PAYMENT, db_index=True)
    shipping_address = models.JSONField(help_text="Snapshot of the address at checkout.")
    currency = models.CharField(max_length=3, default="USD")
    subtotal = models.DecimalField(max_digits=12, decimal_places=2)
    shipping_total = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    total = models.DecimalField(max_digits=12, decimal_places=2)
    tracking_number = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(total__gte=0), name="order_total_non_negative"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("orders:detail", kwargs={"number": self.number})

    @property
    def total_minor(self) -> int:
        """The total in the currency's minor unit (cents, yen: its own exponent)."""
        return to_minor(self.total, self.currency)

    def can_transition(self, to: str) -> bool:
        return to in TRANSITIONS.get(self.status, set())


S = Order.Status
# The status machine: every allowed edge. Anything else is refused.
TRANSITIONS: dict[str, set[str]] = {
    S.PENDING_PAYMENT: {S.PAID, S.CANCELLED},
    S.PAID: {S.PACKED, S.REFUNDED},
    S.PACKED: {S.SHIPPED, S.REFUNDED},
    S.SHIPPED: {S.DELIVERED, S.REFUNDED},
    S.DELIVERED: {S.REFUNDED},
    S.CANCELLED: set(),
    S.REFUNDED: set(),
}


class OrderLine(models.Model):
    """What was bought, as it was at checkout (the catalog may change later)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey("catalog.Variant", null=True, on_delete=models.SET_NULL, related_name="+")
    product_name = models.CharField(max_length=200)
    variant_name = models.CharField(max_length=100)
    sku = models.CharField(max_length=64)
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    quantity = models.PositiveIntegerField()
    line_total = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["pk"]
        constraints = [models.CheckConstraint(condition=models.Q(quantity__gt=0), name="orderline_quantity_positive")]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_name} — {self.variant_name}"


class OrderEvent(models.Model):
    """One entry of the order's timeline: a status change, a payment, a note."""

    class Kind(models.TextChoices):
        """What happened. The database checkout (orders/sql/) writes these same values, and a status
        change is written under the status it reached (`Kind(status)`): every status an order can
        move to is a kind."""

        PLACED = "placed", "Order placed"
        PAID = "paid", "Payment received"
        PAYMENT_FAILED = "payment_failed", "Payment declined"
        PAYMENT_MISMATCH = "payment_mismatch", "Payment amount did not match"
        PAYMENT_AFTER_CANCEL = "payment_after_cancel", "Payment arrived after cancellation"
        PACKED = "packed", "Packed"
        SHIPPED = "shipped", "Shipped"
        DELIVERED = "delivered", "Delivered"
        CANCELLED = "cancelled", "Cancelled"
        EXPIRED = "expired", "Cancelled: payment time ran out"
        REFUNDED = "refunded", "Refunded"
        REFUND_PARTIAL = "refund_partial", "Partial refund"
        RESTOCKED = "restocked", "Items returned to stock"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40, choices=Kind.choices)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.order} {self.kind}"

    @property
    def label(self) -> str:
        """The kind as the timeline shows it; a kind written before it had a label reads as its code."""
        return self.get_kind_display() if self.kind in self.Kind.values else self.kind.replace("_", " ").capitalize()
