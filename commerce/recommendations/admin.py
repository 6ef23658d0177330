from django.contrib import admin

from commerce.accounts.permissions import ReadOnlyRoleAdminMixin

from .models import CoPurchase


@admin.register(CoPurchase)
class CoPurchaseAdmin(ReadOnlyRoleAdminMixin, admin.ModelAdmin[CoPurchase]):
    """What "Customers also bought" is made of: counted hourly from paid orders (services.py), never by hand."""

    list_display = ("product", "other", "orders", "computed_at")
    list_select_related = ("product", "other")
    search_fields = ("product__name", "other__name")
    ordering = ("product__name", "-orders", "other__name")
    readonly_fields = ("product", "other", "orders", "computed_at")
