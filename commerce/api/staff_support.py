"""API: staff: support conversations (support:read), replies and closing (support:write).

Replies go through `commerce.support.services.message_post` as the agent's reply form does (the rate
limit, sending once by `client_key`, the live pushes to the customer and the inbox, the team's read
mark), and statuses through `conversation_set_status`.
"""

from datetime import datetime
from typing import Annotated, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from ninja.params.functions import Path, Query

from commerce.accounts.models import User
from commerce.support import limits, selectors, services
from commerce.support.models import BODY_MAX_LENGTH, Conversation, Message

from .auth import caller
from .body import BodyIn
from .errors import ApiError, answers
from .pagination import SignedCursor
from .staff_schemas import Text

router = Router(tags=["Staff: support"])

ConversationId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The conversation's id.")]


def _name(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name().strip() or user.email


class ConversationRowOut(Schema):
    id: int
    status: str = Field(description="open or closed.")
    customer_email: str
    guest: bool = Field(description="The customer has no account (known by the email they gave).")
    email_verified: bool
    assignee: str = Field(description="The agent it is assigned to (name or email), or empty.")
    order: str = Field(description="The number of the order it is about, or empty.")
    unread: int = Field(description="Customer messages no agent has read yet.")
    last_message: str = Field(description="The latest message's text (its start).")
    last_from_staff: bool
    last_message_at: datetime
    created_at: datetime

    @staticmethod
    def resolve_customer_email(obj: Conversation) -> str:
        return obj.customer_email

    @staticmethod
    def resolve_guest(obj: Conversation) -> bool:
        return obj.customer_id is None

    @staticmethod
    def resolve_email_verified(obj: Conversation) -> bool:
        return obj.email_verified

    @staticmethod
    def resolve_assignee(obj: Conversation) -> str:
        return _name(obj.assignee)

    @staticmethod
    def resolve_order(obj: Conversation) -> str:
        return obj.order.number if obj.order else ""

    @staticmethod
    def resolve_unread(obj: Conversation) -> int:
        return int(getattr(obj, "unread", 0) or 0)

    @staticmethod
    def resolve_last_message(obj: Conversation) -> str:
        return str(getattr(obj, "last_body", "") or "")[:200]

    @staticmethod
    def resolve_last_from_staff(obj: Conversation) -> bool:
        return bool(getattr(obj, "last_from_staff", False))


class MessageOut(Schema):
    id: int
    from_staff: bool = Field(description="Written by an agent (else by the customer).")
    author: str = Field(description="The agent's name, or the customer's name or email.")
    body: str = Field(description="Plain text, as written (escape it before showing it as HTML).")
    created_at: datetime


class ConversationOut(ConversationRowOut):
    messages: list[MessageOut] = Field(description="The latest 100 messages, oldest first.")

    @staticmethod
    def resolve_messages(obj: Conversation) -> list[MessageOut]:
        return [_message(message, obj) for message in selectors.thread(obj)]


def _message(message: Message, conversation: Conversation) -> MessageOut:
    if message.from_staff:
        author = _name(message.author) or "Support"
    else:
        author = _name(message.author) or conversation.customer_email
    return MessageOut(
        id=message.pk, from_staff=message.from_staff, author=author, body=message.body, created_at=message.created_at
    )


@router.get("", response=answers({200: list[ConversationRowOut]}), summary="The inbox, latest activity first")
@paginate(SignedCursor, ordering=("-last_message_at", "-pk"))
def staff_conversations_list(
    request: HttpRequest,
    status: Literal["open", "closed", "all"] = Query("open", description="open (the default), closed or all."),  # noqa: B008
    assigned: Literal["me", "nobody", "anyone"] = Query(  # noqa: B008
        "anyone", description="me: assigned to you; nobody: to no one yet; anyone (the default)."
    ),
) -> QuerySet[Conversation]:
    who = caller(request)
    who.need("support:read")
    rows = Conversation.objects.all()
    if status != "all":
        rows = rows.filter(status=status)
    if assigned == "me":
        rows = rows.filter(assignee=who.person())
    elif assigned == "nobody":
        rows = rows.filter(assignee__isnull=True)
    return selectors.inbox_rows(rows)


def _conversation(pk: int) -> Conversation:
    conversation = selectors.inbox_row(pk)
    if conversation is None:
        raise ApiError.not_found("Conversation")
    return conversation


@router.get("/{pk}", response=answers({200: ConversationOut}), summary="One conversation with its messages")
def staff_conversation_read(request: HttpRequest, pk: ConversationId) -> Conversation:
    caller(request).need("support:read")
    return _conversation(pk)


class ReplyIn(BodyIn):
    body: Text = Field(max_length=BODY_MAX_LENGTH * 2, description=f"Plain text, up to {BODY_MAX_LENGTH} characters.")
    client_key: Text = Field(
        "",
        max_length=64,
        description="Your own key for this message (16 to 64 of A-Z a-z 0-9 _ -): sent again, it is stored once.",
    )


@router.post("/{pk}/messages", response=answers({201: MessageOut}), summary="Reply to the customer")
def staff_conversation_reply(request: HttpRequest, pk: ConversationId, data: ReplyIn) -> Status[MessageOut]:
    who = caller(request)
    who.need("support:write")
    agent = who.person()
    conversation = _conversation(pk)
    services.body_clean(data.body)
    client_key = services.client_key_clean(data.client_key)
    message = services.message_sent_before(
        client_key=client_key, author=agent, from_staff=True, conversation=conversation
    )
    if message is None:  # else: the same message again, already stored
        limits.rate_check(limits.rate_key(agent, None))
        message = services.message_post(
            conversation=conversation, author=agent, from_staff=True, body=data.body, client_key=client_key
        )
    return Status(201, _message(message, conversation))


class StatusIn(BodyIn):
    status: Literal["open", "closed"] = Field(description="closed: out of the open inbox; open: back in it.")


@router.post("/{pk}/status", response=answers({200: ConversationRowOut}), summary="Close or reopen a conversation")
def staff_conversation_status(request: HttpRequest, pk: ConversationId, data: StatusIn) -> Conversation:
    caller(request).need("support:write")
    services.conversation_set_status(conversation=_conversation(pk), status=data.status)
    return _conversation(pk)
