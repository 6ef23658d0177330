from django.conf import settings
from django.db import models


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "Text message"


class Event(models.TextChoices):
    ORDER_PAID = "order_paid", "Order confirmed"
    ORDER_SHIPPED = "order_shipped", "Order shipped"
    ORDER_DELIVERED = "order_delivered", "Order delivered"
    ORDER_CANCELLED = "order_cancelled", "Order cancelled"
    ORDER_REFUNDED = "order_refunded", "Order refunded"
    SUPPORT_REPLY = "support_reply", "Support replied"
    SUPPORT_EMAIL_CHECK = "support_email_check", "Support email confirmation"
    BACK_IN_STOCK = "back_in_stock", "Back in stock (an option you asked about)"
    ALERT_CONFIRM = "alert_confirm", "Back-in-stock sign-up confirmation"
    WISHLIST_PRICE_DROP = "wishlist_price_drop", "Price drop on a saved item"
    WISHLIST_BACK_IN_STOCK = "wishlist_back_in_stock", "Saved item back in stock"


# The kinds of message a person chooses on the account page; the others are sent to guests only,
# when their own request asks for them (a guest's support email: "is this address yours?").
PREFERENCE_EVENTS = [event for event in Event if event not in (Event.SUPPORT_EMAIL_CHECK, Event.ALERT_CONFIRM)]


class Notification(models.Model):
    """The outbox: one message to one recipient on one channel, written with the event that causes it."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"
        SUPPRESSED = "suppressed", "Suppressed"

    event = models.CharField(max_length=40, choices=Event.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    recipient = models.CharField(max_length=254, help_text="Email address or E.164 phone number")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    subject = models.CharField(max_length=200, blank=True)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    provider_id = models.CharField(max_length=100, blank=True, db_index=True)
    idempotency_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.idempotency_key


class Preference(models.Model):
    """Whether a person wants one kind of message on one channel (absent: the default)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    event = models.CharField(max_length=40, choices=Event.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    enabled = models.BooleanField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "event", "channel"], name="one_preference_per_kind")]

    def __str__(self) -> str:
        return f"{self.user} {self.event} {self.channel}: {'on' if self.enabled else 'off'}"
