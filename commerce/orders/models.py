import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models.functions import Round
from django.urls import reverse

from commerce.money import to_minor
from commerce.tax.calculation import TaxLine

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
    billing_address = models.JSONField(
        null=True, blank=True, help_text="Snapshot of the billing address when it is not the shipping address."
    )
    currency = models.CharField(max_length=3, default="USD")
    # The breakdown as placed (orders/totals.py): what a code, a shipping method or a tax rate
    # says later changes none of it. Each column has a database default as well, because the
    # database checkout (orders/sql/) inserts orders naming its columns.
    subtotal = models.DecimalField(max_digits=12, decimal_places=2)
    discount_total = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0.00"), db_default=Decimal("0.00")
    )
    discount_code = models.CharField(max_length=32, blank=True, default="", db_default="")
    discount_label = models.CharField(
        max_length=200, blank=True, default="", db_default="", help_text='As shoppers saw it: "WELCOME10 (10% off)".'
    )
    shipping_method_name = models.CharField(max_length=100, blank=True, default="", db_default="")
    shipping_total = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    tax_total = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0.00"), db_default=Decimal("0.00")
    )
    prices_include_tax = models.BooleanField(
        default=False, db_default=False, help_text="The tax was inside the prices, not added on top."
    )
    total = models.DecimalField(max_digits=12, decimal_places=2)
    tracking_number = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(total__gte=0), name="order_total_non_negative"),
            models.CheckConstraint(
                condition=models.Q(discount_total__gte=0, discount_total__lte=models.F("subtotal"))
                & models.Q(shipping_total__gte=0, tax_total__gte=0),
                name="order_breakdown_amounts_valid",
            ),
            # SQLite keeps decimals as floats: rounding the sum to the cent compares what the columns hold.
            models.CheckConstraint(
                condition=models.Q(
                    total=Round(
                        models.F("subtotal")
                        - models.F("discount_total")
                        + models.F("shipping_total")
                        + models.Case(
                            models.When(prices_include_tax=True, then=models.Value(Decimal("0.00"))),
                            default=models.F("tax_total"),
                        ),
                        2,
                    )
                ),
                name="order_total_adds_up",
            ),
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
    # The line's share of the order's discount, and its tax (on the amount after that share; inside
    # line_total when the order's prices include tax): what refunding the line gives back.
    discount_total = models.DecimalField(max_digits=12, decimal_places=2, default=0, db_default=0)
    tax_total = models.DecimalField(max_digits=12, decimal_places=2, default=0, db_default=0)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="orderline_quantity_positive"),
            models.CheckConstraint(
                condition=models.Q(discount_total__gte=0, tax_total__gte=0, discount_total__lte=models.F("line_total")),
                name="orderline_amounts_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_name} — {self.variant_name}"


class OrderTaxLine(models.Model):
    """One rate's share of the order's tax, as it was at checkout: a later change of the rate alters nothing."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="tax_lines")
    name = models.CharField(max_length=80)
    rate = models.DecimalField("rate (%)", max_digits=7, decimal_places=4)
    base = models.DecimalField(max_digits=12, decimal_places=2)
    amount = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rate__gte=0, base__gte=0, amount__gte=0), name="ordertaxline_amounts_non_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.rate}%: {self.amount}"

    @classmethod
    def from_tax_line(cls, order: Order, line: TaxLine) -> "OrderTaxLine":
        """The row storing `line` for `order`, unsaved (for bulk_create), its figures as they are."""
        return cls(order=order, name=line.name, rate=line.rate, base=line.base, amount=line.amount)

    def as_tax_line(self) -> TaxLine:
        return TaxLine(name=self.name, rate=self.rate, base=self.base, amount=self.amount)


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
        RETURN_REQUESTED = "return_requested", "Return requested"
        RETURN_APPROVED = "return_approved", "Return approved"
        RETURN_REFUSED = "return_refused", "Return refused"
        RETURN_RECEIVED = "return_received", "Returned items received"

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


class ReturnRequest(models.Model):
    """A shopper's request to send back some units of a delivered order (an RMA), and staff's answer.

    requested -> approved -> received (refunded), or requested -> refused. One open request per order."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Waiting for approval"
        APPROVED = "approved", "Approved: send the items back"
        REFUSED = "refused", "Refused"
        RECEIVED = "received", "Received and refunded"

    OPEN = (Status.REQUESTED, Status.APPROVED)

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="returns")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REQUESTED)
    reason = models.TextField(max_length=500)
    note = models.TextField(blank=True, max_length=500, help_text="Staff's answer, shown to the customer.")
    created_at = models.DateTimeField(auto_now_add=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=models.Q(status__in=["requested", "approved"]),
                name="one_open_return_per_order",
            )
        ]

    def __str__(self) -> str:
        return f"Return {self.pk} of {self.order_id}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class ReturnLine(models.Model):
    """Units of one order line in a return request."""

    request = models.ForeignKey(ReturnRequest, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["pk"]
        constraints = [models.CheckConstraint(condition=models.Q(quantity__gt=0), name="returnline_quantity_positive")]

    def __str__(self) -> str:
        name = self.order_line.product_name + (
            f" — {self.order_line.variant_name}" if self.order_line.variant_name else ""
        )
        return f"{self.quantity} × {name}"
