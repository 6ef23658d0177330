"""Discount codes and their uses.

`DiscountCode.times_used` counts the uses not given back; it is taken like stock, by a conditional
UPDATE (services.discount_redeem), so the limit holds under any number of buyers at once. Each use
is a `DiscountRedemption` row per order; giving it back stamps `released_at` and lowers the counter.
"""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils import timezone

from commerce.catalog.models import Category, Product
from commerce.money import format_money

# A fixed amount off above this is a typo, not a promotion.
FIXED_MAX = Decimal("10000.00")
CODE_FORMAT = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_-]{2,31}$",
    "Use 3 to 32 letters, digits, dashes or underscores, starting with a letter or digit.",
)


class DiscountCode(models.Model):
    class Kind(models.TextChoices):
        PERCENT = "percent", "Percent off"
        FIXED = "fixed", "Fixed amount off"
        FREE_SHIPPING = "free_shipping", "Free shipping"

    code = models.CharField(
        max_length=32, validators=[CODE_FORMAT], help_text="What shoppers type, in any case; stored in capitals."
    )
    description = models.CharField(max_length=200, blank=True, help_text="For staff; shoppers never see it.")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.PERCENT)
    value = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        default=Decimal("0.00"),
        help_text="Percent off (more than 0, at most 100), or the amount off; 0 for free shipping.",
    )
    min_subtotal = models.DecimalField(
        "minimum subtotal", max_digits=10, decimal_places=2, default=Decimal("0.00"), help_text="0 for no minimum."
    )
    starts_at = models.DateTimeField(null=True, blank=True, help_text="Empty: usable at once.")
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Empty: never expires.")
    usage_limit = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)], help_text="Uses in all; empty for no limit."
    )
    per_customer_limit = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Uses per customer (account or guest email); empty for no limit.",
    )
    times_used = models.PositiveIntegerField(default=0, editable=False)
    categories = models.ManyToManyField(
        Category, blank=True, related_name="+", help_text="Only these categories' products (with the products below)."
    )
    products = models.ManyToManyField(
        Product, blank=True, related_name="+", help_text="Only these products. Leave both empty for the whole cart."
    )
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                Upper("code"), name="discountcode_code_unique_any_case", violation_error_message="That code exists."
            ),
            models.CheckConstraint(condition=Q(code=Upper("code")), name="discountcode_code_capitals"),
            models.CheckConstraint(condition=Q(times_used__gte=0), name="discountcode_times_used_non_negative"),
            models.CheckConstraint(
                condition=Q(usage_limit__isnull=True) | Q(times_used__lte=F("usage_limit")),
                name="discountcode_times_used_within_limit",
                violation_error_message="The usage limit cannot be below the uses already made.",
            ),
            models.CheckConstraint(
                condition=Q(usage_limit__isnull=True) | Q(usage_limit__gt=0), name="discountcode_usage_limit_positive"
            ),
            models.CheckConstraint(
                condition=Q(per_customer_limit__isnull=True) | Q(per_customer_limit__gt=0),
                name="discountcode_per_customer_limit_positive",
            ),
            models.CheckConstraint(condition=Q(min_subtotal__gte=0), name="discountcode_min_subtotal_non_negative"),
            models.CheckConstraint(
                condition=Q(kind="percent", value__gt=0, value__lte=100)
                | Q(kind="fixed", value__gt=0, value__lte=FIXED_MAX)
                | Q(kind="free_shipping", value=0),
                name="discountcode_value_fits_kind",
            ),
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True) | Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
                name="discountcode_ends_after_start",
                violation_error_message="The end must be after the start.",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.code = self.code.strip().upper()  # a code made in code, not through a form, too
        super().save(*args, **kwargs)

    def clean(self) -> None:
        """Capitals for the code, and a value that makes sense for the kind (said per field)."""
        self.code = (self.code or "").strip().upper()
        # times_used is not on the form, so Django leaves the constraint that reads it to the database.
        if self.usage_limit is not None and self.times_used > self.usage_limit:
            raise ValidationError(
                {"usage_limit": f"The usage limit cannot be below the uses already made ({self.times_used})."}
            )
        value = self.value
        if self.kind == self.Kind.PERCENT and not Decimal(0) < value <= 100:
            raise ValidationError({"value": "A percent off must be more than 0 and at most 100."})
        if self.kind == self.Kind.FIXED and not Decimal(0) < value <= FIXED_MAX:
            raise ValidationError(
                {"value": f"An amount off must be more than 0 and at most {format_money(FIXED_MAX)}."}
            )
        if self.kind == self.Kind.FREE_SHIPPING and value != 0:
            raise ValidationError({"value": "Free shipping takes no value: leave it at 0."})

    @property
    def summary(self) -> str:
        """What the code gives, as staff and the cart line read it: "10% off", "$5.00 off", "Free shipping"."""
        if self.kind == self.Kind.PERCENT:
            return f"{self.value.normalize():f}% off"
        if self.kind == self.Kind.FIXED:
            return f"{format_money(self.value)} off"
        return "Free shipping"


class DiscountRedemption(models.Model):
    """One order's use of a code; `released_at` is set when the use is given back (cancel, expiry)."""

    code = models.ForeignKey(DiscountCode, on_delete=models.PROTECT, related_name="redemptions")
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="discount_redemptions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    email = models.EmailField(help_text="In lower case: a guest's uses are counted by it.")
    redeemed_at = models.DateTimeField(default=timezone.now)
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-redeemed_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["order"], name="discountredemption_one_per_order")]
        indexes = [
            models.Index(fields=["code", "email"], name="discountredemption_email"),
            models.Index(fields=["code", "user"], name="discountredemption_user"),
        ]

    def __str__(self) -> str:
        return f"{self.code} on {self.order}"
