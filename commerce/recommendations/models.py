from django.db import models

from commerce.catalog.models import Product


class CoPurchase(models.Model):
    """How many paid orders held both `product` and `other`, as last computed (services.py).

    One row each way (A -> B and B -> A), so the others of a product are one index range."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    orders = models.PositiveIntegerField(help_text="Paid orders holding both products.")
    computed_at = models.DateTimeField(help_text="When this figure was last found changed.")

    class Meta:
        verbose_name = "co-purchase"
        constraints = [
            models.UniqueConstraint(fields=["product", "other"], name="copurchase_one_row_per_pair"),
            models.CheckConstraint(condition=~models.Q(product=models.F("other")), name="copurchase_two_products"),
            models.CheckConstraint(condition=models.Q(orders__gt=0), name="copurchase_orders_positive"),
        ]
        indexes = [models.Index(fields=["product", "-orders"], name="copurchase_top_others")]

    def __str__(self) -> str:
        return f"{self.product_id} + {self.other_id}: {self.orders}"
