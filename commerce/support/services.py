"""Writes of the support area: conversations, messages, read marks, assignment, reply notifications.

Messages arrive by HTTP POST, are stored, then pushed after commit (live.py). Every write that
two tabs or two agents could race on locks the conversation row or is a conditional update, so
nothing is applied twice and read marks only move forward.
"""

import logging
import re
import secrets
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.utils import timezone

from commerce.accounts.models import User
from commerce.errors import DomainError
from commerce.orders.models import Order

from . import live
from .models import BODY_MAX_LENGTH, Conversation, Message, StaffReadState

logger = logging.getLogger(__name__)
C = Conversation.Status


class SupportError(DomainError):
    """A rule a request broke; `message` is shown to the person as is (422 unless `status` says)."""

    def __init__(self, message: str, status: int | None = None, *, code: str = "support") -> None:
        super().__init__(code, message, status)


def body_clean(body: str) -> str:
    text = (body or "").replace("\r\n", "\n").strip()
    if not text:
        raise SupportError("Write a message first.")
    if len(text) > BODY_MAX_LENGTH:
        raise SupportError(f"Messages can be at most {BODY_MAX_LENGTH:,} characters; this one has {len(text):,}.")
    return text


# After a cache error the limits are not checked for this long: each try could wait for the
# connect time-out while Redis is unreachable, and the limit lets people through anyway.
RATE_RETRY_AFTER_SECONDS = 10.0
_rate_down_until = 0.0


def rate_check(key: str, *, limit: int | None = None) -> None:
    """At most `limit` (SUPPORT_RATE_LIMIT) messages per SUPPORT_RATE_WINDOW seconds under one key."""
    global _rate_down_until
    if time.monotonic() < _rate_down_until:
        return
    window = int(settings.SUPPORT_RATE_WINDOW)
    bucket = f"support:rate:{key}:{int(time.time() // window)}"
    try:
        count = 1 if cache.add(bucket, 1, timeout=window * 2) else cache.incr(bucket)
    except Exception:  # the cache is down: let people talk rather than refuse everyone
        _rate_down_until = time.monotonic() + RATE_RETRY_AFTER_SECONDS
        logger.warning("support rate limit unavailable", exc_info=True)
        return
    if count > int(settings.SUPPORT_RATE_LIMIT if limit is None else limit):
        raise SupportError(
            "You're sending messages faster than we can read them. Slow down and try again in a moment.", 429
        )


def rate_key(user: User | None, session_key: str | None) -> str:
    return f"u{user.pk}" if user is not None else f"s{session_key}"


def rate_check_customer(*, user: User | None, session_key: str, address: str) -> None:
    """A signed-in customer's limit is theirs; a guest's is their session's and, since a new
    session costs nothing, their network address's too (SUPPORT_ADDRESS_RATE_LIMIT)."""
    rate_check(rate_key(user, session_key))
    if user is None:
        rate_check(f"a{address}", limit=int(settings.SUPPORT_ADDRESS_RATE_LIMIT))


# --- Sent once: the form's client key ------------------------------------------------------

CLIENT_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


def client_key_new() -> str:
    """A key for one rendered message form (its hidden `client_key` input)."""
    return secrets.token_urlsafe(18)


def client_key_clean(value: str) -> str:
    """The posted key as is, "" if the form had none; a malformed one is refused."""
    value = (value or "").strip()
    if value and not CLIENT_KEY.fullmatch(value):
        raise SupportError("This form is out of date. Reload the page and send your message again.")
    return value


def message_sent_before(
    *,
    client_key: str,
    author: User | None,
    from_staff: bool,
    conversation: Conversation | None,
    guest_email: str = "",
) -> Message | None:
    """The message this very form already stored (the form sent again), or None.

    The key is the form's, so it finds the sender's own message; one found in another
    conversation, or from someone else, means the form does not belong here: refused.
    """
    if not client_key:
        return None
    earlier = Message.objects.select_related("conversation").filter(client_key=client_key).first()
    if earlier is None:
        return None
    conv = earlier.conversation
    same_sender = earlier.from_staff == from_staff and earlier.author_id == (author.pk if author else None)
    if conversation is not None:
        same_place = earlier.conversation_id == conversation.pk
    elif author is not None:
        same_place = conv.customer_id == author.pk
    else:  # a guest's first message: no conversation was named, the email is theirs to repeat
        same_place = conv.customer_id is None and conv.guest_email.lower() == guest_email.strip().lower()
    if not (same_sender and same_place):
        raise SupportError("This form was already used. Reload the page and write your message again.", 409)
    return earlier


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
    if customer is None:
        _email_check_notify(conversation)
    live.conversation_started_publish(conversation)
    return conversation


# Anyone can type any address into the widget: one confirmation email per address this often at
# most, so the widget cannot be used to flood someone's inbox. The link confirms every conversation
# the guest's session started with that address, so a second one in the meantime is covered too.
EMAIL_CHECK_EVERY_SECONDS = 600


def _email_check_notify(conv: Conversation) -> None:
    """Ask a guest to prove the address they gave (through the outbox, in the caller's transaction)."""
    from commerce.notifications.models import Event
    from commerce.notifications.services import notify

    from .selectors import email_check_link

    try:
        first = cache.add(f"support:email_check:{conv.guest_email.lower()}", 1, timeout=EMAIL_CHECK_EVERY_SECONDS)
    except Exception:  # the cache is down: send it (the rate limits also let messages through)
        logger.warning("support email check throttle unavailable", exc_info=True)
        first = True
    if not first:
        return
    notify(
        user=None,
        email=conv.guest_email,
        event=Event.SUPPORT_EMAIL_CHECK,
        key=f"support:{conv.pk}:email_check",
        subject=f"Confirm your email address for {settings.STORE_NAME} support",
        template="notifications/support_email_check",
        context={
            "conversation": conv,
            "confirm_url": settings.SITE_URL.rstrip("/") + email_check_link(conv),
            "headline": "Confirm your email address",
            "sentence": (
                f"You wrote to {settings.STORE_NAME} support as {conv.guest_email}. Confirm that this address is "
                "yours, so that we can look up your orders when we answer."
            ),
        },
    )


def conversation_email_confirm(*, conversation: Conversation, email: str) -> bool:
    """The guest proved `email` (they opened the link we sent there): True if that confirmed it now.

    The other conversations their session started with that address are confirmed with it (only
    one email is sent per address in a while). A conditional update: confirming twice, or for an
    address the conversation does not have, changes nothing.
    """
    same_guest = Q(pk=conversation.pk)
    if conversation.guest_session_key:
        same_guest |= Q(guest_session_key=conversation.guest_session_key)
    confirmed = (
        Conversation.objects.filter(same_guest)
        .filter(customer__isnull=True, guest_email__iexact=email, guest_email_verified_at__isnull=True)
        .update(guest_email_verified_at=timezone.now())
    )
    return bool(confirmed)


def customer_message_post(
    *,
    customer: User | None,
    conversation: Conversation | None,
    body: str,
    guest_email: str = "",
    session_key: str = "",
    client_key: str = "",
) -> tuple[Conversation, Message]:
    """A customer's message, to `conversation` or to a conversation started for it, in one transaction.

    With a `client_key`, the form sent again returns the message it stored the first time, even
    when both arrive at once (the key is unique: the second waits for the first and finds it).
    """
    text = body_clean(body)
    try:
        with transaction.atomic():
            if conversation is None:
                conversation = conversation_for_customer(
                    customer=customer, guest_email=guest_email, session_key=session_key
                )
            message = message_post(
                conversation=conversation, author=customer, from_staff=False, body=text, client_key=client_key
            )
    except IntegrityError:
        earlier = message_sent_before(
            client_key=client_key, author=customer, from_staff=False, conversation=None, guest_email=guest_email
        )
        if earlier is None:
            raise
        logger.info("support message sent twice at once", extra={"message_pk": earlier.pk})
        return earlier.conversation, earlier
    return conversation, message


@transaction.atomic
def message_post(
    *, conversation: Conversation, author: User | None, from_staff: bool, body: str, client_key: str = ""
) -> Message:
    """Store one message and move the conversation's marks; pushed to both sides after commit.

    A `client_key` this conversation already has a message under returns that message, unchanged.
    """
    text = body_clean(body)
    conv = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if client_key:
        earlier = conv.messages.filter(client_key=client_key).first()
        if earlier is not None:
            return earlier
    now = timezone.now()
    message = Message.objects.create(
        conversation=conv, author=author, from_staff=from_staff, body=text, created_at=now, client_key=client_key
    )
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


def mark_read(*, conversation_pk: int, reader: User | None, staff: bool, up_to: int | None = None) -> bool:
    """This side has read the conversation up to message `up_to` (by default all of it so far);
    False if nothing was new.

    Marks only move forward, so a late or repeated "seen" changes nothing.
    """
    with transaction.atomic():
        conv = Conversation.objects.filter(pk=conversation_pk).first()
        if conv is None:
            return False
        up_to = conv.last_message_id if up_to is None else min(up_to, conv.last_message_id)
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
