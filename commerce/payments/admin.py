from django.contrib import admin

from commerce.accounts.permissions import ReadOnlyRoleAdminMixin

from .models import Payment, Refund, StripeEvent


class RefundInline(ReadOnlyRoleAdminMixin, admin.TabularInline[Refund, Payment]):
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
class PaymentAdmin(ReadOnlyRoleAdminMixin, admin.ModelAdmin[Payment]):
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
class StripeEventAdmin(ReadOnlyRoleAdminMixin, admin.ModelAdmin[StripeEvent]):
    list_display = ("event_id", "type", "created_at", "received_at", "processed_at")
    list_filter = ("type",)
    search_fields = ("event_id",)
    readonly_fields = ("event_id", "type", "created_at", "received_at", "processed_at", "payload")
