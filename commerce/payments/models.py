from django.conf import settings
from django.db import models


class Payment(models.Model):
    """One Stripe PaymentIntent for an order. An order may need several (a cancelled intent, a new attempt)."""

    class Status(models.TextChoices):
        REQUIRES_PAYMENT = "requires_payment", "Awaiting payment"
        PROCESSING = "processing", "Processing"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELED = "canceled", "Canceled"

    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(max_length=20, default="stripe")
    intent_id = models.CharField(max_length=255, unique=True)
    client_secret = models.CharField(max_length=255)
    amount_minor = models.PositiveIntegerField(help_text="In the currency's minor unit (cents).")
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REQUIRES_PAYMENT, db_index=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.intent_id} ({self.status})"


class Refund(models.Model):
    """Money sent back for a payment, in full or in part. Pending until Stripe confirms it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    # Empty until Stripe answers; the row exists first so its pk can key the request.
    stripe_refund_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    amount_minor = models.PositiveIntegerField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    # Staff-typed; shown to the customer only when `reason_public` (otherwise a neutral "Refunded $X").
    reason = models.CharField(max_length=200, blank=True)
    reason_public = models.BooleanField("show the reason to the customer", default=False)
    # Made by us without a person asking (a payment that arrived for a cancelled order).
    automatic = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Sending: a sender claims the row until `claimed_until` (so two never call Stripe for it at once);
    # `attempts` counts the calls, `last_error` keeps the latest failure (Stripe's own words when it refused).
    attempts = models.PositiveIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.CheckConstraint(condition=models.Q(amount_minor__gt=0), name="refund_amount_positive")]

    def __str__(self) -> str:
        return f"Refund {self.stripe_refund_id or self.pk} ({self.status})"


class StripeEvent(models.Model):
    """A webhook event, recorded (unique id) before it is acted on, so each is applied once."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100, db_index=True)
    created_at = models.DateTimeField(help_text="When Stripe created the event.")
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    payload = models.JSONField()

    class Meta:
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class RefundLine(models.Model):
    """Units of one order line that a refund gives back, and what they come to (their share of the
    line's discount taken off, their tax given back). A refund by amount has none."""

    refund = models.ForeignKey(Refund, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.PROTECT, related_name="refund_lines")
    quantity = models.PositiveIntegerField()
    # May be 0: the units of a line worth less than a cent each get nothing until its last unit.
    amount_minor = models.PositiveIntegerField()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="refundline_quantity_positive"),
            models.UniqueConstraint(fields=["refund", "order_line"], name="refundline_one_per_line"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.order_line.product_name} — {self.order_line.variant_name}"
