from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from . import services
from .models import LowStockMark, WebhookAttempt, WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin[WebhookEndpoint]):
    """Endpoints (the ops pages at /ops/webhooks/ are the usual place; the secret is not shown here)."""

    list_display = ("url", "description", "active", "events", "created_at")
    list_filter = ("active",)
    search_fields = ("url", "description")
    exclude = ("secret",)
    readonly_fields = ("created_by", "created_at")


class WebhookAttemptInline(admin.TabularInline[WebhookAttempt, WebhookDelivery]):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    readonly_fields = ("at", "status_code", "response_body", "error", "duration_ms")

    def has_add_permission(self, request: HttpRequest, obj: WebhookDelivery | None = None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin[WebhookDelivery]):
    """The outbox: each event for each endpoint, its status and attempts; any can be sent again."""

    list_display = ("event_type", "event_id", "endpoint", "status", "attempts", "last_status_code", "created_at")
    list_filter = ("status", "event_type")
    search_fields = ("event_id", "endpoint__url")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    inlines = [WebhookAttemptInline]
    actions = ("send_again",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Send again")
    def send_again(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        sent = sum(services.delivery_resend(delivery=row) for row in queryset)
        self.message_user(request, f"{sent} queued to be sent again.")


@admin.register(LowStockMark)
class LowStockMarkAdmin(admin.ModelAdmin[LowStockMark]):
    list_display = ("variant", "low", "episodes")
    readonly_fields = ("variant", "low", "episodes")
