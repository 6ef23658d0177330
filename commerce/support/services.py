"""Writes of the support area: conversations, messages, read marks, assignment, reply notifications.

Messages arrive by HTTP POST, are stored, then pushed after commit (live.py). Every write that
two tabs or two agents could race on locks the conversation row or is a conditional update, so
nothing is applied twice and read marks only move forward.
"""

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from commerce.accounts.models import User
from commerce.orders.models import Order

from . import live
from .models import BODY_MAX_LENGTH, Conversation, Message, StaffReadState

logger = logging.getLogger(__name__)
C = Conversation.Status


@dataclass
class SupportError(Exception):
    """A rule a request broke; `message` is shown to the person as is."""

    message: str
    status: int = 422

    def __str__(self) -> str:
        return self.message


def body_clean(body: str) -> str:
    text = (body or "").replace("\r\n", "\n").strip()
    if not text:
        raise SupportError("Write a message first.")
    if len(text) > BODY_MAX_LENGTH:
        raise SupportError(f"Messages can be at most {BODY_MAX_LENGTH:,} characters; this one has {len(text):,}.")
    return text


def rate_check(key: str) -> None:
    """At most SUPPORT_RATE_LIMIT messages per SUPPORT_RATE_WINDOW seconds for one person (or guest session)."""
    window = int(settings.SUPPORT_RATE_WINDOW)
    bucket = f"support:rate:{key}:{int(time.time() // window)}"
    try:
        count = 1 if cache.add(bucket, 1, timeout=window * 2) else cache.incr(bucket)
    except Exception:  # the cache is down: let people talk rather than refuse everyone
        logger.warning("support rate limit unavailable", exc_info=True)
        return
    if count > int(settings.SUPPORT_RATE_LIMIT):
        raise SupportError(
            "You're sending messages faster than we can read them. Slow down and try again in a moment.", 429
        )


def rate_key(user: User | None, session_key: str | None) -> str:
    return f"u{user.pk}" if user is not None else f"s{session_key}"


@transaction.atomic
def conversation_for_customer(
    *, customer: User | None, guest_email: str = "", session_key: str = "", order: Order | None = None
) -> Conversation:
    """The open conversation this customer writes to (about `order` if given), started if there is none."""
    if customer is not None:
        # Two tabs sending a first message at once must not start two conversations.
        User.objects.select_for_update().filter(pk=customer.pk).first()
        open_ones = Conversation.objects.filter(customer=customer, status=C.OPEN)
    else:
        open_ones = Conversation.objects.none()
    existing = open_ones.filter(order=order).first() if order is not None else open_ones.first()
    if existing is not None:
        return existing
    conversation = Conversation.objects.create(
        customer=customer,
        guest_email="" if customer is not None else guest_email,
        guest_session_key="" if customer is not None else session_key,
        order=order,
    )
    live.conversation_started_publish(conversation)
    return conversation


@transaction.atomic
def message_post(*, conversation: Conversation, author: User | None, from_staff: bool, body: str) -> Message:
    """Store one message and move the conversation's marks; pushed to both sides after commit."""
    text = body_clean(body)
    conv = Conversation.objects.select_for_update().get(pk=conversation.pk)
    now = timezone.now()
    message = Message.objects.create(conversation=conv, author=author, from_staff=from_staff, body=text, created_at=now)
    conv.last_message_at, conv.last_message_id = now, message.pk
    if from_staff:
        conv.last_staff_message_id, conv.last_staff_message_at = message.pk, now
        conv.staff_read_id = message.pk
        if conv.assignee_id is None and author is not None:
            conv.assignee = author  # the first agent to answer takes the conversation
        if author is not None:
            _staff_read_state(conv, author, message.pk)
    else:
        conv.last_customer_message_id = message.pk
        conv.customer_read_id = message.pk
        if conv.status == C.CLOSED:
            conv.status = C.OPEN  # the customer wrote again: back in the inbox
    conv.save()
    live.message_publish(conv, message)
    return message


def _staff_read_state(conv: Conversation, user: User, up_to: int) -> None:
    state, created = StaffReadState.objects.get_or_create(
        conversation=conv, user=user, defaults={"last_read_id": up_to}
    )
    if not created and state.last_read_id < up_to:
        StaffReadState.objects.filter(pk=state.pk).update(
            last_read_id=Greatest(F("last_read_id"), up_to), read_at=timezone.now()
        )


def mark_read(*, conversation_pk: int, reader: User | None, staff: bool) -> bool:
    """Everything in the conversation so far is read by this side; False if nothing was new.

    Marks only move forward, so a late or repeated "seen" changes nothing.
    """
    with transaction.atomic():
        conv = Conversation.objects.filter(pk=conversation_pk).first()
        if conv is None:
            return False
        up_to = conv.last_message_id
        if staff:
            if reader is not None:
                _staff_read_state(conv, reader, up_to)
            changed = Conversation.objects.filter(pk=conv.pk, staff_read_id__lt=up_to).update(staff_read_id=up_to)
        else:
            changed = Conversation.objects.filter(pk=conv.pk, customer_read_id__lt=up_to).update(customer_read_id=up_to)
        if changed:
            conv.refresh_from_db()
            live.read_publish(conv)
    return bool(changed)


@transaction.atomic
def conversation_assign(*, conversation: Conversation, assignee: User | None) -> Conversation:
    conv = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if conv.assignee_id != (assignee.pk if assignee else None):
        conv.assignee = assignee
        conv.save(update_fields=["assignee"])
        live.conversation_publish(conv)
    return conv


@transaction.atomic
def conversation_set_status(*, conversation: Conversation, status: str) -> Conversation:
    """Close or reopen; asking for the status it already has changes nothing."""
    if status not in C.values:
        raise SupportError("Unknown status.")
    conv = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if conv.status != status:
        conv.status = status
        conv.save(update_fields=["status"])
        live.conversation_publish(conv)
    return conv


def conversations_adopt(*, user: User, conversation_pks: list[int]) -> int:
    """A guest signed in: the conversations they started in this session become theirs."""
    return Conversation.objects.filter(pk__in=conversation_pks, customer__isnull=True).update(
        customer=user, guest_session_key=""
    )


def replies_notify(*, now: datetime | None = None) -> int:
    """Periodic: email (and text) customers who have not read a staff reply within SUPPORT_REPLY_NOTIFY_SECONDS.

    One notification per burst of replies: it covers every reply up to the latest, and is
    claimed with a conditional update so two sweeps never write it twice.
    """
    from commerce.notifications.models import Event
    from commerce.notifications.services import notify

    from .selectors import conversation_link

    now = now or timezone.now()
    quiet_since = now - timedelta(seconds=settings.SUPPORT_REPLY_NOTIFY_SECONDS)
    due = Conversation.objects.filter(
        last_staff_message_at__lte=quiet_since,
        last_staff_message_id__gt=F("customer_read_id"),
    ).filter(last_staff_message_id__gt=F("reply_notified_id"))
    written = 0
    for conv in due.select_related("customer")[:500]:
        with transaction.atomic():
            claimed = Conversation.objects.filter(pk=conv.pk, reply_notified_id=conv.reply_notified_id).update(
                reply_notified_id=conv.last_staff_message_id
            )
            if not claimed:
                continue
            replies = list(
                conv.messages.filter(
                    from_staff=True, pk__gt=max(conv.customer_read_id, conv.reply_notified_id)
                ).select_related("author")
            )
            rows = notify(
                user=conv.customer,
                email=conv.customer_email,
                event=Event.SUPPORT_REPLY,
                key=f"support:{conv.pk}:{conv.last_staff_message_id}",
                subject=f"{settings.STORE_NAME} support replied to your message",
                template="notifications/support",
                context={
                    "conversation": conv,
                    "replies": [{"author_name": author_name(m), "body": m.body} for m in replies],
                    "conversation_url": settings.SITE_URL.rstrip("/") + conversation_link(conv),
                    "headline": "Support replied to your message",
                },
            )
            written += len(rows)
    return written


def author_name(message: Message) -> str:
    """What the customer sees as the sender: the agent's first name, or the team."""
    if not message.from_staff:
        return "You"
    author = message.author
    first = (getattr(author, "first_name", "") or "").strip() if author else ""
    return f"{first} from support" if first else "Support"
