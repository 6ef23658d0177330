from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from commerce.accounts.permissions import RoleAdminMixin

from . import services
from .models import Review


@admin.register(Review)
class ReviewAdmin(RoleAdminMixin, admin.ModelAdmin[Review]):
    """Reviews to read and hide (through the service, so the product's figures and open pages follow);
    nobody edits a customer's words or adds one by hand."""

    list_display = ["product", "rating", "title", "user", "status", "created_at", "replied_at"]
    list_filter = ["status", "rating", "created_at"]
    search_fields = ["product__name", "user__email", "title", "body"]
    list_select_related = ["product", "user"]
    readonly_fields = [f.name for f in Review._meta.fields]
    actions = ["hide_selected", "publish_selected"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False if obj is not None else super().has_change_permission(request, obj)

    @admin.action(description="Hide the selected reviews")
    def hide_selected(self, request: HttpRequest, queryset: QuerySet[Review]) -> None:
        for pk in sorted(queryset.values_list("pk", flat=True)):
            services.review_hide(review_pk=pk, actor=request.user)  # type: ignore[arg-type]
        messages.success(request, "Hidden.")

    @admin.action(description="Publish the selected reviews")
    def publish_selected(self, request: HttpRequest, queryset: QuerySet[Review]) -> None:
        for pk in sorted(queryset.values_list("pk", flat=True)):
            services.review_publish(review_pk=pk, actor=request.user)  # type: ignore[arg-type]
        messages.success(request, "Published.")
