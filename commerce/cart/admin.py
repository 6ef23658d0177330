from django.contrib import admin

from .models import Cart, CartLine


class CartLineInline(admin.TabularInline[CartLine, Cart]):
    model = CartLine
    extra = 0
    raw_id_fields = ("variant",)
    readonly_fields = ("added_at",)


@admin.register(Cart)
class CartAdmin(admin.ModelAdmin[Cart]):
    list_display = ("pk", "user", "created_at", "updated_at")
    search_fields = ("user__email",)
    raw_id_fields = ("user",)
    inlines = (CartLineInline,)
