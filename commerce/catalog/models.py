from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import connection, models
from django.urls import reverse
from django.utils import timezone


class Category(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text="Leave empty for a top-level category. A category with subcategories cannot be deleted.",
    )
    description = models.TextField(blank=True, help_text="Shown at the top of the category's page.")
    seo_title = models.CharField("SEO title", max_length=70, blank=True)
    seo_description = models.CharField("SEO description", max_length=160, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("pk")),
                name="category_not_own_parent",
                violation_error_message="A category cannot be its own parent.",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:category", kwargs={"slug": self.slug})

    @property
    def page_title(self) -> str:
        return self.seo_title or self.name

    @property
    def page_description(self) -> str:
        return self.seo_description or self.description[:160]

    def clean(self) -> None:
        """Refuse a parent that is this category or one of its subcategories (a loop has no top).

        Inside a transaction (the admin's form) this category and the new parent's chain are locked
        in pk order until commit, then the chain is read again: two editors each moving a category
        under the other's wait for each other, and the second sees the first's move and is refused."""
        super().clean()
        if self.parent_id is None or self.pk is None:  # a new category has no subcategories yet
            return
        chain = category_chain(self.parent_id)
        if connection.in_atomic_block:
            locked = Category.objects.select_for_update().filter(pk__in=sorted({self.pk, *chain})).order_by("pk")
            list(locked.values_list("pk", flat=True))
            chain = category_chain(self.parent_id)
        if self.pk in chain:
            raise ValidationError({"parent": "A category cannot be placed under itself or one of its subcategories."})


def category_chain(pk: int) -> list[int]:
    """This category's pk and its ancestors' up to the top (stops at a loop, should the data hold one)."""
    parents = dict(Category.objects.values_list("pk", "parent_id"))
    chain: list[int] = []
    current: int | None = pk
    while current is not None and current not in chain:
        chain.append(current)
        current = parents.get(current)
    return chain


class ProductQuerySet(models.QuerySet["Product"]):
    def live(self) -> "ProductQuerySet":
        """Products a shopper may see: not deleted, and published."""
        return self.filter(deleted_at__isnull=True, is_published=True)


class Product(models.Model):
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    seo_title = models.CharField("SEO title", max_length=70, blank=True)
    seo_description = models.CharField("SEO description", max_length=160, blank=True)
    is_published = models.BooleanField(default=True)
    deleted_at = models.DateTimeField(null=True, blank=True, help_text="Set to hide the product everywhere.")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Of the published reviews (commerce/reviews keeps them): shown on cards and the product page.
    rating_average = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True, editable=False)
    rating_count = models.PositiveIntegerField(default=0, db_default=0, editable=False)  # raw inserts too (bulk loads)

    objects: ClassVar[ProductQuerySet] = ProductQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["-created_at", "pk"]
        indexes = [models.Index(fields=["category", "-created_at"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:product", kwargs={"slug": self.slug})

    @property
    def page_title(self) -> str:
        return self.seo_title or self.name

    @property
    def page_description(self) -> str:
        return self.seo_description or self.description[:160]


def stock_level(stock: int) -> str:
    """ "out", "low" or "in": what a shopper is told of a stock figure (badges, options, pushes)."""
    if stock <= 0:
        return "out"
    return "low" if stock <= settings.LOW_STOCK_THRESHOLD else "in"


class Variant(models.Model):
    """One buyable version of a product; `stock` is what is still available to sell."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField("SKU", max_length=64, unique=True)
    name = models.CharField(max_length=100, help_text='Shown to shoppers, e.g. "M / Navy".')
    options = models.JSONField(default=dict, blank=True, help_text='e.g. {"size": "M", "colour": "Navy"}')
    price = models.DecimalField(max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.00"))])
    compare_at_price = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="On sale: the price before the sale, shown struck through beside the price (above it).",
    )
    weight = models.PositiveIntegerField(
        "weight (g)", default=0, db_default=0, help_text="Shipped weight in grams (rates by weight)."
    )
    stock = models.PositiveIntegerField(default=0)
    position = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(stock__gte=0), name="variant_stock_non_negative"),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="variant_price_non_negative"),
            models.CheckConstraint(
                condition=models.Q(compare_at_price__isnull=True) | models.Q(compare_at_price__gt=models.F("price")),
                name="variant_compare_at_above_price",
                violation_error_message="The price before the sale must be above the price.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.name} — {self.name}"

    @property
    def is_sold_out(self) -> bool:
        return stock_level(self.stock) == "out"

    @property
    def is_low(self) -> bool:
        return stock_level(self.stock) == "low"


class ProductImage(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to="products/")
    alt = models.CharField(max_length=200, blank=True)
    position = models.PositiveIntegerField(default=0)
    # The sizes made from `image` (commerce/catalog/images.py): {"name" and "source" (hash) of the original,
    # its "width" and "height", "files": [{"width", "height", "webp", "jpeg"}, ...]}; empty until made, or
    # naming another original (a picture replaced a moment ago): the original is shown meanwhile.
    renditions = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.alt or self.image.name
