from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from commerce.catalog.models import Variant


class StockAlert(models.Model):
    """One person asking to be told when a sold-out option is back, in the order they asked.

    A signed-in person's alert waits at once; a guest's waits once they confirm the address (the
    emailed link). When stock returns, waiting alerts are offered (told) oldest first, no more at a
    time than there are units; an offer not bought within ALERT_OFFER_MINUTES lapses and frees its
    unit for the next. Nobody is told twice: only `waiting` alerts are ever offered.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Awaiting email confirmation"
        WAITING = "waiting", "Waiting"
        OFFERED = "offered", "Told"
        BOUGHT = "bought", "Bought"
        LAPSED = "lapsed", "Told, did not buy"
        CANCELLED = "cancelled", "Cancelled"

    OPEN = (State.PENDING, State.WAITING, State.OFFERED)

    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="stock_alerts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="stock_alerts"
    )
    email = models.EmailField(max_length=254)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(default=timezone.now, help_text="When they asked: the order of offers.")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    offered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["variant", "state", "created_at"], name="stock_alert_queue")]
        constraints = [
            models.UniqueConstraint(
                fields=["variant", "user"],
                condition=models.Q(user__isnull=False, state__in=["pending", "waiting", "offered"]),
                name="one_open_stock_alert_per_user",
            ),
            models.UniqueConstraint(
                Lower("email"),
                "variant",
                condition=models.Q(user__isnull=True, state__in=["pending", "waiting", "offered"]),
                name="one_open_stock_alert_per_guest_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} · {self.variant_id} · {self.get_state_display()}"
