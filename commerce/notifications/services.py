"""The outbox: write notification rows with the event that causes them, deliver them after commit.

`notify` is called inside the transaction of the event it tells about (an order's, in
orders/notifications.py; a support reply's); the rows commit or roll back with it. Delivery
(tasks.deliver) claims a row with a conditional update, hands it to the channel's sender, and
records the outcome; a sweep re-queues rows a lost enqueue or a killed worker left behind.
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from commerce.accounts.models import User
from project.enqueue import enqueue_on_commit

from . import tasks
from .errors import DeliveryError
from .models import Channel, Event, Notification, Preference

logger = logging.getLogger(__name__)
N = Notification.Status

# Email is on for every event unless switched off; a text only when asked for. The opt-in kinds
# (news of a saved item: its price, its stock) are off on every channel until asked for.
DEFAULTS = {Channel.EMAIL: True, Channel.SMS: False}
OPT_IN_EVENTS = frozenset({Event.WISHLIST_PRICE_DROP, Event.WISHLIST_BACK_IN_STOCK})


def preference_default(*, event: str, channel: str) -> bool:
    """What a person who never chose gets of one kind of message on one channel."""
    return False if event in OPT_IN_EVENTS else DEFAULTS[Channel(channel)]


def preference_chosen(*, user: User, event: str, channel: str) -> bool:
    """What this person chose for one kind of message and channel (the default if they never chose)."""
    row = Preference.objects.filter(user=user, event=event, channel=channel).first()
    return row.enabled if row else preference_default(event=event, channel=channel)


def preference_enabled(*, user: User | None, event: str, channel: str) -> bool:
    """Whether to send it: what this person chose, unless their number cannot take texts (none, or STOP).

    Guests get the defaults (email only). A STOP leaves the choices as they were, so START resumes them.
    """
    if user is None:
        return preference_default(event=event, channel=channel)
    if channel == Channel.SMS and (not user.phone or user.sms_opted_out):
        return False
    return preference_chosen(user=user, event=event, channel=channel)


def notify(
    *, user: User | None, email: str, event: str, key: str, subject: str, template: str, context: dict[str, object]
) -> list[Notification]:
    """Write one outbox row per channel this person wants for `event` (inside the caller's transaction).

    `key` names the occurrence (`order:1001:order_paid`); with the channel it makes each row's
    idempotency key, so an event applied twice writes its rows once. `template` is the prefix
    of `_email.txt`, `_email.html` and `_sms.txt` templates, rendered with `context`.
    """
    site = settings.SITE_URL.rstrip("/")
    context = {"store_name": settings.STORE_NAME, "site_url": site, "event": event, **context}
    created = []
    targets = [(Channel.EMAIL, email)]
    if user is not None and user.phone:
        targets.append((Channel.SMS, user.phone))
    for channel, recipient in targets:
        if not recipient or not preference_enabled(user=user, event=event, channel=channel):
            continue
        text: str
        html: str
        if channel == Channel.EMAIL:
            text = render_to_string(f"{template}_email.txt", context)
            html = render_to_string(f"{template}_email.html", context)
        else:
            subject, html = "", ""
            text = render_to_string(f"{template}_sms.txt", context).strip()
        row, was_created = Notification.objects.get_or_create(
            idempotency_key=f"{key}:{channel}",
            defaults={
                "event": event,
                "channel": channel,
                "recipient": recipient,
                "user": user,
                "subject": subject,
                "body_text": text,
                "body_html": html,
            },
        )
        if was_created:
            enqueue_on_commit(tasks.deliver, row.pk)
            created.append(row)
    return created


# Files another area adds to one kind of email (registered in its AppConfig.ready): each hook gets
# the outbox row as it is sent and returns (filename, content, mimetype) for each file.
Attachment = tuple[str, bytes, str]
AttachmentHook = Callable[[Notification], list[Attachment]]
attachment_hooks: dict[str, list[AttachmentHook]] = {}


def on_email_attachments(event: str, hook: AttachmentHook) -> None:
    """Attach what `hook(row)` returns to every email of kind `event` (made at sending, not stored)."""
    hooks = attachment_hooks.setdefault(event, [])
    if hook not in hooks:
        hooks.append(hook)


def _send_email(row: Notification) -> str:
    message_id = f"<{row.idempotency_key.replace(':', '.')}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>"
    email = EmailMultiAlternatives(
        subject=row.subject,
        body=row.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[row.recipient],
        headers={"Message-ID": message_id},
    )
    if row.body_html:
        email.attach_alternative(row.body_html, "text/html")
    for hook in attachment_hooks.get(row.event, []):
        for filename, content, mimetype in hook(row):
            email.attach(filename, content, mimetype)
    try:
        email.send(fail_silently=False)
    except (OSError, ConnectionError) as exc:
        raise DeliveryError(f"email: {exc}", permanent=False) from exc
    return message_id


def _send_sms(row: Notification) -> str:
    from .sms import sms_send

    callback = settings.SITE_URL.rstrip("/") + "/notifications/twilio/status/"
    return sms_send(to=row.recipient, body=row.body_text, idempotency_key=row.idempotency_key, status_callback=callback)


SENDERS = {Channel.EMAIL: _send_email, Channel.SMS: _send_sms}


def notification_deliver(*, pk: int) -> str:
    """Deliver one row once. Returns what happened: sent, skipped, failed; raises DeliveryError to retry.

    The claim (pending -> sending) is a conditional update, so two workers given the same row
    (a duplicate enqueue, a task run twice) send it once. A row left `sending` past the stale
    timeout was abandoned by a killed worker: the redelivered task takes it over, and sends with
    the same idempotency key.
    """
    now = timezone.now()
    abandoned = Q(status=N.SENDING, updated_at__lt=now - timedelta(seconds=settings.NOTIFICATION_STALE_SECONDS))
    claimed = Notification.objects.filter(Q(status=N.PENDING) | abandoned, pk=pk).update(
        status=N.SENDING, attempts=F("attempts") + 1, updated_at=now
    )
    if not claimed:
        return "skipped"
    row = Notification.objects.get(pk=pk)
    try:
        provider_id = SENDERS[Channel(row.channel)](row)
    except DeliveryError as exc:
        final = exc.permanent or row.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS
        Notification.objects.filter(pk=pk, status=N.SENDING).update(
            status=N.FAILED if final else N.PENDING, last_error=f"{exc.code} {exc.message}".strip()
        )
        if exc.permanent and row.channel == Channel.SMS and row.user_id and exc.code in SMS_OPT_OUT_CODES:
            User.objects.filter(pk=row.user_id).update(sms_opted_out=True)
        logger.warning(
            "notification delivery failed",
            extra={"notification": pk, "final": final, "code": exc.code, "error": exc.message},
        )
        if final:
            return "failed"
        raise
    # A message that carries a one-time link (a password reset, an email confirmation) is not kept
    # once sent: whoever reads the outbox could use it.
    withheld = {"body_text": "", "body_html": ""} if carries_a_secret(row.event) else {}
    Notification.objects.filter(pk=pk, status=N.SENDING).update(
        status=N.SENT, provider_id=provider_id[:100], sent_at=timezone.now(), last_error="", **withheld
    )
    return "sent"


def carries_a_secret(event: str) -> bool:
    """Emails holding a link that proves the address: the account emails (accounts.passwords, accounts'
    email confirmation), support's address check and a guest's back-in-stock sign-up."""
    return event.startswith("account_") or event in (Event.SUPPORT_EMAIL_CHECK, Event.ALERT_CONFIRM)


# Twilio: 21610 the number replied STOP; 21211/21614 not a valid mobile number.
SMS_OPT_OUT_CODES = {"21610", "21211", "21614"}


def notifications_sweep(*, now: datetime | None = None) -> int:
    """Re-queue rows left pending (lost enqueue) or sending (killed worker) past the timeout."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.NOTIFICATION_STALE_SECONDS)
    # A row stuck in `sending` was claimed by a worker that died: give it back (keeping its
    # old updated_at, so it is due at once).
    Notification.objects.filter(status=N.SENDING, updated_at__lt=stale).update(status=N.PENDING)
    due = list(
        Notification.objects.filter(status=N.PENDING, updated_at__lt=stale)
        .order_by("pk")
        .values_list("pk", flat=True)[:500]
    )
    for pk in due:
        enqueue_on_commit(tasks.deliver, pk)
    return len(due)


@transaction.atomic
def preferences_save(*, user: User, phone: str, choices: dict[tuple[str, str], bool]) -> None:
    """Store the person's number (E.164, already validated) and their choice for each kind and channel."""
    if phone != user.phone:
        user.phone = phone
        user.sms_opted_out = False  # a new number, a new consent
        user.save(update_fields=["phone", "sms_opted_out"])
    for (event, channel), enabled in choices.items():
        Preference.objects.update_or_create(user=user, event=event, channel=channel, defaults={"enabled": enabled})


def notifications_retry(*, pks: list[int]) -> int:
    """Give failed rows another round of attempts (staff action); others are left alone."""
    with transaction.atomic():
        due = list(Notification.objects.filter(pk__in=pks, status=N.FAILED).values_list("pk", flat=True))
        Notification.objects.filter(pk__in=due).update(status=N.PENDING, attempts=0, last_error="")
        for pk in due:
            enqueue_on_commit(tasks.deliver, pk)
    return len(due)
