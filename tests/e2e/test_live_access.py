"""Live sockets end with the session or the role that opened them, in a real browser against Daphne."""

import pytest
from django.contrib.auth.models import Group
from django.core import signing
from playwright.sync_api import Browser, Page, expect

from realtime import topics
from tests.e2e.support import elsewhere, sign_in, wait_for_socket
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e

LIVE = 2_000  # ms: a closed session's sockets close within this


def wait_for_closed_socket(page: Page) -> None:
    page.wait_for_selector("body[data-live=closed]", state="attached", timeout=LIVE)


def test_signing_out_in_one_tab_closes_the_other_tabs_socket(browser: Browser, live_url, transactional_db):
    UserFactory(email="sam@example.com", password="sam-pass-123")
    context = browser.new_context(base_url=live_url)
    try:
        first, second = context.new_page(), context.new_page()
        sign_in(first, "sam@example.com", "sam-pass-123")
        second.goto("/")
        wait_for_socket(second)
        expect(second.get_by_role("button", name="Sign out")).to_be_visible()

        first.get_by_role("button", name="Sign out").click()

        wait_for_closed_socket(second)
        expect(second.locator("#toast")).to_have_text("You signed out. Reload the page to go on.")
    finally:
        context.close()


def test_an_agent_whose_role_is_removed_loses_the_inbox_socket_and_topic(page: Page):
    agent = UserFactory(email="alex@example.com", password="alex-pass-123", is_staff=True)
    support = Group.objects.get_or_create(name="support")[0]
    agent.groups.add(support)
    sign_in(page, "alex@example.com", "alex-pass-123")
    page.goto("/support/")
    wait_for_socket(page)
    token = page.evaluate("new URL(document.body.getAttribute('ws-connect'), location.href).searchParams.get('t')")
    assert "support.inbox" in signing.loads(token, salt=topics.SALT)["t"]

    elsewhere(lambda: agent.groups.remove(support))  # in code, as the admin's form would

    wait_for_closed_socket(page)
    resigned = page.evaluate(
        "t => fetch('/live/extend/?t=' + encodeURIComponent(t)).then(r => r.json())", token
    )  # what the page gets when it next re-signs its topics
    assert signing.loads(resigned["token"], salt=topics.SALT)["t"] == [f"user.{agent.pk}"]
