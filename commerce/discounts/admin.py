from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from commerce.accounts.permissions import RoleAdminMixin

from .models import DiscountCode, DiscountRedemption


class RedemptionInline(RoleAdminMixin, admin.TabularInline[DiscountRedemption, DiscountCode]):
    """The code's uses, as checkout wrote them: read only (a use is given back by cancelling its order).
    Customers' orders and emails: shown to staff in a role only, like the orders' own pages."""

    model = DiscountRedemption
    extra = 0
    can_delete = False
    fields = ("order", "email", "user", "redeemed_at", "released_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: DiscountCode | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(DiscountCode)
class DiscountCodeAdmin(admin.ModelAdmin[DiscountCode]):
    list_display = (
        "code",
        "kind",
        "value",
        "min_subtotal",
        "starts_at",
        "ends_at",
        "times_used",
        "usage_limit",
        "is_active",
    )
    list_filter = ("kind", "is_active")
    search_fields = ("code", "description")
    autocomplete_fields = ("categories", "products")
    readonly_fields = ("times_used", "created_at")
    inlines = (RedemptionInline,)
    fieldsets = (
        (None, {"fields": ("code", "description", "kind", "value", "is_active")}),
        ("Conditions", {"fields": ("min_subtotal", "starts_at", "ends_at")}),
        ("Limits", {"fields": ("usage_limit", "per_customer_limit", "times_used")}),
        ("Only for", {"fields": ("categories", "products")}),
        (None, {"fields": ("created_at",)}),
    )
