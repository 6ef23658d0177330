"""Account emails (password reset, email confirmation) go through the notifications outbox.

A row is written in the caller's transaction and delivered by the `deliver` task, with its
retries, and staff see it in the admin with the store's other messages.
"""

import uuid

from django.conf import settings

from commerce.notifications.models import Notification
from commerce.notifications.services import notify

from .models import User

# Outbox event names. They are not choices of notifications.Event (that app's migrations are not
# ours to add to); the rows are delivered and shown like any other, email only.
PASSWORD_RESET = "account_password_reset"  # noqa: S105 - an event name
EMAIL_CONFIRM = "account_email_confirm"


def account_mail(
    *, user: User, to: str, event: str, subject: str, headline: str, sentence: str, link_url: str, link_label: str
) -> list[Notification]:
    """Write one outbox email to `to` carrying one link (each request is its own occurrence)."""
    return notify(
        user=None if to != user.email else user,  # a new address is not yet this person's: no texts, defaults
        email=to,
        event=event,
        key=f"account:{user.pk}:{event}:{uuid.uuid4().hex}",
        subject=subject,
        template="accounts/notify/link",
        context={
            "headline": headline,
            "sentence": sentence,
            "link_url": settings.SITE_URL.rstrip("/") + link_url,
            "link_label": link_label,
            "ignore": "If you did not ask for this, ignore this email: nothing changes without the link.",
        },
    )
