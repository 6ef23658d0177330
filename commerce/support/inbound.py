"""What a support page's socket sends in: typing, the customer's "seen" marks, agents' presence.

Ephemeral signals that may be lost (writes travel over HTTP). "Seen" calls the read-mark service,
which publishes through live.py; so this module, not live.py, is the one that may call services.
"""

from django.core.cache import cache
from django.template.loader import render_to_string

from realtime import inbound
from realtime.broadcast import publish

from . import presence
from .live import CUSTOMER, INBOX_TOPIC, STAFF, agents_fragment
from .models import Conversation
from .selectors import is_agent
from .services import mark_read

TYPING_THROTTLE_SECONDS = 2


def _side_and_pk(signal: inbound.Inbound) -> tuple[str, int] | None:
    """Which side a signal speaks for, from the topic it names (one of the socket's own), and the conversation.

    The staff topic was only given to agents; an agent's role is checked again all the same, since a
    staff "seen" mark holds back the customer's reply emails.
    """
    prefix, _, key = (signal.topic or "").partition(".")
    if not key.isdigit() or prefix not in {"conversation", "conversation_staff"}:
        return None
    if prefix == "conversation_staff":
        return (STAFF, int(key)) if is_agent(signal.user) else None
    return CUSTOMER, int(key)


def on_typing(signal: inbound.Inbound) -> None:
    found = _side_and_pk(signal)
    if found is None:
        return
    side, pk = found
    if not cache.add(f"support:typing:{pk}:{side}", 1, timeout=TYPING_THROTTLE_SECONDS):
        return  # said a moment ago
    conv = Conversation(pk=pk)
    html = render_to_string("support/_typing.html", {"conversation": conv, "side": side, "typing": True})
    publish(conv.staff_topic if side == CUSTOMER else conv.topic, html)  # shown to the other side


def on_seen(signal: inbound.Inbound) -> None:
    found = _side_and_pk(signal)
    if found is None:
        return
    side, pk = found
    reader = signal.user if getattr(signal.user, "is_authenticated", False) else None
    mark_read(conversation_pk=pk, reader=reader, staff=side == STAFF)


def on_presence(signal: inbound.Inbound) -> None:
    user = signal.user
    if not is_agent(user):
        return
    before = presence.presence_online()
    presence.presence_touch(user.pk)
    after = presence.presence_online()
    if before != after:
        publish(INBOX_TOPIC, agents_fragment())


def register() -> None:
    inbound.register_inbound("typing", on_typing)
    inbound.register_inbound("seen", on_seen)
    inbound.register_inbound("presence", on_presence, needs_topic=False)
