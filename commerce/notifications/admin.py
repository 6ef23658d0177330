from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import Notification, Preference
from .services import carries_a_secret


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin[Notification]):
    """Staff see every message, its status and last error; failed ones can be sent again."""

    list_display = ("idempotency_key", "channel", "recipient", "status", "attempts", "last_error", "updated_at")
    list_filter = ("status", "channel", "event")
    search_fields = ("idempotency_key", "recipient", "provider_id")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Notification._meta.fields]
    actions = ("retry",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_fields(self, request: HttpRequest, obj: Notification | None = None) -> list[str]:  # type: ignore[override]
        """A message holding a one-time link (a password reset) is never shown, even before it is sent."""
        fields = [f.name for f in Notification._meta.fields]
        if obj is not None and carries_a_secret(obj.event):
            return [name for name in fields if name not in {"body_text", "body_html"}]
        return fields

    @admin.action(description="Send failed messages again")
    def retry(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        from .services import notifications_retry

        count = notifications_retry(pks=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{count} message(s) queued again.")


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin[Preference]):
    list_display = ("user", "event", "channel", "enabled")
    list_filter = ("event", "channel", "enabled")
    search_fields = ("user__email",)
    raw_id_fields = ("user",)
