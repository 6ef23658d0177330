"""The staff support API: the inbox, a thread, replies through message_post (pushed to the customer),
closing and reopening; support scopes only."""

import pytest
from django.core.cache import cache

from commerce.support import services
from commerce.support.models import Conversation, Message
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/staff/support"


@pytest.fixture(autouse=True)
def _fresh_limits(settings):  # type: ignore[no-untyped-def]
    """No rate-limit state leaks between tests."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()


@pytest.fixture
def sam(db):  # type: ignore[no-untyped-def]
    return UserFactory(email="sam@example.com", first_name="Sam", last_name="Stone")


@pytest.fixture
def conversation(sam):  # type: ignore[no-untyped-def]
    """Sam's open conversation, with one message of his (<b> and all: text, never HTML)."""
    conversation = services.conversation_for_customer(customer=sam)
    services.message_post(conversation=conversation, author=sam, from_staff=False, body="Where is <b>my</b> parcel?")
    return conversation


def post(api, url, data, headers):  # type: ignore[no-untyped-def]
    return api.post(url, data, content_type="application/json", **headers)


def test_support_scopes_only(api, conversation, sam, ops_user, support_user, bearer):
    for headers in (bearer(sam, "shop:read", "shop:write"), bearer(ops_user, "orders:read", "orders:write")):
        assert api.get(URL, **headers).status_code == 403
        assert api.get(f"{URL}/{conversation.pk}", **headers).status_code == 403
        assert post(api, f"{URL}/{conversation.pk}/messages", {"body": "hi"}, headers).status_code == 403
    read_only = bearer(support_user, "support:read")
    answer = post(api, f"{URL}/{conversation.pk}/messages", {"body": "hi"}, read_only)
    assert (answer.status_code, answer.json()["code"]) == (403, "scope_missing")
    assert post(api, f"{URL}/{conversation.pk}/status", {"status": "closed"}, read_only).status_code == 403
    assert conversation.messages.count() == 1
    assert Conversation.objects.get(pk=conversation.pk).status == "open"


def test_the_inbox_and_a_thread(api, conversation, support_user, bearer):
    token = bearer(support_user, "support:read")

    answer = api.get(URL, **token)

    assert answer.status_code == 200
    (row,) = answer.json()["results"]
    assert row == {
        "id": conversation.pk,
        "status": "open",
        "customer_email": "sam@example.com",
        "guest": False,
        "email_verified": row["email_verified"],
        "assignee": "",
        "order": "",
        "unread": 1,
        "last_message": "Where is <b>my</b> parcel?",
        "last_from_staff": False,
        "last_message_at": row["last_message_at"],
        "created_at": row["created_at"],
    }
    assert api.get(f"{URL}?status=closed", **token).json()["results"] == []
    assert len(api.get(f"{URL}?assigned=nobody", **token).json()["results"]) == 1
    assert api.get(f"{URL}?assigned=me", **token).json()["results"] == []
    assert api.get(f"{URL}?status=lost", **token).status_code == 422

    thread = api.get(f"{URL}/{conversation.pk}", **token).json()
    message = conversation.messages.get()
    assert thread["messages"] == [
        {
            "id": message.pk,
            "from_staff": False,
            "author": "Sam Stone",
            "body": "Where is <b>my</b> parcel?",
            "created_at": thread["messages"][0]["created_at"],
        }
    ]
    assert api.get(f"{URL}/999999", **token).status_code == 404
    assert api.get(f"{URL}/0", **token).status_code == 422


def test_a_reply_reaches_the_customer_takes_the_conversation_and_is_sent_once(
    api, conversation, support_user, bearer, capture_broadcasts
):
    token = bearer(support_user, "support:read", "support:write")
    body = {"body": "It left today.", "client_key": "reply-key-0123456789"}

    with capture_broadcasts() as sent:
        answer = post(api, f"{URL}/{conversation.pk}/messages", body, token)
    again = post(api, f"{URL}/{conversation.pk}/messages", body, token)

    assert answer.status_code == 201
    reply = Message.objects.get(from_staff=True)
    assert answer.json() == {
        "id": reply.pk,
        "from_staff": True,
        "author": support_user.get_full_name() or support_user.email,
        "body": "It left today.",
        "created_at": answer.json()["created_at"],
    }
    assert (again.status_code, again.json()["id"]) == (201, reply.pk)
    assert conversation.messages.count() == 2
    topics = [topic for topic, _html in sent]
    assert f"conversation.{conversation.pk}" in topics
    assert f"conversation_staff.{conversation.pk}" in topics
    customer_push = next(html for topic, html in sent if topic == f"conversation.{conversation.pk}")
    assert "It left today." in customer_push
    row = api.get(f"{URL}?assigned=me", **token).json()["results"][0]
    assert (row["id"], row["unread"], row["last_from_staff"]) == (conversation.pk, 0, True)

    empty = post(api, f"{URL}/{conversation.pk}/messages", {"body": "   "}, token)
    assert (empty.status_code, empty.json()["message"]) == (422, "Write a message first.")
    nul = post(api, f"{URL}/{conversation.pk}/messages", {"body": "a\u0000b"}, token)
    assert nul.status_code == 422
    assert conversation.messages.count() == 2


def test_close_and_reopen(api, conversation, support_user, bearer):
    token = bearer(support_user, "support:write", "support:read")

    closed = post(api, f"{URL}/{conversation.pk}/status", {"status": "closed"}, token)

    assert (closed.status_code, closed.json()["status"]) == (200, "closed")
    assert Conversation.objects.get(pk=conversation.pk).status == "closed"
    assert [r["id"] for r in api.get(f"{URL}?status=closed", **token).json()["results"]] == [conversation.pk]
    reopened = post(api, f"{URL}/{conversation.pk}/status", {"status": "open"}, token)
    assert reopened.json()["status"] == "open"
    assert post(api, f"{URL}/{conversation.pk}/status", {"status": "gone"}, token).status_code == 422


def test_replying_too_fast_answers_429_with_retry_after(api, conversation, support_user, bearer, settings):
    settings.SUPPORT_RATE_LIMIT = 2
    settings.SUPPORT_RATE_WINDOW = 600
    token = bearer(support_user, "support:read", "support:write")
    answers = [post(api, f"{URL}/{conversation.pk}/messages", {"body": f"Reply {n}"}, token) for n in range(3)]
    assert [answer.status_code for answer in answers] == [201, 201, 429]
    assert 1 <= int(answers[2]["Retry-After"]) <= 600
    assert conversation.messages.filter(from_staff=True).count() == 2
