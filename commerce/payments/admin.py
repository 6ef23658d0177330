from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from commerce.accounts.permissions import RoleAdminMixin

from .models import Payment, Refund, StripeEvent


class ReadOnlyMixin(RoleAdminMixin):
    """Payments are written by Stripe's news and our services only, never edited by hand; staff in a
    role (support, ops) may look at them."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RefundInline(ReadOnlyMixin, admin.TabularInline[Refund, Payment]):
    model = Refund
    extra = 0
    fields = (
        "stripe_refund_id",
        "amount_minor",
        "status",
        "reason",
        "reason_public",
        "automatic",
        "created_by",
        "created_at",
        "attempts",
        "last_attempt_at",
        "last_error",
    )
    readonly_fields = fields


@admin.register(Payment)
class PaymentAdmin(ReadOnlyMixin, admin.ModelAdmin[Payment]):
    list_display = ("intent_id", "order", "amount_minor", "currency", "status", "created_at")
    list_filter = ("status", "provider")
    search_fields = ("intent_id", "order__number", "order__email")
    list_select_related = ("order",)
    readonly_fields = (
        "order",
        "provider",
        "intent_id",
        "amount_minor",
        "currency",
        "status",
        "last_error",
        "created_at",
        "updated_at",
    )
    exclude = ("client_secret",)
    inlines = [RefundInline]


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyMixin, admin.ModelAdmin[StripeEvent]):
    list_display = ("event_id", "type", "created_at", "received_at", "processed_at")
    list_filter = ("type",)
    search_fields = ("event_id",)
    readonly_fields = ("event_id", "type", "created_at", "received_at", "processed_at", "payload")
