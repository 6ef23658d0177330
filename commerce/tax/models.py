"""Tax rates per country and region, entered by staff in the admin."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from commerce.places import country_choices  # the migrations name it here too

MAX_RATE = Decimal(100)  # a tax above the price itself is a typo (875 for 8.75), never a real rate


def place(country: str, region: str = "") -> tuple[str, str]:
    """A country and region as rates are stored: upper case, "US-NY" read as "NY" in the US."""
    country, region = country.strip().upper(), region.strip().upper()
    return country, region.removeprefix(f"{country}-")


class TaxRate(models.Model):
    """A tax rate for a country, or for one region of it (which replaces the country's rate there)."""

    country = models.CharField(max_length=2, choices=country_choices)
    region = models.CharField(
        max_length=3,
        blank=True,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9]{1,3}$",
                "A region is the part of its ISO 3166-2 code after the country: NY for US-NY.",
            )
        ],
        help_text="ISO 3166-2 code after the country's (NY for US-NY); empty for the whole country.",
    )
    name = models.CharField(max_length=80, help_text='Shown to shoppers, e.g. "NY sales tax".')
    rate = models.DecimalField(
        "rate (%)",
        max_digits=7,
        decimal_places=4,
        validators=[
            MinValueValidator(Decimal(0), "A tax rate cannot be negative."),
            MaxValueValidator(MAX_RATE, f"A tax rate is a percentage of the price: at most {MAX_RATE}."),
        ],
        help_text="A percentage: 8.875 for 8.875%. 0 exempts a region from its country's rate.",
    )
    applies_to_shipping = models.BooleanField(default=False, help_text="Shipping is taxed at this rate too.")
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["country", "region", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rate__gte=0, rate__lte=MAX_RATE),
                name="tax_rate_between_0_and_100",
                violation_error_message=f"A tax rate is a percentage from 0 to {MAX_RATE}.",
            ),
            models.UniqueConstraint(
                fields=["country", "region"],
                condition=models.Q(active=True),
                name="tax_rate_one_active_per_place",
                violation_error_message="This place already has an active rate: change that one, or make it inactive.",
            ),
        ]

    def __str__(self) -> str:
        where = f"{self.country}-{self.region}" if self.region else self.country
        return f"{self.name} ({where}, {percent_text(self.rate)}%)"

    def clean(self) -> None:
        self.country, self.region = place(self.country, self.region)


def percent_text(rate: Decimal) -> str:
    """A rate as people write it: "8.875", "8", never "8.8750" or "8E+0"."""
    return f"{Decimal(rate).normalize():f}"
