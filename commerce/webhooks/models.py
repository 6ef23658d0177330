"""Outgoing webhooks: the endpoints staff register, and the outbox of deliveries to them."""

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse


class EventType(models.TextChoices):
    ORDER_CREATED = "order.created", "Order placed (awaiting payment)"
    ORDER_PAID = "order.paid", "Order paid"
    ORDER_SHIPPED = "order.shipped", "Order shipped"
    ORDER_DELIVERED = "order.delivered", "Order delivered"
    ORDER_CANCELLED = "order.cancelled", "Order cancelled"
    ORDER_REFUNDED = "order.refunded", "Order refunded"
    STOCK_LOW = "stock.low", "Stock low (an option at or below the low-stock threshold)"


def new_secret() -> str:
    """A signing secret: `whsec_` and 48 hex digits (the whole string is the HMAC key)."""
    return "whsec_" + secrets.token_hex(24)


class WebhookEndpoint(models.Model):
    """An address staff asked the store to tell of some events, and the secret its payloads are signed with."""

    url = models.URLField(max_length=500, help_text="http(s) address that receives the POSTs")
    description = models.CharField(max_length=200, blank=True)
    secret = models.CharField(max_length=80, default=new_secret)
    events = models.JSONField(default=list, help_text="Event types sent to this endpoint")
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.url

    def get_absolute_url(self) -> str:
        return reverse("webhooks:endpoint", args=[self.pk])

    def wants(self, event: str) -> bool:
        return self.active and event in self.events


class WebhookDelivery(models.Model):
    """The outbox: one event for one endpoint, written with the event; its body is sent as it was written."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField(help_text="The event's id, the same for every endpoint (the payload's `id`)")
    event_type = models.CharField(max_length=40, choices=EventType.choices)
    body = models.TextField(help_text="The JSON payload, exactly as signed and sent")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0, help_text="Failed attempts since it was last (re)queued")
    next_attempt_at = models.DateTimeField()
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_response = models.TextField(blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="one_delivery_per_event_and_endpoint")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due")]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} -> {self.endpoint_id}"


class WebhookAttempt(models.Model):
    """One POST of a delivery and what came back (the log staff read)."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True, help_text="The first 2 KB of the answer")
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.delivery_id} at {self.at:%Y-%m-%d %H:%M:%S}: {self.status_code or self.error}"

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class LowStockMark(models.Model):
    """Whether an option was last seen at or below the low-stock threshold, so `stock.low` is sent
    once each time it goes down through it (`episodes` counts those times: the event's key)."""

    variant = models.OneToOneField("catalog.Variant", on_delete=models.CASCADE, related_name="+")
    low = models.BooleanField(default=False)
    episodes = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.variant_id}: {'low' if self.low else 'above'} ({self.episodes})"
