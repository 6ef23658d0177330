"""What a browser session keeps for support: the guest's conversations and the one the widget shows.

Views (and the live topic's check) read these keys here and hand the selectors plain values; the
views write them through `session_remember` when a customer writes, opens a link or asks about an order.
"""

from collections.abc import Mapping, MutableMapping
from typing import Any

from django.http import HttpRequest

from commerce.accounts.models import User

from . import selectors
from .models import Conversation

SESSION_KEY = "support_conversations"  # the guest's conversations, newest last
CURRENT_KEY = "support_current"  # the conversation the widget shows
REMEMBERED = 20
_WIDGET_ATTR = "_support_widget"  # the request's widget state, read once per request


def session_conversations(session: Mapping[str, Any]) -> list[int]:
    """The conversations a guest started in (or was linked to from) this session, oldest first."""
    return [int(pk) for pk in session.get(SESSION_KEY, []) if str(pk).isdigit()]


def session_current(session: Mapping[str, Any]) -> int | None:
    """The conversation the widget was last shown, if any."""
    current = session.get(CURRENT_KEY)
    return current if isinstance(current, int) else None


def session_remember(session: MutableMapping[str, Any], conversation: Conversation, *, guest: bool) -> None:
    """This browser may see the conversation (guests), and the widget shows it."""
    if guest:
        pks = [pk for pk in session_conversations(session) if pk != conversation.pk][-(REMEMBERED - 1) :]
        session[SESSION_KEY] = [*pks, conversation.pk]
    session[CURRENT_KEY] = conversation.pk


def session_forget_conversations(session: MutableMapping[str, Any]) -> None:
    """Forget the guest's conversations (on sign-in they became the account's)."""
    session.pop(SESSION_KEY, None)


def customer_of(request: HttpRequest) -> User | None:
    """The signed-in customer, or None for a guest."""
    return request.user if isinstance(request.user, User) else None


def widget_state(request: HttpRequest) -> selectors.WidgetState:
    """The widget's conversation and unread count, read once per request (the badge and the page's topics)."""
    cached: selectors.WidgetState | None = getattr(request, _WIDGET_ATTR, None)
    if cached is None:
        cached = selectors.widget_state(
            user=customer_of(request),
            session_conversations=session_conversations(request.session),
            current_pk=session_current(request.session),
        )
        setattr(request, _WIDGET_ATTR, cached)
    return cached
