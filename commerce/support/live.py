"""Live support: what is pushed to `conversation.<pk>` and `support.inbox`, and the socket signals.

One fragment per event serves both sides: the customer's widget keeps the parts aimed at its
ids (`#support-messages`, `#support-unread`, `#typing-staff-<pk>`), the agent's thread the
parts aimed at its own (`#conversation-messages`, `#typing-customer-<pk>`); a page drops parts
it has no target for (static/js/store.js).
"""

from django.core.cache import cache
from django.http import HttpRequest
from django.template.loader import render_to_string

from commerce.cart.live import REFRESH_FRAGMENT, owner_topic
from realtime import inbound, pages, topics
from realtime.broadcast import publish, publish_on_commit

from . import presence
from .models import Conversation, Message

INBOX_TOPIC = "support.inbox"
TYPING_THROTTLE_SECONDS = 2


def _marks(conv: Conversation) -> str:
    from .selectors import customer_unread

    return render_to_string("support/_marks.html", {"conversation": conv, "unread": customer_unread(conv), "oob": True})


def message_fragment(conv: Conversation, message: Message) -> str:
    context = {"conversation": conv, "message": message, "push": True, "oob": True}
    # The header and the marks too (the first reply assigns the agent), in the same push.
    return (
        render_to_string("support/_push_message.html", context)
        + render_to_string("support/_meta.html", context)
        + _marks(conv)
        + render_to_string(
            "support/_typing.html", {"conversation": conv, "side": "staff" if message.from_staff else "customer"}
        )
    )


def thread_fragment(conv: Conversation) -> str:
    """Both views of the whole thread, swapped in place: the reconnect snapshot."""
    from .selectors import thread

    context = {"conversation": conv, "thread_messages": thread(conv), "oob": True, "push": True}
    return (
        render_to_string("support/_customer_thread.html", context)
        + render_to_string("support/_staff_thread.html", context)
        + render_to_string("support/_meta.html", context)
        + _marks(conv)
    )


def inbox_row_fragment(conv_pk: int, *, to_top: bool) -> str:
    from .selectors import inbox_row

    row = inbox_row(conv_pk)
    if row is None:
        return ""
    return render_to_string("support/_inbox_push.html", {"row": row, "to_top": to_top, "push": True})


def agents_fragment() -> str:
    from commerce.accounts.models import User

    online = list(User.objects.filter(pk__in=presence.presence_online()).order_by("first_name", "email"))
    return render_to_string("support/_agents.html", {"agents": online, "oob": True})


def conversation_started_publish(conv: Conversation) -> None:
    """Pages of this customer opened before the conversation existed re-sign their topics to follow it."""
    owner = owner_topic(
        user_pk=conv.customer_id, session_key=None if conv.customer_id else conv.guest_session_key or None
    )
    if owner:
        publish_on_commit(owner, REFRESH_FRAGMENT)


def message_publish(conv: Conversation, message: Message) -> None:
    publish_on_commit(conv.topic, message_fragment(conv, message), part=f"message.{message.pk}")
    publish_on_commit(INBOX_TOPIC, inbox_row_fragment(conv.pk, to_top=True), part=f"row.{conv.pk}")


def read_publish(conv: Conversation) -> None:
    publish_on_commit(conv.topic, _marks(conv), part="marks")
    publish_on_commit(INBOX_TOPIC, inbox_row_fragment(conv.pk, to_top=False), part=f"row.{conv.pk}")


def conversation_publish(conv: Conversation) -> None:
    """Status or assignee changed: the agent's thread header and the inbox row."""
    publish_on_commit(
        conv.topic,
        render_to_string("support/_meta.html", {"conversation": conv, "oob": True, "push": True}),
        part="meta",
    )
    publish_on_commit(INBOX_TOPIC, inbox_row_fragment(conv.pk, to_top=False), part=f"row.{conv.pk}")


# --- Snapshots -------------------------------------------------------------------------


def conversation_snapshot(key: str) -> str | None:
    conv = (
        Conversation.objects.select_related("customer", "assignee", "order").filter(pk=int(key)).first()
        if key.isdigit()
        else None
    )
    return thread_fragment(conv) if conv else None


def inbox_snapshot(key: str) -> str | None:
    # Agents online, and a nudge that makes an open inbox list reload itself (it may have missed rows).
    return agents_fragment() + '<span id="inbox-sync" hx-swap-oob="true" data-signal hidden></span>'


# --- Socket signals ----------------------------------------------------------------------


def _conversation_pk(topic: str | None) -> int | None:
    key = (topic or "").removeprefix("conversation.")
    return int(key) if key.isdigit() else None


def _is_agent(user: object) -> bool:
    from .selectors import is_agent

    return is_agent(user)


def on_typing(signal: inbound.Inbound) -> None:
    pk = _conversation_pk(signal.topic)
    if pk is None:
        return
    side = "staff" if _is_agent(signal.user) else "customer"
    if not cache.add(f"support:typing:{pk}:{side}", 1, timeout=TYPING_THROTTLE_SECONDS):
        return  # said a moment ago
    html = render_to_string("support/_typing.html", {"conversation": Conversation(pk=pk), "side": side, "typing": True})
    publish(f"conversation.{pk}", html)


def on_seen(signal: inbound.Inbound) -> None:
    from .services import mark_read

    pk = _conversation_pk(signal.topic)
    if pk is None:
        return
    agent = _is_agent(signal.user)
    reader = signal.user if getattr(signal.user, "is_authenticated", False) else None
    mark_read(conversation_pk=pk, reader=reader, staff=agent)


def on_presence(signal: inbound.Inbound) -> None:
    user = signal.user
    if not _is_agent(user):
        return
    before = presence.presence_online()
    presence.presence_touch(user.pk)
    after = presence.presence_online()
    if before != after:
        publish(INBOX_TOPIC, agents_fragment())


# --- Pages --------------------------------------------------------------------------------


def page_topics(request: HttpRequest) -> list[str]:
    """A customer's pages follow the conversation their widget shows."""
    from .selectors import widget_state

    state = widget_state(request)
    return [state.conversation.topic] if state.conversation is not None else []


def register() -> None:
    topics.register("conversation", conversation_snapshot)
    topics.register("support", inbox_snapshot)
    inbound.register_inbound("typing", on_typing)
    inbound.register_inbound("seen", on_seen)
    inbound.register_inbound("presence", on_presence, needs_topic=False)
    pages.add_page_topics(page_topics)
