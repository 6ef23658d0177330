from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from . import services
from .models import StockAlert


class WhoFilter(admin.SimpleListFilter):
    title = "who"
    parameter_name = "who"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[StockAlert]) -> list[tuple[str, str]]:
        return [("account", "Signed in"), ("guest", "Guest")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[StockAlert]) -> QuerySet[StockAlert]:
        if self.value() == "account":
            return queryset.filter(user__isnull=False)
        if self.value() == "guest":
            return queryset.filter(user__isnull=True)
        return queryset


@admin.register(StockAlert)
class StockAlertAdmin(admin.ModelAdmin[StockAlert]):
    """Read-only but for closing: who waits for what, and what they were told. Alerts change through the
    store (sign-ups, confirmations, offers, purchases), so the queue's rules hold."""

    list_display = ("variant", "email", "state", "created_at", "offered_at")
    list_filter = ("state", WhoFilter, "variant__product__category")
    search_fields = ("email", "variant__sku", "variant__product__name")
    list_select_related = ("variant__product",)
    date_hierarchy = "created_at"
    fields = ("variant", "user", "email", "state", "created_at", "confirmed_at", "offered_at", "closed_at")
    readonly_fields = fields
    actions = ("cancel",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Close the selected alerts (nobody is told)")
    def cancel(self, request: HttpRequest, queryset: QuerySet[StockAlert]) -> None:
        closed = services.alerts_cancel(alert_pks=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{closed} alert(s) closed.")
