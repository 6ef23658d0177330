from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from commerce.notifications.models import Notification
from commerce.support import services
from commerce.support.errors import SupportError
from commerce.support.models import Conversation, Message, StaffReadState
from tests.factories import OrderFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer():  # type: ignore[no-untyped-def]
    return UserFactory(email="sam@example.com")


@pytest.fixture
def conversation(customer):  # type: ignore[no-untyped-def]
    return services.conversation_for_customer(customer=customer)


def post(conversation, author, body, *, staff=False):  # type: ignore[no-untyped-def]
    return services.message_post(conversation=conversation, author=author, from_staff=staff, body=body)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("", "Write a message first."),
        ("   \n\t ", "Write a message first."),
        ("x" * 2001, "Messages can be at most 2,000 characters; this one has 2,001."),
    ],
)
def test_empty_or_too_long_bodies_are_refused_and_nothing_is_stored(conversation, customer, body, error):
    with pytest.raises(SupportError) as caught:
        post(conversation, customer, body)

    assert caught.value.message == error
    assert not Message.objects.exists()
    conversation.refresh_from_db()
    assert conversation.last_message_id == 0


def test_a_body_of_exactly_the_limit_is_kept_whole_and_trimmed_of_outer_space(conversation, customer):
    message = post(conversation, customer, "  " + "y" * 2000 + "\n")

    assert message.body == "y" * 2000


def test_a_customer_message_moves_the_marks_and_the_first_reply_assigns_the_agent(conversation, customer, agent):
    first = post(conversation, customer, "Where is my parcel?")
    conversation.refresh_from_db()
    assert (conversation.last_customer_message_id, conversation.customer_read_id) == (first.pk, first.pk)
    assert conversation.assignee is None

    reply = post(conversation, agent, "On its way!", staff=True)

    conversation.refresh_from_db()
    assert conversation.assignee == agent
    assert (conversation.last_staff_message_id, conversation.staff_read_id) == (reply.pk, reply.pk)
    assert StaffReadState.objects.get(conversation=conversation, user=agent).last_read_id == reply.pk


def test_a_customer_writing_to_a_closed_conversation_reopens_it(conversation, customer):
    services.conversation_set_status(conversation=conversation, status="closed")

    post(conversation, customer, "One more thing")

    conversation.refresh_from_db()
    assert conversation.status == "open"


def test_one_open_conversation_per_customer_and_one_per_order(customer):
    general = services.conversation_for_customer(customer=customer)
    assert services.conversation_for_customer(customer=customer) == general

    order = OrderFactory(user=customer)
    about_order = services.conversation_for_customer(customer=customer, order=order)
    assert about_order != general
    assert services.conversation_for_customer(customer=customer, order=order) == about_order


def test_read_marks_only_move_forward(conversation, customer, agent):
    post(conversation, agent, "Hello", staff=True)
    assert services.mark_read(conversation_pk=conversation.pk, reader=customer, staff=False) is True
    assert services.mark_read(conversation_pk=conversation.pk, reader=customer, staff=False) is False  # nothing new

    conversation.refresh_from_db()
    Conversation.objects.filter(pk=conversation.pk).update(customer_read_id=10**9)  # somehow ahead
    assert services.mark_read(conversation_pk=conversation.pk, reader=customer, staff=False) is False
    assert Conversation.objects.get(pk=conversation.pk).customer_read_id == 10**9


def test_assigning_or_closing_twice_changes_nothing_the_second_time(conversation, agent, capture_broadcasts):
    for change in (
        lambda: services.conversation_assign(conversation=conversation, assignee=agent),
        lambda: services.conversation_set_status(conversation=conversation, status="closed"),
    ):
        with capture_broadcasts() as sent:
            change()
        assert [topic for topic, _ in sent] == [f"conversation_staff.{conversation.pk}", "support.inbox"]
        with capture_broadcasts() as sent:
            change()
        assert sent == []  # nothing changed, nothing pushed

    conversation.refresh_from_db()
    assert (conversation.assignee, conversation.status) == (agent, "closed")


def test_a_message_is_pushed_to_both_sides_and_the_inbox_after_commit(conversation, customer, capture_broadcasts):
    with capture_broadcasts() as sent:
        message = post(conversation, customer, "Do you ship to Norway?")

    by_topic = dict(sent)
    assert f'id="support-msg-{message.pk}"' in by_topic[f"conversation.{conversation.pk}"]
    assert f'id="conv-msg-{message.pk}"' in by_topic[f"conversation_staff.{conversation.pk}"]
    assert f'id="conv-msg-{message.pk}"' not in by_topic[f"conversation.{conversation.pk}"]
    assert "Do you ship to Norway?" in by_topic["support.inbox"]


class TestUnreadReplyNotifications:
    def later(self, settings, minutes: int = 4):  # type: ignore[no-untyped-def]
        settings.SUPPORT_REPLY_NOTIFY_SECONDS = 180
        return timezone.now() + timedelta(minutes=minutes)

    def test_one_email_per_burst_of_unread_replies(
        self, settings, conversation, customer, agent, django_capture_on_commit_callbacks
    ):
        settings.SITE_URL = "https://shop.example.com"
        post(conversation, customer, "Hi")
        post(conversation, agent, "Hello Sam", staff=True)
        post(conversation, agent, "Your parcel left today.", staff=True)
        post(conversation, agent, "Tracking: 1Z999", staff=True)  # a burst of three replies

        assert services.replies_notify(now=timezone.now()) == 0  # not quiet for long enough yet
        with django_capture_on_commit_callbacks(execute=True):  # the outbox row is delivered after commit
            assert services.replies_notify(now=self.later(settings)) == 1
        assert services.replies_notify(now=self.later(settings, 10)) == 0  # the burst was covered

        row = Notification.objects.get()
        assert (row.event, row.channel, row.recipient) == ("support_reply", "email", "sam@example.com")
        assert "Alex from support wrote:\nHello Sam" in row.body_text
        assert "Your parcel left today." in row.body_text
        assert "Tracking: 1Z999" in row.body_text
        assert "https://shop.example.com/help/" in row.body_text
        assert [m.subject for m in mail.outbox] == ["Live Store support replied to your message"]

    def test_a_read_reply_sends_nothing(self, settings, conversation, customer, agent):
        post(conversation, agent, "Hello", staff=True)
        services.mark_read(conversation_pk=conversation.pk, reader=customer, staff=False)

        assert services.replies_notify(now=self.later(settings)) == 0
        assert not Notification.objects.exists()

    def test_a_later_burst_gets_its_own_email(self, settings, conversation, agent):
        post(conversation, agent, "First", staff=True)
        assert services.replies_notify(now=self.later(settings)) == 1
        post(conversation, agent, "Second", staff=True)
        assert services.replies_notify(now=self.later(settings)) == 1

        assert Notification.objects.count() == 2

    def test_a_guest_gets_a_signed_link_back_to_the_conversation(self, settings, agent, client):
        settings.SITE_URL = "https://shop.example.com"
        conversation = services.conversation_for_customer(customer=None, guest_email="g@example.com", session_key="k")
        post(conversation, agent, "Hello guest", staff=True)

        services.replies_notify(now=self.later(settings))

        row = Notification.objects.get(event="support_reply")
        link = next(w for w in row.body_text.split() if w.startswith("https://shop.example.com/help/c/"))
        response = client.get(link.removeprefix("https://shop.example.com"), follow=True)
        assert response.status_code == 200
        assert "Hello guest" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_same_first_message_sent_twice_at_once_is_stored_once():
    """A guest's first message, the form sent twice at the same moment (two sessions, no conversation
    yet): the client key is unique, so the second waits for the first and answers with its message."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    both_ready = threading.Barrier(2)

    def send(session_key: str):  # type: ignore[no-untyped-def]
        both_ready.wait(timeout=10)
        try:
            return services.customer_message_post(
                customer=None,
                conversation=None,
                body="Is the Dune Tee back?",
                guest_email="guest@example.com",
                session_key=session_key,
                client_key="c" * 24,
            )
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        results = [future.result(timeout=30) for future in [pool.submit(send, key) for key in ("s1", "s2")]]

    assert Message.objects.count() == 1
    assert Conversation.objects.count() == 1
    assert results[0][1].pk == results[1][1].pk == Message.objects.get().pk


def test_confirming_a_guests_email_is_once_and_for_their_address_only():
    conversation = services.conversation_for_customer(customer=None, guest_email="Guest@Example.com", session_key="k")

    assert services.conversation_email_confirm(conversation=conversation, email="mallory@example.com") is False
    assert services.conversation_email_confirm(conversation=conversation, email="guest@example.com") is True
    assert services.conversation_email_confirm(conversation=conversation, email="guest@example.com") is False
    conversation.refresh_from_db()
    assert conversation.email_verified


def test_starting_a_guest_conversation_writes_one_confirmation_email(settings, django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://shop.example.com"
    with django_capture_on_commit_callbacks(execute=True):
        conversation = services.conversation_for_customer(
            customer=None, guest_email="guest@example.com", session_key="k"
        )

    row = Notification.objects.get()
    assert (row.event, row.channel, row.recipient) == ("support_email_check", "email", "guest@example.com")
    assert row.subject == "Confirm your email address for Live Store support"
    assert [m.to for m in mail.outbox] == [["guest@example.com"]]
    assert "https://shop.example.com/help/email/" in mail.outbox[0].body
    assert (row.status, row.body_text) == (Notification.Status.SENT, "")  # sent: the outbox keeps no link
    assert not conversation.email_verified


def test_one_confirmation_email_per_address_in_a_while_and_it_confirms_the_sessions_conversations():
    """Anyone can type anyone's address: starting conversation after conversation sends it one email."""
    first = services.conversation_for_customer(customer=None, guest_email="guest@example.com", session_key="k1")
    second = services.conversation_for_customer(customer=None, guest_email="Guest@example.com", session_key="k1")
    elsewhere = services.conversation_for_customer(customer=None, guest_email="guest@example.com", session_key="k2")

    assert Notification.objects.filter(event="support_email_check").count() == 1

    assert services.conversation_email_confirm(conversation=first, email="guest@example.com") is True
    confirmed = {c.pk for c in Conversation.objects.all() if c.email_verified}
    assert confirmed == {first.pk, second.pk}  # the same session's; not another browser's
    assert elsewhere.pk not in confirmed
