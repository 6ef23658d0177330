from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from commerce.accounts.permissions import RoleAdminMixin

from .live import code_carts_publish_on_commit
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

    # Carts holding a code show what it takes off now: an edit, a deactivation or a deletion reaches
    # them once the admin's transaction commits (the old text too, when staff renamed the code).

    def save_model(self, request: HttpRequest, obj: DiscountCode, form: ModelForm[DiscountCode], change: bool) -> None:
        before = form.initial.get("code") if change else None
        super().save_model(request, obj, form, change)
        for text in {obj.code, str(before or "").strip().upper()} - {""}:
            code_carts_publish_on_commit(text)

    def delete_model(self, request: HttpRequest, obj: DiscountCode) -> None:
        super().delete_model(request, obj)
        code_carts_publish_on_commit(obj.code)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[DiscountCode]) -> None:
        texts = list(queryset.values_list("code", flat=True))
        super().delete_queryset(request, queryset)
        for text in texts:
            code_carts_publish_on_commit(text)
