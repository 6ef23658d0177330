from django.contrib import admin

from .models import TaxRate


@admin.register(TaxRate)
class TaxRateAdmin(admin.ModelAdmin[TaxRate]):
    """Store configuration, like the catalog: staff with the model's permissions edit it."""

    list_display = ("name", "country", "region", "rate", "applies_to_shipping", "active", "updated_at")
    list_filter = ("active", "applies_to_shipping", "country")
    search_fields = ("name", "country", "region")
    fields = ("country", "region", "name", "rate", "applies_to_shipping", "active")
