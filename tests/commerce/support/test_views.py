"""The support widget and staff inbox pages: what a customer and an agent can see and do, and who
may see what (guest email claims, limits, double submits, Redis down: test_view_guards.py)."""

import pytest
from django.test import Client
from django.urls import reverse

from commerce.orders.models import Order
from commerce.support import services
from commerce.support.models import CannedReply, Conversation, Message, StaffReadState
from tests.commerce.support.helpers import signed_in
from tests.factories import OrderFactory, UserFactory

pytestmark = pytest.mark.django_db

XSS = [
    '<img src=x onerror="alert(1)">',
    '<div hx-get="/accounts/logout/" hx-trigger="load">hi</div>',
    "<script>alert('x')</script>",
]


# --- Customer widget ---------------------------------------------------------------------


def test_every_storefront_page_has_the_widget_launcher(client):
    html = client.get("/").content.decode()

    assert 'id="support-toggle"' in html
    assert 'id="support-unread"' in html


def test_a_signed_in_customer_posts_and_sees_the_thread(sam):
    client = signed_in(sam)

    response = client.post(reverse("support:post"), {"body": "Do you restock the Dune Tee?"})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="support-form"' in html
    assert 'id="support-messages"' in html
    assert "Do you restock the Dune Tee?" in html
    conversation = Conversation.objects.get(customer=sam)
    assert conversation.messages.get().body == "Do you restock the Dune Tee?"


def test_history_follows_the_customer_to_another_device(sams_conversation, sam):
    other_device = signed_in(sam)

    html = other_device.get(reverse("support:widget")).content.decode()

    assert "My secret question" in html


def test_a_guest_must_give_an_email_first_then_the_session_keeps_the_conversation(client):
    client.defaults["HTTP_HX_REQUEST"] = "true"
    refused = client.post(reverse("support:post"), {"body": "Hello", "email": "not-an-email"})
    assert refused.status_code == 422
    assert "Enter your email address" in refused.content.decode()
    assert not Conversation.objects.exists()

    client.post(reverse("support:post"), {"body": "Hello", "email": "guest@example.com"})
    conversation = Conversation.objects.get()
    assert (conversation.customer, conversation.guest_email) == (None, "guest@example.com")

    client.post(reverse("support:post"), {"body": "Still there?", "conversation": conversation.pk})
    assert list(conversation.messages.values_list("body", flat=True)) == ["Hello", "Still there?"]


def test_a_guest_who_signs_in_keeps_the_conversation(client, sam):
    client.post(reverse("support:post"), {"body": "Hello", "email": "sam@example.com"}, HTTP_HX_REQUEST="true")

    client.post(reverse("accounts:login"), {"username": "sam@example.com", "password": "correct-horse-battery"})

    assert Conversation.objects.get().customer == sam


@pytest.mark.parametrize(("body", "message"), [("", "Write a message first."), ("z" * 2001, "at most 2,000")])
def test_bad_bodies_get_a_clear_error_and_keep_what_was_typed(sam, body, message):
    client = signed_in(sam)

    response = client.post(reverse("support:post"), {"body": body})

    assert response.status_code == 422
    html = response.content.decode()
    assert message in html
    assert not Message.objects.exists()
    if body:
        assert body in html  # the text is still in the box


def test_a_flood_is_told_to_slow_down_and_nothing_refused_is_stored(settings, sam, clock):
    settings.SUPPORT_RATE_LIMIT = 2
    client = signed_in(sam)
    statuses = [client.post(reverse("support:post"), {"body": f"msg {i}"}).status_code for i in range(4)]

    assert statuses == [200, 200, 429, 429]
    assert Message.objects.count() == 2
    last = client.post(reverse("support:post"), {"body": "again"})
    assert "Slow down" in last.content.decode()


@pytest.mark.parametrize("payload", XSS)
def test_markup_in_messages_is_shown_as_text_on_both_sides(sam, agent, payload):
    client = signed_in(sam)
    client.post(reverse("support:post"), {"body": payload})
    conversation = Conversation.objects.get()

    for html in (
        client.get(reverse("support:widget")).content.decode(),
        signed_in(agent).get(reverse("support:conversation", args=[conversation.pk])).content.decode(),
        signed_in(agent).get(reverse("support:inbox")).content.decode(),
    ):
        assert payload not in html
        assert "onerror=" not in html.replace("onerror=&quot;", "")
        assert "<script>alert" not in html
        assert 'hx-get="/accounts/logout/"' not in html


def test_links_are_clickable_but_nofollow_noopener(sam):
    client = signed_in(sam)
    client.post(reverse("support:post"), {"body": "See https://example.org/size-guide please"})

    html = client.get(reverse("support:widget")).content.decode()

    assert '<a href="https://example.org/size-guide" rel="nofollow noopener noreferrer" target="_blank">' in html


# --- Who may see what -------------------------------------------------------------------------


def test_a_customer_cannot_post_to_another_customers_conversation(sams_conversation):
    mallory = signed_in(UserFactory())

    response = mallory.post(reverse("support:post"), {"body": "hi", "conversation": sams_conversation.pk})

    assert response.status_code == 404
    assert sams_conversation.messages.count() == 1


def test_a_customer_never_sees_another_customers_thread(sams_conversation):
    mallory = signed_in(UserFactory())

    html = mallory.get(reverse("support:widget")).content.decode()

    assert "My secret question" not in html


def test_a_guest_cannot_reach_a_conversation_by_id_or_a_forged_link(client, sams_conversation):
    response = client.post(reverse("support:post"), {"body": "x", "conversation": sams_conversation.pk})
    assert response.status_code == 404

    forged = client.get(reverse("support:help_link", args=[f"{sams_conversation.pk}:forged"]))
    assert forged.status_code == 404


def test_a_guest_link_cannot_open_a_signed_in_customers_conversation(client, sams_conversation):
    from django.core import signing

    from commerce.support.selectors import LINK_SALT

    token = signing.dumps(sams_conversation.pk, salt=LINK_SALT)  # a valid signature, but not a guest's
    assert client.get(reverse("support:help_link", args=[token])).status_code == 404


def test_the_page_token_names_only_the_customers_own_conversation(sams_conversation, sam):
    from django.core import signing

    from realtime.topics import SALT

    html = signed_in(sam).get("/", HTTP_HX_REQUEST="").content.decode()
    token = html.split('ws-connect="/ws/live/?t=')[1].split('"')[0]
    topics = signing.loads(token, salt=SALT)["t"]

    assert f"conversation.{sams_conversation.pk}" in topics
    other = signed_in(UserFactory()).get("/", HTTP_HX_REQUEST="").content.decode()
    assert (
        f"conversation.{sams_conversation.pk}"
        not in signing.loads(other.split('ws-connect="/ws/live/?t=')[1].split('"')[0], salt=SALT)["t"]
    )


def test_ask_about_this_order_opens_the_conversation_tied_to_it(sam):
    order = OrderFactory(user=sam)
    client = signed_in(sam)

    response = client.post(reverse("support:ask_order", args=[order.number]))

    assert response.status_code == 200
    assert response.headers["HX-Trigger"] == "support:opened"
    assert f'About order <a href="{order.get_absolute_url()}">{order.number}</a>' in response.content.decode()
    assert Conversation.objects.get(customer=sam).order == order


def test_nobody_can_ask_about_someone_elses_order(sam):
    order = OrderFactory(user=sam)

    response = signed_in(UserFactory()).post(reverse("support:ask_order", args=[order.number]))

    assert response.status_code == 404
    assert not Conversation.objects.exists()


# --- Staff ----------------------------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["support:inbox"])
def test_only_support_staff_reach_the_inbox(client, sam, ops_agent, agent, url_name):
    url = reverse(url_name)
    assert client.get(url).status_code == 302  # sign in first
    assert signed_in(sam).get(url).status_code == 403
    assert signed_in(ops_agent).get(url).status_code == 403
    assert signed_in(agent).get(url).status_code == 200


def test_non_agents_cannot_read_reply_or_act_on_a_conversation(sams_conversation, sam, ops_agent):
    pk = sams_conversation.pk
    for user in (sam, ops_agent):
        client = signed_in(user)
        assert client.get(reverse("support:conversation", args=[pk])).status_code == 403
        assert client.post(reverse("support:reply", args=[pk]), {"body": "x"}).status_code == 403
        assert client.post(reverse("support:action", args=[pk]), {"action": "close"}).status_code == 403
    assert sams_conversation.messages.count() == 1
    assert Conversation.objects.get(pk=pk).status == "open"


def test_the_inbox_lists_open_conversations_with_unread_counts_and_filters(sams_conversation, agent):
    client = signed_in(agent)

    html = client.get(reverse("support:inbox")).content.decode()
    assert 'id="support-inbox"' in html
    assert f'id="inbox-{sams_conversation.pk}"' in html
    assert "My secret question" in html
    assert 'title="Unread messages">1<' in html

    assert (
        f'id="inbox-{sams_conversation.pk}"' not in client.get(reverse("support:inbox") + "?view=mine").content.decode()
    )
    assert (
        f'id="inbox-{sams_conversation.pk}"'
        in client.get(reverse("support:inbox") + "?view=unassigned").content.decode()
    )
    assert (
        f'id="inbox-{sams_conversation.pk}"'
        not in client.get(reverse("support:inbox") + "?view=closed").content.decode()
    )


def test_the_thread_shows_the_customer_cart_orders_and_canned_replies(sams_conversation, sam, agent):
    order = OrderFactory(user=sam)
    CannedReply.objects.create(title="Shipping times", body="We ship within 2 days.")

    html = signed_in(agent).get(reverse("support:conversation", args=[sams_conversation.pk])).content.decode()

    assert 'id="conversation-messages"' in html
    assert 'id="reply-form"' in html
    assert order.number in html
    assert 'data-canned="We ship within 2 days."' in html
    assert 'id="mini-cart"' in html
    assert 'class="messages"' not in html  # the thread is not mistaken for Django's flash messages


def test_opening_the_thread_marks_nothing_read(sams_conversation, agent):
    """A GET is not reading: a link preview, a prefetch or a tab in the background opens it too."""
    response = signed_in(agent).get(reverse("support:conversation", args=[sams_conversation.pk]))

    assert response.status_code == 200
    assert f'data-seen-url="/support/c/{sams_conversation.pk}/seen/"' in response.content.decode()
    sams_conversation.refresh_from_db()
    assert sams_conversation.staff_read_id == 0
    assert not StaffReadState.objects.exists()


def test_the_page_marks_what_it_showed_as_seen(sams_conversation, sam, agent):
    shown = sams_conversation.last_message_id
    later = services.message_post(conversation=sams_conversation, author=sam, from_staff=False, body="Hello?")
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    html = client.get(reverse("support:conversation", args=[sams_conversation.pk])).content.decode()
    token = html.split('"X-CSRFToken": "')[1].split('"')[0]
    url = reverse("support:seen", args=[sams_conversation.pk])

    assert client.post(url, {"up_to": shown}).status_code == 403  # no CSRF token: refused
    assert client.post(url, {"up_to": shown}, HTTP_X_CSRFTOKEN=token).status_code == 204

    sams_conversation.refresh_from_db()
    assert sams_conversation.staff_read_id == shown  # not the message that arrived after the page
    assert StaffReadState.objects.get(conversation=sams_conversation, user=agent).last_read_id == shown
    client.post(url, {"up_to": 10**12}, HTTP_X_CSRFTOKEN=token)  # past the end: up to the last there is
    sams_conversation.refresh_from_db()
    assert sams_conversation.staff_read_id == later.pk
    client.post(url, {"up_to": shown}, HTTP_X_CSRFTOKEN=token)  # late: marks never move back
    sams_conversation.refresh_from_db()
    assert sams_conversation.staff_read_id == later.pk


@pytest.mark.parametrize("up_to", ["", "abc", "-1", "1.5", "9" * 40])
def test_a_bad_seen_mark_is_refused_and_changes_nothing(sams_conversation, agent, up_to):
    response = signed_in(agent).post(reverse("support:seen", args=[sams_conversation.pk]), {"up_to": up_to})

    assert response.status_code == 422
    sams_conversation.refresh_from_db()
    assert sams_conversation.staff_read_id == 0


def test_only_agents_mark_a_thread_seen(sams_conversation, sam, ops_agent):
    url = reverse("support:seen", args=[sams_conversation.pk])
    for user in (sam, ops_agent):
        assert signed_in(user).post(url, {"up_to": sams_conversation.last_message_id}).status_code == 403
    assert Client().post(url, {"up_to": 1}).status_code == 302
    sams_conversation.refresh_from_db()
    assert sams_conversation.staff_read_id == 0


def test_an_agent_replies_assigns_and_closes(sams_conversation, agent):
    client = signed_in(agent)
    pk = sams_conversation.pk

    reply = client.post(reverse("support:reply", args=[pk]), {"body": "Happy to help!"})
    assert reply.status_code == 200
    assert "Happy to help!" in reply.content.decode()

    closed = client.post(reverse("support:action", args=[pk]), {"action": "close"})
    assert closed.status_code == 200
    assert "Reopen" in closed.content.decode()
    again = client.post(reverse("support:action", args=[pk]), {"action": "close"})  # a double submit
    assert again.status_code == 200

    conversation = Conversation.objects.get(pk=pk)
    assert (conversation.status, conversation.assignee) == ("closed", agent)
    assert client.post(reverse("support:action", args=[pk]), {"action": "explode"}).status_code == 422


def test_an_empty_reply_is_refused_with_a_message(sams_conversation, agent):
    response = signed_in(agent).post(reverse("support:reply", args=[sams_conversation.pk]), {"body": "  "})

    assert response.status_code == 422
    assert "Write a message first." in response.content.decode()
    assert sams_conversation.messages.count() == 1


@pytest.mark.parametrize("url", ["support:inbox", "support:widget"])
def test_support_pages_forbid_inline_script_and_eval(agent, url):
    response = signed_in(agent).get(reverse(url))

    policy = response.headers["Content-Security-Policy"]
    script = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
    assert script.split() == ["script-src", "'self'"]
    assert "unsafe-eval" not in policy


def test_the_order_page_offers_to_ask_about_the_order(sam):
    order = OrderFactory(user=sam)

    html = signed_in(sam).get(order.get_absolute_url()).content.decode()

    assert reverse("support:ask_order", args=[order.number]) in html
    assert "Ask about this order" in html
    assert Order.objects.count() == 1
