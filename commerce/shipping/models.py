"""Where the store ships and at what rates: zones of countries or regions, and methods per zone.

A method's rate is flat (`price`) unless it has weight brackets, a carrier's table written as rows
"up to N grams -> price": a parcel pays the price of the first bracket its weight fits in (edges
included), and a parcel heavier than the last bracket cannot go by that method. Any method may also
be free once the subtotal reaches `free_over`.
"""

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from commerce.places import is_country, is_region

# Above these a figure is a typo (a price in cents, a weight in milligrams), not a rate.
MAX_AMOUNT = Decimal("100000")
MAX_GRAMS = 1_000_000
AMOUNT_VALIDATORS = [
    MinValueValidator(Decimal("0"), "An amount cannot be negative."),
    MaxValueValidator(MAX_AMOUNT, "An amount above 100,000 is surely a typo."),
]


def _codes(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ValidationError("Enter a list of codes.")
    return value


def validate_countries(value: Any) -> None:
    if bad := [code for code in _codes(value) if not is_country(code)]:
        raise ValidationError(
            f"Not an ISO 3166-1 country code: {', '.join(bad)}. Use two letters, such as US, GB or DE."
        )


def validate_regions(value: Any) -> None:
    if bad := [code for code in _codes(value) if not is_region(code)]:
        raise ValidationError(
            f"Not an ISO 3166-2 region code: {', '.join(bad)}. Write the country, a hyphen and the region, "
            "such as US-HI or CA-QC."
        )


class ShippingZone(models.Model):
    """Where a set of methods ships: whole countries, single regions, or every country no zone names.

    Each country and region belongs to one zone at most, so an address has one zone: the one naming
    its region, else the one naming its country, else the rest-of-the-world zone (if there is one).
    """

    name = models.CharField(max_length=100, unique=True, help_text="For staff, e.g. “United States”.")
    countries = models.JSONField(
        default=list, blank=True, validators=[validate_countries], help_text="ISO 3166-1 codes, e.g. US, CA."
    )
    regions = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_regions],
        help_text="ISO 3166-2 codes of regions shipped to apart from their country, e.g. US-AK, US-HI.",
    )
    is_rest_of_world = models.BooleanField(
        "rest of the world", default=False, help_text="Serves every country no other zone names."
    )

    class Meta:
        ordering = ["is_rest_of_world", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_rest_of_world"],
                condition=models.Q(is_rest_of_world=True),
                name="shipping_one_rest_of_world_zone",
                violation_error_message="There is already a rest-of-the-world zone.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.is_rest_of_world and (self.countries or self.regions):
            raise ValidationError(
                "A rest-of-the-world zone serves every country no other zone names: leave its countries and "
                "regions empty."
            )
        if not self.is_rest_of_world and not (self.countries or self.regions):
            raise ValidationError("Name at least one country or region, or make this the rest-of-the-world zone.")
        self._refuse_overlaps()

    def _refuse_overlaps(self) -> None:
        """Refuse a country or region another zone already serves: an address must have one zone."""
        errors: dict[str, list[str]] = {}
        for zone in ShippingZone.objects.exclude(pk=self.pk).order_by("name"):
            for field in ("countries", "regions"):
                mine, theirs = getattr(self, field), getattr(zone, field)
                if isinstance(mine, list) and (shared := [code for code in mine if code in theirs]):
                    verb = "belongs" if len(shared) == 1 else "belong"
                    errors.setdefault(field, []).append(
                        f"{', '.join(shared)} already {verb} to the zone “{zone.name}”: "
                        "a country or region can be in one zone only."
                    )
        if errors:
            raise ValidationError(errors)


class ShippingMethod(models.Model):
    """One way to ship to a zone, at a flat rate or by weight, perhaps free over a subtotal."""

    zone = models.ForeignKey(ShippingZone, on_delete=models.CASCADE, related_name="methods")
    name = models.CharField(max_length=100, help_text="Shown to shoppers, e.g. “Standard”.")
    price = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        default=Decimal("0"),
        validators=AMOUNT_VALIDATORS,
        help_text="The flat rate. When the method has weight brackets, their prices apply instead.",
    )
    free_over = models.DecimalField(
        "free over",
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=AMOUNT_VALIDATORS,
        help_text="Free when the subtotal is this amount or more; empty for never.",
    )
    estimate = models.CharField(
        "delivery estimate", max_length=100, blank=True, help_text="Shown to shoppers, e.g. “3–5 business days”."
    )
    is_active = models.BooleanField("offered", default=True)
    position = models.PositiveIntegerField(default=0, help_text="Order among methods of the same price.")

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gte=0), name="shipping_method_price_non_negative"),
            models.CheckConstraint(
                condition=models.Q(free_over__isnull=True) | models.Q(free_over__gte=0),
                name="shipping_method_free_over_non_negative",
            ),
            models.UniqueConstraint(
                fields=["zone", "name"],
                name="shipping_method_name_unique_in_zone",
                violation_error_message="This zone already has a method of that name.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.zone.name})"


class WeightBracket(models.Model):
    """A row of a carrier's table: parcels of up to `up_to` grams cost `price`."""

    method = models.ForeignKey(ShippingMethod, on_delete=models.CASCADE, related_name="brackets")
    up_to = models.PositiveIntegerField(
        "up to (g)",
        validators=[
            MinValueValidator(1, "A bracket goes up to 1 gram at least."),
            MaxValueValidator(MAX_GRAMS, "A bracket above 1,000,000 g (a tonne) is surely a typo."),
        ],
        help_text="The heaviest parcel, in grams, this price covers.",
    )
    price = models.DecimalField(max_digits=10, decimal_places=2, validators=AMOUNT_VALIDATORS)

    class Meta:
        ordering = ["up_to"]
        constraints = [
            models.CheckConstraint(condition=models.Q(up_to__gt=0), name="shipping_bracket_up_to_positive"),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="shipping_bracket_price_non_negative"),
            models.UniqueConstraint(
                fields=["method", "up_to"],
                name="shipping_bracket_unique_weight",
                violation_error_message="This method already has a bracket up to that weight.",
            ),
        ]

    def __str__(self) -> str:
        return f"up to {self.up_to:,} g: {self.price}"
