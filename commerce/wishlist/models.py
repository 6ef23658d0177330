from django.conf import settings
from django.db import models
from django.utils import timezone

# Where a guest's saved products live: a list of product pks in the session, newest first.
SESSION_KEY = "wishlist"
# How many products one list holds (a guest's session, a person's account).
MAX_ITEMS = 100


class WishlistItem(models.Model):
    """A product a person saved for later, with what they were last told of its price and stock."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wishlist_items")
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="wishlist_items")
    created_at = models.DateTimeField(default=timezone.now)
    # The product's lowest price when saved, or when its price last changed: a price below it is a drop.
    price_seen = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    price_drops = models.PositiveIntegerField(default=0)  # drops told: names each notice
    # Sold out when saved, or since: its return to stock is told once, then this is cleared.
    waiting_restock = models.BooleanField(default=False)
    restocks = models.PositiveIntegerField(default=0)  # returns told: names each notice

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["user", "product"], name="wishlist_one_per_product")]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.user} saved {self.product}"
