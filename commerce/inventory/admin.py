from django.contrib import admin

from .models import StockHold


@admin.register(StockHold)
class StockHoldAdmin(admin.ModelAdmin[StockHold]):
    list_display = ("order", "expires_at", "released_at", "converted_at")
    list_filter = ("released_at", "converted_at")
    search_fields = ("order__number",)
    readonly_fields = ("order", "expires_at", "released_at", "converted_at", "created_at")
