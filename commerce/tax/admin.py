from decimal import Decimal

from django.contrib import admin

from .models import TaxRate, percent_text


@admin.register(TaxRate)
class TaxRateAdmin(admin.ModelAdmin[TaxRate]):
    """Store configuration, like the catalog: staff with the model's permissions edit it."""

    list_display = ("name", "country", "region", "percent", "applies_to_shipping", "active", "updated_at")
    list_filter = ("active", "applies_to_shipping", "country")
    search_fields = ("name", "country", "region")
    fields = ("country", "region", "name", "rate", "applies_to_shipping", "active")

    @admin.display(description="rate", ordering="rate")
    def percent(self, obj: TaxRate) -> str:
        return f"{percent_text(Decimal(obj.rate))}%"
