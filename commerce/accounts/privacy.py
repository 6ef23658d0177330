"""A person's own data: a copy to download, and deleting the account.

Deleting keeps what the shop must keep for its accounts (orders, their lines and totals) with the
personal fields emptied, and the user row itself, deactivated and renamed, so that orders and
conversations still hang together while the address is free to sign up again.
"""

import logging
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from commerce.notifications.models import Notification, Preference
from commerce.orders.models import Order
from commerce.support.models import Conversation, Message

from .models import Address, User

logger = logging.getLogger(__name__)

REMOVED = "(removed at the customer's request)"
# What an order keeps of where it shipped: enough for tax and sales figures, not the person.
KEPT_ADDRESS_FIELDS = ("country", "region")
ADDRESS_FIELDS = ("full_name", "line1", "line2", "city", "postal_code", "region", "country", "phone")


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _row(obj: Any, fields: tuple[str, ...] | list[str]) -> dict[str, Any]:
    return {name: _plain(getattr(obj, name)) for name in fields}


def account_export(*, user: User) -> dict[str, Any]:
    """Everything the store holds about `user` that is theirs to see, as JSON-ready data."""
    orders = Order.objects.filter(user=user).prefetch_related("lines").order_by("created_at", "pk")
    conversations = Conversation.objects.filter(customer=user).prefetch_related("messages").order_by("created_at", "pk")
    return {
        "exported_at": timezone.now().isoformat(),
        "account": {
            **_row(user, ["email", "first_name", "last_name", "phone", "date_joined", "last_login"]),
            "email_verified": user.email_verified,
            "sms_opted_out": user.sms_opted_out,
        },
        "addresses": [
            {**_row(a, ADDRESS_FIELDS), "default_shipping": a.default_shipping, "default_billing": a.default_billing}
            for a in Address.objects.filter(user=user).order_by("created_at", "pk")
        ],
        "orders": [
            {
                **_row(
                    o,
                    [
                        "number",
                        "status",
                        "email",
                        "currency",
                        "subtotal",
                        "discount_total",
                        "discount_code",
                        "shipping_method_name",
                        "shipping_total",
                        "tax_total",
                        "total",
                        "tracking_number",
                        "created_at",
                        "paid_at",
                    ],
                ),  # fmt: skip
                "shipping_address": o.shipping_address,
                "lines": [
                    _row(line, ["product_name", "variant_name", "sku", "unit_price", "quantity", "line_total"])
                    for line in o.lines.all()
                ],
            }
            for o in orders
        ],
        "support_conversations": [
            {
                **_row(c, ["status", "created_at"]),
                "messages": [
                    {"from": "support" if m.from_staff else "you", **_row(m, ["body", "created_at"])}
                    for m in c.messages.all()
                ],
            }
            for c in conversations
        ],
        "notification_preferences": [
            _row(p, ["event", "channel", "enabled"])
            for p in Preference.objects.filter(user=user).order_by("event", "channel")
        ],
    }


@transaction.atomic
def account_delete(*, user: User) -> None:
    """Anonymise and deactivate the account (precondition: the person confirmed with their password).

    Orders stay, with their lines and totals, without email, names, phone or street address;
    the person's support messages are removed from their conversations; messages waiting in the
    outbox are not sent. Deactivating closes the account's sockets (accounts/live.py) and the
    unusable password ends its other sessions.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    placeholder = f"deleted-{user.pk}@deleted.invalid"
    for order in Order.objects.select_for_update().filter(user=user).order_by("pk"):
        kept = {k: v for k, v in (order.shipping_address or {}).items() if k in KEPT_ADDRESS_FIELDS}
        order.shipping_address = {**dict.fromkeys(ADDRESS_FIELDS, ""), **kept}
        order.email = placeholder
        order.save(update_fields=["shipping_address", "email", "updated_at"])
    conversations = Conversation.objects.filter(customer=user)
    Message.objects.filter(conversation__in=conversations, from_staff=False).update(body=REMOVED)
    conversations.update(guest_email="", guest_session_key="")
    Notification.objects.filter(user=user, status=Notification.Status.PENDING).update(
        status=Notification.Status.SUPPRESSED
    )
    Notification.objects.filter(user=user).update(recipient="", subject="", body_text="", body_html="")
    Address.objects.filter(user=user).delete()
    Preference.objects.filter(user=user).delete()
    user.email = placeholder
    user.first_name = user.last_name = user.phone = ""
    user.email_verified_at = None
    user.is_active = False
    user.set_unusable_password()
    user.save()
    logger.info("account deleted", extra={"user": user.pk})
