"""What a browser session keeps for support: a guest's conversations (the newest twenty) and the one
the widget shows; a signed-in customer's session keeps only the latter."""

from commerce.support.models import Conversation
from commerce.support.session import (
    CURRENT_KEY,
    SESSION_KEY,
    session_conversations,
    session_current,
    session_forget_conversations,
    session_remember,
)


def test_a_guest_session_remembers_each_conversation_once_newest_last():
    session: dict[str, object] = {}

    session_remember(session, Conversation(pk=7), guest=True)
    session_remember(session, Conversation(pk=9), guest=True)
    session_remember(session, Conversation(pk=7), guest=True)

    assert session == {SESSION_KEY: [9, 7], CURRENT_KEY: 7}
    assert (session_conversations(session), session_current(session)) == ([9, 7], 7)


def test_a_guest_session_keeps_the_newest_twenty():
    session: dict[str, object] = {}

    for pk in range(1, 26):
        session_remember(session, Conversation(pk=pk), guest=True)

    assert session_conversations(session) == list(range(6, 26))


def test_a_signed_in_session_remembers_only_what_the_widget_shows():
    session: dict[str, object] = {}

    session_remember(session, Conversation(pk=7), guest=False)

    assert session == {CURRENT_KEY: 7}
    assert session_conversations(session) == []


def test_values_that_are_not_conversation_numbers_are_ignored():
    session: dict[str, object] = {SESSION_KEY: [3, "4", "x", None], CURRENT_KEY: "3"}

    assert (session_conversations(session), session_current(session)) == ([3, 4], None)


def test_forgetting_leaves_what_the_widget_shows():
    session: dict[str, object] = {SESSION_KEY: [3], CURRENT_KEY: 3}

    session_forget_conversations(session)

    assert session == {CURRENT_KEY: 3}
