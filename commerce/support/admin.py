from django.contrib import admin

from .models import CannedReply, Conversation, Message


@admin.register(CannedReply)
class CannedReplyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["title", "updated_at"]
    search_fields = ["title", "body"]


class MessageInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Message
    extra = 0
    fields = ("created_at", "from_staff", "author", "body")
    readonly_fields = fields
    can_delete = False


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["pk", "customer_label", "order", "assignee", "status", "last_message_at"]
    list_filter = ["status"]
    search_fields = ["customer__email", "guest_email", "order__number"]
    raw_id_fields = ["customer", "order", "assignee"]
    readonly_fields = ["created_at", "last_message_at"]
    inlines = [MessageInline]
