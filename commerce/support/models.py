from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

BODY_MAX_LENGTH = 2000


class Conversation(models.Model):
    """One thread between a customer (a user, or a guest known by session and email) and the support team."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="support_conversations",
    )
    guest_email = models.EmailField(blank=True)
    # When the guest opened the link we emailed to `guest_email` and confirmed it: until then the
    # address is only what they typed, and staff are shown nothing found by it (their orders).
    guest_email_verified_at = models.DateTimeField(null=True, blank=True)
    # The guest's session, so that replies reach their open pages; emptied when they sign in.
    guest_session_key = models.CharField(max_length=40, blank=True)
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="conversations"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_conversations",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    last_message_at = models.DateTimeField(default=timezone.now)
    last_message_id = models.PositiveBigIntegerField(default=0)
    last_staff_message_id = models.PositiveBigIntegerField(default=0)
    last_staff_message_at = models.DateTimeField(null=True, blank=True)
    last_customer_message_id = models.PositiveBigIntegerField(default=0)
    # Read marks: the customer's, and the team's (the furthest any agent has read).
    customer_read_id = models.PositiveBigIntegerField(default=0)
    staff_read_id = models.PositiveBigIntegerField(default=0)
    # The last staff message an unread-reply email or text covered (one per burst of replies).
    reply_notified_id = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-last_message_at", "-pk"]
        indexes = [models.Index(fields=["status", "-last_message_at"], name="support_conv_inbox")]
        constraints = [
            models.CheckConstraint(
                condition=Q(customer__isnull=False) | ~Q(guest_email=""), name="support_conversation_has_a_customer"
            )
        ]

    def __str__(self) -> str:
        return f"Conversation {self.pk} with {self.customer_label}"

    @property
    def customer_label(self) -> str:
        return self.customer.email if self.customer_id and self.customer else f"{self.guest_email} (guest)"

    @property
    def customer_email(self) -> str:
        return self.customer.email if self.customer_id and self.customer else self.guest_email

    @property
    def email_verified(self) -> bool:
        """A customer's address once their account proved it; a guest's once they confirmed it."""
        if self.customer_id is not None:
            return bool(self.customer and self.customer.email_verified)
        return self.guest_email_verified_at is not None

    @property
    def topic(self) -> str:
        """What the customer's pages follow: customer-facing fragments only."""
        return f"conversation.{self.pk}"

    @property
    def staff_topic(self) -> str:
        """What the agent's thread page follows: the staff side (controls, agents' names and emails)."""
        return f"conversation_staff.{self.pk}"


class Message(models.Model):
    """Plain text, up to BODY_MAX_LENGTH characters; shown escaped, links made clickable."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    from_staff = models.BooleanField(default=False)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    # Made when the form was rendered (`client_key_new`): sending that form again (a retry after
    # an error or a time-out, a double click) finds this message instead of storing a second one.
    # Unique across conversations: a guest's first message has no conversation yet when it is sent.
    client_key = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["conversation", "id"], name="support_msg_thread")]
        constraints = [
            models.UniqueConstraint(
                fields=["client_key"], condition=~Q(client_key=""), name="support_message_sent_once"
            )
        ]

    def __str__(self) -> str:
        return f"{'Staff' if self.from_staff else 'Customer'}: {self.body[:40]}"


class StaffReadState(models.Model):
    """How far one agent has read one conversation (for "seen" marks and the team's unread count)."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="staff_reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    last_read_id = models.PositiveBigIntegerField(default=0)
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["conversation", "user"], name="one_read_state_per_agent")]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.conversation_id} to {self.last_read_id}"


class CannedReply(models.Model):
    """A ready answer staff insert into a reply with one click (edited in the admin)."""

    title = models.CharField(max_length=80, unique=True)
    body = models.TextField(max_length=BODY_MAX_LENGTH)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "canned replies"

    def __str__(self) -> str:
        return self.title
