from django.contrib import admin

from .models import WishlistItem


@admin.register(WishlistItem)
class WishlistItemAdmin(admin.ModelAdmin[WishlistItem]):
    """Who saved what (for support and demand questions); shoppers change their own lists."""

    list_display = ("user", "product", "created_at", "price_seen", "waiting_restock")
    list_filter = ("waiting_restock",)
    search_fields = ("user__email", "product__name")
    list_select_related = ("user", "product")
    readonly_fields = ("user", "product", "created_at", "price_seen", "price_drops", "waiting_restock", "restocks")

    def has_add_permission(self, request: object) -> bool:
        return False
