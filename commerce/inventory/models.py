from django.db import models


class StockHold(models.Model):
    """Stock taken for an order awaiting payment; released on expiry or cancel, or turned into a sale."""

    order = models.OneToOneField("orders.Order", on_delete=models.CASCADE, related_name="hold")
    expires_at = models.DateTimeField(db_index=True)
    released_at = models.DateTimeField(null=True, blank=True)
    converted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(released_at__isnull=True) | models.Q(converted_at__isnull=True),
                name="hold_released_or_converted_not_both",
            )
        ]

    def __str__(self) -> str:
        return f"Hold for {self.order_id}"

    @property
    def is_active(self) -> bool:
        return self.released_at is None and self.converted_at is None
