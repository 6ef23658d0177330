from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from commerce.accounts.permissions import RoleAdminMixin

from .models import Invoice


@admin.register(Invoice)
class InvoiceAdmin(RoleAdminMixin, admin.ModelAdmin[Invoice]):
    """Read only, for staff in a role: a document once issued is never edited (a refund gets a credit note)."""

    list_display = ["number", "kind", "order", "amount", "currency", "issued_at"]
    list_filter = ["kind"]
    search_fields = ["number", "order__number"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
