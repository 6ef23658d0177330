"""What Twilio tells us about texts: the status callbacks of those we sent, and the texts people
send us (STOP, START, HELP).

The views (`/notifications/twilio/status/`, `/notifications/twilio/inbound/`) verify the signature
first; these functions trust their arguments.
"""

import logging

from django.conf import settings
from django.db.models.functions import Coalesce
from django.utils import timezone

from commerce.accounts.models import User

from .models import Channel, Notification

logger = logging.getLogger(__name__)

Status = Notification.Status

# Twilio's MessageStatus -> ours. Statuses not listed (accepted, scheduled, receiving, ...) change nothing.
STATUS_MAP: dict[str, str] = {
    "queued": Status.SENT,
    "sending": Status.SENT,
    "sent": Status.SENT,
    "delivered": Status.DELIVERED,
    "read": Status.DELIVERED,
    "undelivered": Status.FAILED,
    "failed": Status.FAILED,
    "canceled": Status.FAILED,
}

# The statuses a row may move on from to each target: forward only, delivered and failed are final.
ALLOWED_FROM: dict[str, tuple[str, ...]] = {
    Status.SENT: (Status.PENDING, Status.SENDING),
    Status.DELIVERED: (Status.PENDING, Status.SENDING, Status.SENT),
    Status.FAILED: (Status.PENDING, Status.SENDING, Status.SENT),
}

STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
START_WORDS = frozenset({"START", "YES", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO"})


def status_apply(*, sid: str, twilio_status: str, error_code: str = "") -> bool:
    """Move the message with provider id `sid` forward to what `twilio_status` means; True if it moved.

    One conditional UPDATE, so concurrent and out-of-order callbacks can only move a row forward.
    """
    target = STATUS_MAP.get(twilio_status.lower())
    if target is None or not sid:
        logger.info("twilio status ignored", extra={"sid": sid, "twilio_status": twilio_status})
        return False
    now = timezone.now()
    changes: dict[str, object] = {"status": target, "updated_at": now}
    if target == Status.FAILED:
        changes["last_error"] = f"Twilio {twilio_status}" + (f" (error {error_code})" if error_code else "")
    else:
        changes["sent_at"] = Coalesce("sent_at", now)
    moved = Notification.objects.filter(channel=Channel.SMS, provider_id=sid, status__in=ALLOWED_FROM[target]).update(
        **changes
    )
    if not moved and not Notification.objects.filter(provider_id=sid).exists():
        logger.warning("twilio status for an unknown message", extra={"sid": sid, "twilio_status": twilio_status})
        return False
    logger.info(
        "twilio status",
        extra={"sid": sid, "twilio_status": twilio_status, "status": target, "moved": bool(moved), "code": error_code},
    )
    return bool(moved)


def keyword_of(body: str) -> str:
    """The opt-out keyword a reply is, as Twilio reads it: the whole message, one word, any case."""
    return body.strip().strip(".!").upper()


def sms_opt_out(*, phone: str) -> int:
    """Stop all texts to the people with this number: flag them, and keep their choices for a later START.

    Only the flag changes (one UPDATE): every sender asks `preference_enabled`, which honours it.
    """
    count = User.objects.filter(phone=phone).update(sms_opted_out=True)
    logger.info("sms opt-out", extra={"phone_suffix": phone[-4:], "users": count})
    return count


def sms_opt_in(*, phone: str) -> int:
    """Texting START asks for texts again: clear the flag, so the texts they had chosen before STOP resume."""
    count = User.objects.filter(phone=phone).update(sms_opted_out=False)
    logger.info("sms opt-in", extra={"phone_suffix": phone[-4:], "users": count})
    return count


def help_text() -> str:
    return (
        f"{settings.STORE_NAME}: order updates by text. Reply STOP to unsubscribe, START to resubscribe. "
        f"Help: {settings.SITE_URL.rstrip('/')}/"
    )


def inbound_apply(*, phone: str, body: str) -> str | None:
    """Act on a text someone sent us; return the reply to send back, if any.

    STOP and START get no reply of ours: Twilio's opt-out handling answers those itself.
    """
    keyword = keyword_of(body)
    if keyword in STOP_WORDS:
        sms_opt_out(phone=phone)
        return None
    if keyword in START_WORDS:
        sms_opt_in(phone=phone)
        return None
    if keyword in HELP_WORDS:
        return help_text()
    logger.info("sms inbound ignored", extra={"phone_suffix": phone[-4:]})
    return None
