"""Live support: the fragments pushed to `conversation.<pk>`, `conversation_staff.<pk>` and
`support.inbox`, the snapshots on (re)connect, and who may follow which topic.

Each event renders two fragments: the customer's (`conversation.<pk>`, followed by the customer's
pages: their widget's ids `#support-messages`, `#support-unread`, `#typing-staff-<pk>`) and the
staff's (`conversation_staff.<pk>`, followed by the agent's thread page only: `#conversation-messages`,
the assign/close controls, agents' names and emails, `#typing-customer-<pk>`). Nothing meant for
staff is ever pushed on the customer's topic. Services call the publishes here; what a page's
socket sends in (typing, seen, presence) is handled in inbound.py, which may call services.
"""

from django.http import HttpRequest
from django.template.loader import render_to_string

from commerce.accounts.models import User
from commerce.cart.live import REFRESH_FRAGMENT, owner_topic
from realtime import pages, topics
from realtime.broadcast import publish_on_commit

from . import presence
from .models import Conversation, Message
from .selectors import customer_can_access, customer_unread, inbox_row, is_agent, thread
from .session import session_conversations, widget_state

INBOX_TOPIC = "support.inbox"
CUSTOMER, STAFF = "customer", "staff"


def _marks(conv: Conversation, side: str) -> str:
    """The customer's unread badge and "Seen by support"; or, for staff, "Seen by the customer"."""
    unread = customer_unread(conv) if side == CUSTOMER else 0
    return render_to_string("support/_marks.html", {"conversation": conv, "unread": unread, "oob": True, "side": side})


def _typing_cleared(conv: Conversation, *, writer: str) -> str:
    return render_to_string("support/_typing.html", {"conversation": conv, "side": writer})


def customer_message_fragment(conv: Conversation, message: Message) -> str:
    context = {"conversation": conv, "message": message, "push": True, "oob": True, "viewer": CUSTOMER}
    html = render_to_string("support/_push_message.html", context) + _marks(conv, CUSTOMER)
    return html + (_typing_cleared(conv, writer=STAFF) if message.from_staff else "")


def staff_message_fragment(conv: Conversation, message: Message) -> str:
    context = {"conversation": conv, "message": message, "push": True, "oob": True, "viewer": STAFF}
    # The header too (the first reply assigns the agent), in the same push.
    html = (
        render_to_string("support/_push_message.html", context)
        + render_to_string("support/_meta.html", context)
        + _marks(conv, STAFF)
    )
    return html + ("" if message.from_staff else _typing_cleared(conv, writer=CUSTOMER))


def customer_thread_fragment(conv: Conversation) -> str:
    """The customer's view of the whole thread, swapped in place: the reconnect snapshot."""
    context = {"conversation": conv, "thread_messages": thread(conv), "oob": True, "push": True}
    return render_to_string("support/_customer_thread.html", context) + _marks(conv, CUSTOMER)


def staff_thread_fragment(conv: Conversation) -> str:
    """The agent's view of the whole thread and its header, swapped in place: the reconnect snapshot."""
    context = {"conversation": conv, "thread_messages": thread(conv), "oob": True, "push": True}
    return (
        render_to_string("support/_staff_thread.html", context)
        + render_to_string("support/_meta.html", context)
        + _marks(conv, STAFF)
    )


def inbox_row_fragment(conv_pk: int, *, to_top: bool) -> str:
    row = inbox_row(conv_pk)
    if row is None:
        return ""
    return render_to_string("support/_inbox_push.html", {"row": row, "to_top": to_top, "push": True})


def agents_fragment() -> str:
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
    part = f"message.{message.pk}"
    publish_on_commit(conv.topic, customer_message_fragment(conv, message), part=part)
    publish_on_commit(conv.staff_topic, staff_message_fragment(conv, message), part=part)
    publish_on_commit(INBOX_TOPIC, inbox_row_fragment(conv.pk, to_top=True), part=f"row.{conv.pk}")


def read_publish(conv: Conversation) -> None:
    publish_on_commit(conv.topic, _marks(conv, CUSTOMER), part="marks")
    publish_on_commit(conv.staff_topic, _marks(conv, STAFF), part="marks")
    publish_on_commit(INBOX_TOPIC, inbox_row_fragment(conv.pk, to_top=False), part=f"row.{conv.pk}")


def conversation_publish(conv: Conversation) -> None:
    """Status or assignee changed: the agent's thread header and the inbox row (staff only)."""
    publish_on_commit(
        conv.staff_topic,
        render_to_string("support/_meta.html", {"conversation": conv, "oob": True, "push": True}),
        part="meta",
    )
    publish_on_commit(INBOX_TOPIC, inbox_row_fragment(conv.pk, to_top=False), part=f"row.{conv.pk}")


# --- Snapshots -------------------------------------------------------------------------


def _conversation(key: str) -> Conversation | None:
    if not key.isdigit():
        return None
    return Conversation.objects.select_related("customer", "assignee", "order").filter(pk=int(key)).first()


def conversation_snapshot(key: str) -> str | None:
    conv = _conversation(key)
    return customer_thread_fragment(conv) if conv else None


def conversation_staff_snapshot(key: str) -> str | None:
    conv = _conversation(key)
    return staff_thread_fragment(conv) if conv else None


def inbox_snapshot(key: str) -> str | None:
    # Agents online, and a nudge that makes an open inbox list reload itself (it may have missed rows).
    return agents_fragment() + '<span id="inbox-sync" hx-swap-oob="true" data-signal hidden></span>'


# --- Pages --------------------------------------------------------------------------------


def page_topics(request: HttpRequest) -> list[str]:
    """A customer's pages follow the conversation their widget shows."""
    state = widget_state(request)
    return [state.conversation.topic] if state.conversation is not None else []


# --- Who may follow what (matches the widget and the staff pages) ---------------------------


def conversation_allowed(viewer: topics.Viewer, key: str) -> bool:
    """The customer's own conversation: theirs if signed in, one started in (or linked to) this session if a guest."""
    conv = Conversation.objects.filter(pk=int(key)).only("pk", "customer_id").first() if key.isdigit() else None
    if conv is None:
        return False
    user = viewer.user if isinstance(viewer.user, User) else None
    return customer_can_access(
        user=user, session_conversations=session_conversations(viewer.session), conversation=conv
    )


def _agent(viewer: topics.Viewer) -> bool:
    return is_agent(viewer.user)


def conversation_staff_allowed(viewer: topics.Viewer, key: str) -> bool:
    """The staff side of any conversation: staff in the support role, as the thread page requires."""
    return key.isdigit() and _agent(viewer)


def inbox_allowed(viewer: topics.Viewer, key: str) -> bool:
    return key == "inbox" and _agent(viewer)


def register() -> None:
    topics.register("conversation", conversation_snapshot, allowed=conversation_allowed)
    topics.register("conversation_staff", conversation_staff_snapshot, allowed=conversation_staff_allowed)
    topics.register("support", inbox_snapshot, allowed=inbox_allowed)
    pages.add_page_topics(page_topics)
