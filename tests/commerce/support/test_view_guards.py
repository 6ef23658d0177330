"""What the support pages guard against: a guest's unconfirmed email, floods per address, a form sent
twice, and Redis going down."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from commerce.support.models import Conversation, Message
from tests.commerce.support.helpers import signed_in
from tests.factories import OrderFactory, UserFactory

pytestmark = pytest.mark.django_db


# --- A guest's email is a claim until they confirm it --------------------------------------------


def guest_writes(client: Client, email: str, body: str = "Where is my parcel?") -> Conversation:
    response = client.post(reverse("support:post"), {"body": body, "email": email}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return Conversation.objects.get(guest_email=email)


def emailed_link(email: str) -> str:
    from commerce.notifications.models import Notification

    row = Notification.objects.get(event="support_email_check", recipient=email)
    return next(word for word in row.body_text.split() if "/help/email/" in word).removeprefix("http://127.0.0.1:8000")


def test_a_guest_is_emailed_a_link_to_confirm_the_address_they_gave(client, settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    conversation = guest_writes(client, "guest@example.com")

    link = emailed_link("guest@example.com")
    page = Client().get(link)  # opened on another device, say
    assert page.status_code == 200
    assert "Someone wrote to our support team as <strong>guest@example.com</strong>" in page.content.decode()
    assert "Where is my parcel?" in page.content.decode()
    conversation.refresh_from_db()
    assert conversation.guest_email_verified_at is None  # opening is not confirming: mail scanners open links

    other_device = Client()
    confirmed = other_device.post(link)
    assert confirmed.status_code == 302
    conversation.refresh_from_db()
    assert conversation.guest_email_verified_at is not None
    assert "Where is my parcel?" in other_device.get(reverse("support:widget")).content.decode()
    first = conversation.guest_email_verified_at
    other_device.post(link)  # again: nothing changes
    conversation.refresh_from_db()
    assert conversation.guest_email_verified_at == first


def test_the_agent_sees_a_guests_orders_only_once_the_address_is_confirmed(client, agent, settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    order = OrderFactory(email="guest@example.com")
    conversation = guest_writes(client, "guest@example.com")
    page = reverse("support:conversation", args=[conversation.pk])

    before = signed_in(agent).get(page).content.decode()
    assert "guest@example.com" in before
    assert "Unverified email" in before
    assert order.number not in before

    Client().post(emailed_link("guest@example.com"))

    after = signed_in(agent).get(page).content.decode()
    assert "Unverified email" not in after
    assert order.number in after


def test_a_signed_in_customer_is_confirmed_once_their_account_proved_its_address(sams_conversation, sam, agent):
    url = reverse("support:conversation", args=[sams_conversation.pk])
    before = signed_in(agent).get(url).content.decode()
    sam.email_verified_at = timezone.now()
    sam.save(update_fields=["email_verified_at"])
    after = signed_in(agent).get(url).content.decode()

    assert "sam@example.com" in before
    assert "Unverified email" in before
    assert "Unverified email" not in after


def test_an_email_link_for_another_address_or_a_forged_one_confirms_nothing(client, sams_conversation):
    from django.core import signing

    from commerce.support.selectors import EMAIL_CHECK_SALT

    conversation = guest_writes(client, "guest@example.com")
    for token in (
        signing.dumps({"c": conversation.pk, "e": "mallory@example.com"}, salt=EMAIL_CHECK_SALT),
        signing.dumps({"c": sams_conversation.pk, "e": "sam@example.com"}, salt=EMAIL_CHECK_SALT),
        signing.dumps({"c": conversation.pk, "e": "guest@example.com"}, salt="support.link"),
        f"{conversation.pk}:forged",
    ):
        assert Client().post(reverse("support:email_check", args=[token])).status_code == 404
    conversation.refresh_from_db()
    assert conversation.guest_email_verified_at is None


def test_a_signed_in_customer_gets_no_confirmation_email(sam):
    from commerce.notifications.models import Notification

    signed_in(sam).post(reverse("support:post"), {"body": "Hello"})

    assert not Notification.objects.filter(event="support_email_check").exists()


# --- Limits per address ---------------------------------------------------------------------------


def test_guests_are_limited_per_address_whatever_their_sessions(settings, clock):
    # The clock stopped: the limits count per fixed window of the wall clock, and five posts that
    # straddled a window's edge were counted partly in each (this test failed now and then).
    settings.SUPPORT_RATE_LIMIT = 2
    settings.SUPPORT_ADDRESS_RATE_LIMIT = 3

    def fresh_session(address: str) -> int:  # a new browser session for every message
        return (
            Client(REMOTE_ADDR=address)
            .post(reverse("support:post"), {"body": "Buy now!", "email": "spam@example.com"}, HTTP_HX_REQUEST="true")
            .status_code
        )

    assert [fresh_session("203.0.113.7") for _ in range(5)] == [200, 200, 200, 429, 429]
    assert fresh_session("198.51.100.2") == 200  # someone else is not slowed
    assert Message.objects.count() == 4


def test_an_agents_limit_is_their_own_not_their_addresss(settings, sams_conversation, agent):
    settings.SUPPORT_ADDRESS_RATE_LIMIT = 1
    client = signed_in(agent)
    url = reverse("support:reply", args=[sams_conversation.pk])

    assert [client.post(url, {"body": f"reply {i}"}).status_code for i in range(3)] == [200, 200, 200]


# --- Sent once ------------------------------------------------------------------------------------


def form_key(html: str) -> str:
    return html.split('name="client_key" value="')[1].split('"')[0]


def test_the_widget_form_sent_twice_stores_one_message(client):
    client.defaults["HTTP_HX_REQUEST"] = "true"
    key = form_key(client.get(reverse("support:widget")).content.decode())
    sent = {"body": "Is the Dune Tee back?", "email": "guest@example.com", "client_key": key}

    first = client.post(reverse("support:post"), sent)
    # The answer was lost (a time-out, an error after storing): the browser sends the same form
    # again, even from a session that never got its cookie.
    again = Client(HTTP_HX_REQUEST="true").post(reverse("support:post"), sent)

    assert (first.status_code, again.status_code) == (200, 200)
    assert Conversation.objects.count() == 1
    message = Message.objects.get()
    assert message.body == "Is the Dune Tee back?"
    assert again.content.decode().count("Is the Dune Tee back?") == 1
    assert form_key(again.content.decode()) != key  # a fresh form for the next message


def test_a_signed_in_customers_form_sent_twice_stores_one_message(sams_conversation, sam):
    client = signed_in(sam)
    key = form_key(client.get(reverse("support:widget")).content.decode())
    sent = {"body": "Thanks!", "conversation": sams_conversation.pk, "client_key": key}

    assert [client.post(reverse("support:post"), sent).status_code for _ in range(2)] == [200, 200]
    assert list(sams_conversation.messages.values_list("body", flat=True)) == ["My secret question", "Thanks!"]


def test_a_repeat_is_answered_even_when_the_limit_is_reached(settings, sams_conversation, sam):
    settings.SUPPORT_RATE_LIMIT = 1
    client = signed_in(sam)
    sent = {"body": "Once", "conversation": sams_conversation.pk, "client_key": "k" * 24}

    assert [client.post(reverse("support:post"), sent).status_code for _ in range(3)] == [200, 200, 200]
    assert sams_conversation.messages.filter(body="Once").count() == 1


def test_someone_elses_form_key_is_refused_and_stores_nothing(sams_conversation, sam):
    signed_in(sam).post(
        reverse("support:post"), {"body": "Mine", "conversation": sams_conversation.pk, "client_key": "s" * 24}
    )

    response = signed_in(UserFactory()).post(reverse("support:post"), {"body": "Theirs", "client_key": "s" * 24})

    assert response.status_code == 409
    assert "Reload the page" in response.content.decode()
    assert "Mine" not in response.content.decode()
    assert not Message.objects.filter(body="Theirs").exists()


@pytest.mark.parametrize("key", ["short", "x" * 65, "no spaces allowed here", "ünïcode-ünïcode-ü"])
def test_a_malformed_form_key_is_refused(sam, key):
    response = signed_in(sam).post(reverse("support:post"), {"body": "Hello", "client_key": key})

    assert response.status_code == 422
    assert "Reload the page" in response.content.decode()
    assert not Message.objects.exists()


def test_an_agents_reply_form_sent_twice_stores_one_reply(sams_conversation, agent):
    client = signed_in(agent)
    html = client.get(reverse("support:conversation", args=[sams_conversation.pk])).content.decode()
    sent = {"body": "On its way.", "client_key": form_key(html)}

    for _ in range(2):
        assert client.post(reverse("support:reply", args=[sams_conversation.pk]), sent).status_code == 200
    assert sams_conversation.messages.filter(from_staff=True).count() == 1


# --- Redis down -----------------------------------------------------------------------------------


@pytest.fixture
def redis_down(settings, _fresh_support_state):  # type: ignore[no-untyped-def]
    """Presence, the rate limits' cache and the live pushes all point at a Redis that is not there."""
    from commerce.support import presence

    real = settings.REDIS_URL
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5},
        }
    }
    yield
    settings.REDIS_URL = real
    presence._down_until = 0.0


def test_the_widget_answers_while_redis_is_down_with_presence_unknown(client, redis_down):
    client.defaults["HTTP_HX_REQUEST"] = "true"

    widget = client.get(reverse("support:widget"))
    page = client.get(reverse("support:help"), HTTP_HX_REQUEST="")
    posted = client.post(reverse("support:post"), {"body": "Anyone there?", "email": "guest@example.com"})

    assert (widget.status_code, page.status_code, posted.status_code) == (200, 200, 200)
    for response in (widget, page, posted):
        assert "We'll reply as soon as we can." in response.content.decode()
        assert "Support is online" not in response.content.decode()
    assert "Anyone there?" in posted.content.decode()
    assert Message.objects.get().body == "Anyone there?"


def test_the_staff_pages_answer_while_redis_is_down(sams_conversation, agent, redis_down):
    client = signed_in(agent)

    inbox = client.get(reverse("support:inbox"))
    thread = client.get(reverse("support:conversation", args=[sams_conversation.pk]))
    reply = client.post(reverse("support:reply", args=[sams_conversation.pk]), {"body": "Here!"})

    assert (inbox.status_code, thread.status_code, reply.status_code) == (200, 200, 200)
    for response in (inbox, thread):
        assert "Who is online is unknown right now" in response.content.decode()
    assert sams_conversation.messages.filter(body="Here!", from_staff=True).count() == 1
