"""Support chat in two browsers: a shopper on the storefront, an agent in the inbox."""

from django.contrib.auth.models import Group
from playwright.sync_api import Browser, expect

from commerce.support.models import CannedReply
from tests.e2e.support import LIVE, elsewhere, sign_in, wait_for_socket
from tests.factories import UserFactory


def test_shopper_and_agent_talk_live(browser: Browser, live_url, transactional_db):
    UserFactory(email="sam@example.com", password="sam-pass-123", first_name="Sam")
    agent_user = UserFactory(email="sky@example.com", password="sky-pass-123", first_name="Sky", is_staff=True)
    agent_user.groups.add(Group.objects.get_or_create(name="support")[0])
    CannedReply.objects.create(title="True to size", body="Our tees run true to size.")
    contexts = [browser.new_context(base_url=live_url, viewport={"width": 1280, "height": 900}) for _ in range(2)]
    try:
        shopper, agent = (c.new_page() for c in contexts)
        sign_in(agent, "sky@example.com", "sky-pass-123")
        agent.goto("/support/")
        wait_for_socket(agent)
        expect(agent.locator("#support-inbox")).to_contain_text("No open conversations")

        sign_in(shopper, "sam@example.com", "sam-pass-123")
        shopper.goto("/")
        wait_for_socket(shopper)
        shopper.get_by_role("button", name="Help").click()
        shopper.locator("#support-form").get_by_label("Your message").fill("Do the tees run small?")
        shopper.locator("#support-form").get_by_role("button", name="Send").click()
        expect(shopper.locator("#support-messages")).to_contain_text("Do the tees run small?")

        row = agent.locator("#support-inbox .inbox-row", has_text="sam@example.com")
        expect(row).to_be_visible(timeout=LIVE)
        expect(row).to_contain_text("Do the tees run small?")
        expect(row.locator(".inbox-row__unread")).to_have_text("1 unread")

        row.get_by_role("link").click()
        wait_for_socket(agent)
        agent.get_by_role("button", name="True to size").click()
        expect(agent.locator("#reply-form textarea")).to_have_value("Our tees run true to size.")
        agent.locator("#reply-form").get_by_role("button", name="Send reply").click()

        expect(shopper.locator("#support-messages")).to_contain_text("Our tees run true to size.", timeout=LIVE)
        expect(shopper.locator("#support-messages .chat-msg--staff")).to_contain_text("Sky from support")
        # The shopper's panel is open: the reply counts as seen, and the agent is told.
        expect(agent.locator(".chat-seen")).to_have_text("Seen by the customer", timeout=LIVE)
        expect(shopper.locator("#support-unread")).to_be_hidden()
    finally:
        for context in contexts:
            context.close()


def test_a_reply_while_the_panel_is_closed_shows_an_unread_badge(browser: Browser, live_url, transactional_db):
    from commerce.support import services

    sam = UserFactory(email="sam@example.com", password="sam-pass-123")
    agent_user = UserFactory(email="sky@example.com", is_staff=True, is_superuser=True)
    conversation = services.conversation_for_customer(customer=sam)
    services.message_post(conversation=conversation, author=sam, from_staff=False, body="Hello?")
    context = browser.new_context(base_url=live_url)
    try:
        shopper = context.new_page()
        sign_in(shopper, "sam@example.com", "sam-pass-123")
        shopper.goto("/")
        wait_for_socket(shopper)
        expect(shopper.locator("#support-unread")).to_be_hidden()

        elsewhere(services.message_post, conversation=conversation, author=agent_user, from_staff=True, body="Hi Sam!")

        expect(shopper.locator("#support-unread")).to_have_text("1 unread", timeout=LIVE)
        shopper.get_by_role("button", name="Help").click()
        expect(shopper.locator("#support-messages")).to_contain_text("Hi Sam!")
        expect(shopper.locator("#support-unread")).to_be_hidden(timeout=LIVE)
    finally:
        context.close()


def test_the_inbox_unread_count_clears_once_an_agent_has_the_thread_on_screen(
    browser: Browser, live_url, transactional_db
):
    from commerce.support import services
    from commerce.support.models import Conversation

    sam = UserFactory(email="sam@example.com")
    agent_user = UserFactory(email="sky@example.com", password="sky-pass-123", first_name="Sky", is_staff=True)
    agent_user.groups.add(Group.objects.get_or_create(name="support")[0])
    conversation = services.conversation_for_customer(customer=sam)
    services.message_post(conversation=conversation, author=sam, from_staff=False, body="Is the Dune Tee back?")
    context = browser.new_context(base_url=live_url, viewport={"width": 1280, "height": 900})
    try:
        inbox, thread = context.new_page(), context.new_page()
        sign_in(inbox, "sky@example.com", "sky-pass-123")
        inbox.goto("/support/")
        wait_for_socket(inbox)
        row = inbox.locator(f"#inbox-{conversation.pk}")
        expect(row.locator(".inbox-row__unread")).to_have_text("1 unread")

        # The thread opened in another tab: on screen, so the page says it was seen.
        with thread.expect_response(lambda r: r.url.endswith(f"/support/c/{conversation.pk}/seen/")) as seen:
            thread.goto(f"/support/c/{conversation.pk}/")
        assert seen.value.status == 204
        expect(thread.locator("#conversation-messages")).to_contain_text("Is the Dune Tee back?")

        expect(row.locator(".inbox-row__unread")).to_have_count(0, timeout=LIVE)  # pushed to the open inbox
        inbox.reload()
        expect(inbox.locator(f"#inbox-{conversation.pk}")).to_contain_text("Is the Dune Tee back?")
        expect(inbox.locator(f"#inbox-{conversation.pk} .inbox-row__unread")).to_have_count(0)
        assert Conversation.objects.get(pk=conversation.pk).staff_read_id == conversation.messages.get().pk
    finally:
        context.close()
