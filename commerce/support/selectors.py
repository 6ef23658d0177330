"""Reads of the support area, and who may read what.

A customer sees their own conversations only: a signed-in user those whose customer they are,
a guest those started in their own session (or opened through the signed link we emailed).
Staff see every conversation, but only staff in the support role.
"""

from collections.abc import Collection
from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.core import signing
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse

from commerce.accounts.models import User
from commerce.cart.models import SESSION_KEY as CART_SESSION_KEY
from commerce.cart.models import Cart
from commerce.orders.models import Order

from .models import Conversation, Message

LINK_SALT = "support.link"
EMAIL_CHECK_SALT = "support.email_check"
THREAD_LIMIT = 100


def is_agent(user: object) -> bool:
    return isinstance(user, User) and user.in_role("support")


def customer_can_access(
    *, user: User | None, session_conversations: Collection[int], conversation: Conversation
) -> bool:
    """A signed-in customer's own conversation, or one a guest started in (or linked to) their session
    (`session_conversations`). The page and the live topic `conversation.<pk>` ask the same."""
    if user is not None:
        return bool(conversation.customer_id == user.pk)
    return conversation.customer_id is None and conversation.pk in session_conversations


def guest_open_conversation(*, session_conversations: Collection[int], order: Order) -> Conversation | None:
    """A guest's open conversation about this order, started in their session."""
    return Conversation.objects.filter(
        pk__in=list(session_conversations), customer__isnull=True, order=order, status=Conversation.Status.OPEN
    ).first()


def customer_conversation(
    *, user: User | None, session_conversations: Collection[int], current_pk: int | None
) -> Conversation | None:
    """The conversation the widget shows: the one chosen in the session (`current_pk`), else the newest
    of this customer (a guest's: of those their session started)."""
    if user is not None:
        mine = Conversation.objects.filter(customer=user)
    else:
        if not session_conversations:
            return None
        mine = Conversation.objects.filter(pk__in=list(session_conversations), customer__isnull=True)
    chosen = mine.filter(pk=current_pk).first() if current_pk is not None else None
    return chosen or mine.order_by("-last_message_at", "-pk").first()


def thread(conversation: Conversation) -> list[Message]:
    """The latest THREAD_LIMIT messages, oldest first."""
    recent = list(conversation.messages.select_related("author").order_by("-pk")[:THREAD_LIMIT])
    return recent[::-1]


def customer_unread(conversation: Conversation | None) -> int:
    if conversation is None or conversation.last_staff_message_id <= conversation.customer_read_id:
        return 0
    return conversation.messages.filter(from_staff=True, pk__gt=conversation.customer_read_id).count()


def conversation_link(conversation: Conversation) -> str:
    """Where a notification sends the customer back to: the help page (a signed link for guests)."""
    if conversation.customer_id is not None:
        return reverse("support:help")
    token = signing.dumps(conversation.pk, salt=LINK_SALT)
    return reverse("support:help_link", args=[token])


def conversation_from_link(token: str) -> Conversation | None:
    try:
        pk = signing.loads(token, salt=LINK_SALT, max_age=settings.SUPPORT_LINK_MAX_AGE)
    except signing.BadSignature:
        return None
    return Conversation.objects.filter(pk=pk, customer__isnull=True).first() if isinstance(pk, int) else None


def email_check_link(conversation: Conversation) -> str:
    """The link emailed to a guest's address: opening it (and confirming) proves the address is theirs."""
    token = signing.dumps({"c": conversation.pk, "e": conversation.guest_email.lower()}, salt=EMAIL_CHECK_SALT)
    return reverse("support:email_check", args=[token])


@dataclass(frozen=True)
class EmailCheck:
    conversation: Conversation
    email: str


def email_check_from_link(token: str) -> EmailCheck | None:
    """The guest's conversation and the address a link was sent to, if the link is ours and fresh."""
    try:
        data = signing.loads(token, salt=EMAIL_CHECK_SALT, max_age=settings.SUPPORT_LINK_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("c"), int) or not isinstance(data.get("e"), str):
        return None
    conversation = Conversation.objects.filter(
        pk=data["c"], customer__isnull=True, guest_email__iexact=data["e"]
    ).first()
    return EmailCheck(conversation=conversation, email=data["e"]) if conversation else None


# --- Staff -------------------------------------------------------------------------

INBOX_FILTERS = {
    "open": ("Open", Q(status=Conversation.Status.OPEN)),
    "mine": ("Mine", Q(status=Conversation.Status.OPEN)),  # narrowed to the viewer below
    "unassigned": ("Unassigned", Q(status=Conversation.Status.OPEN, assignee__isnull=True)),
    "closed": ("Closed", Q(status=Conversation.Status.CLOSED)),
}


def inbox(*, agent: User, view: str = "open", limit: int = 100) -> QuerySet[Conversation]:
    """Conversations for the inbox, newest activity first, with the team's unread count and the last message."""
    label_and_filter = INBOX_FILTERS.get(view, INBOX_FILTERS["open"])
    rows = Conversation.objects.filter(label_and_filter[1])
    if view == "mine":
        rows = rows.filter(assignee=agent)
    return inbox_rows(rows)[:limit]


def inbox_rows(rows: QuerySet[Conversation]) -> QuerySet[Conversation]:
    last = Message.objects.filter(conversation=OuterRef("pk")).order_by("-pk")
    return (
        rows.select_related("customer", "assignee", "order")
        .annotate(
            unread=Count("messages", filter=Q(messages__from_staff=False, messages__pk__gt=F("staff_read_id"))),
            last_body=Subquery(last.values("body")[:1]),
            last_from_staff=Subquery(last.values("from_staff")[:1]),
        )
        .order_by("-last_message_at", "-pk")
    )


def inbox_row(conversation_pk: int) -> Conversation | None:
    return inbox_rows(Conversation.objects.filter(pk=conversation_pk)).first()


@dataclass(frozen=True)
class CustomerContext:
    cart: Cart | None
    orders: list[Order]
    email_verified: bool


def customer_cart(conversation: Conversation) -> Cart | None:
    if conversation.customer_id is not None:
        return Cart.objects.filter(user_id=conversation.customer_id).first()
    if not conversation.guest_session_key:
        return None
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key=conversation.guest_session_key)
    pk = store.get(CART_SESSION_KEY)
    return Cart.objects.filter(pk=pk, user__isnull=True).first() if pk else None


def customer_context(conversation: Conversation) -> CustomerContext:
    """What the agent sees beside the thread: the customer's cart and recent orders.

    A guest's email is only what they typed until they confirm it: their orders (found by that
    address) are shown once they have. Their cart is the one of the session they write from.
    """
    if conversation.customer_id is not None:
        orders = Order.objects.filter(user_id=conversation.customer_id)
    elif conversation.email_verified:
        orders = Order.objects.filter(user__isnull=True, email__iexact=conversation.guest_email)
    else:
        orders = Order.objects.none()
    return CustomerContext(
        cart=customer_cart(conversation),
        orders=list(orders.order_by("-created_at")[:5]),
        email_verified=conversation.email_verified,
    )


@dataclass(frozen=True)
class WidgetState:
    conversation: Conversation | None
    unread: int


def widget_state(*, user: User | None, session_conversations: Collection[int], current_pk: int | None) -> WidgetState:
    """The widget's conversation and its unread count (the badge, and the topic the customer's pages follow)."""
    conversation = customer_conversation(user=user, session_conversations=session_conversations, current_pk=current_pk)
    return WidgetState(conversation=conversation, unread=customer_unread(conversation))
