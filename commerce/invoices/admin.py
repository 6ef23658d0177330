from django.contrib import admin

from commerce.accounts.permissions import ReadOnlyRoleAdminMixin

from .models import Invoice


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyRoleAdminMixin, admin.ModelAdmin[Invoice]):
    """Read only, for staff in a role: a document once issued is never edited (a refund gets a credit note)."""

    list_display = ["number", "kind", "order", "amount", "currency", "issued_at"]
    list_filter = ["kind"]
    search_fields = ["number", "order__number"]
