from django.conf import settings
from django.db import models

# Where a guest's cart pk lives in the session.
SESSION_KEY = "cart_pk"


class Cart(models.Model):
    """A shopper's cart: a guest's (its pk kept in the session) or a user's (one per user)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="cart"
    )
    # The discount code the shopper applied (in capitals; checked again whenever totals are shown,
    # and at checkout), and where the cart page estimates shipping and tax for: kept on the cart,
    # so every tab and device of it shows the same totals.
    discount_code = models.CharField(max_length=32, blank=True, default="", db_default="")
    estimate_country = models.CharField(max_length=2, blank=True, default="", db_default="")
    estimate_region = models.CharField(max_length=3, blank=True, default="", db_default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Cart {self.pk} ({self.user or 'guest'})"


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey("catalog.Variant", on_delete=models.CASCADE, related_name="cart_lines")
    quantity = models.PositiveIntegerField()
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "variant"], name="cartline_one_per_variant"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="cartline_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.variant}"
