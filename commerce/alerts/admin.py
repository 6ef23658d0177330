from django.contrib import admin
from django.http import HttpRequest

from .models import StockAlert


@admin.register(StockAlert)
class StockAlertAdmin(admin.ModelAdmin[StockAlert]):
    """Read-mostly: who waits for what, and what they were told. Alerts change through the store."""

    list_display = ("variant", "email", "user", "state", "created_at", "confirmed_at", "offered_at", "closed_at")
    list_filter = ("state", "variant__product__category", ("user", admin.EmptyFieldListFilter))
    search_fields = ("email", "variant__sku", "variant__product__name")
    list_select_related = ("variant__product", "user")
    date_hierarchy = "created_at"
    readonly_fields = ("variant", "user", "email", "created_at", "confirmed_at", "offered_at", "closed_at")
    fields = ("variant", "user", "email", "state", "created_at", "confirmed_at", "offered_at", "closed_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
