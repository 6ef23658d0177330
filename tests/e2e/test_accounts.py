"""Signing up by the emailed link, and a guest getting a fresh link to an order, in a real browser.

The server writes its email to files (Django's filebased backend), which the test reads as a
person reads their inbox."""

import email
import re
import time
from collections.abc import Iterator
from email.message import Message
from pathlib import Path

import pytest
from django.core import signing
from playwright.sync_api import Browser, BrowserContext, expect

from commerce.orders.selectors import ACCESS_SALT
from commerce.orders.services import checkout_start
from tests.e2e.support import elsewhere
from tests.factories import ADDRESS, CartFactory, CartLineFactory, VariantFactory

pytestmark = pytest.mark.e2e


def inbox(mail_dir: Path) -> list[Message]:
    """Every email the server wrote so far, oldest first."""
    messages = []
    for path in sorted(mail_dir.glob("*.log"), key=lambda p: p.stat().st_mtime):
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if chunk.strip():
                messages.append(email.message_from_bytes(chunk.strip()))
    return messages


def text_of(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode()
    raise AssertionError("no text part")


def wait_for_mail(mail_dir: Path, count: int) -> list[Message]:
    deadline = time.monotonic() + 10
    while len(inbox(mail_dir)) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return inbox(mail_dir)


def path_of_link(text: str, pattern: str) -> str:
    found = re.search(rf"https?://[^/\s]+({pattern}\S*)", text)
    assert found, text
    return found.group(1)


@pytest.fixture
def mail_dir(tmp_path: Path) -> Path:
    path = tmp_path / "mail"
    path.mkdir()
    return path


@pytest.fixture
def shopper_context(browser: Browser, daphne, mail_dir: Path, transactional_db) -> Iterator[BrowserContext]:  # type: ignore[no-untyped-def]
    """A browser on a server of its own whose email lands in `mail_dir`."""
    server = daphne(EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend", EMAIL_FILE_PATH=str(mail_dir))
    context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    yield context
    context.close()


def test_sign_up_by_the_emailed_link_keeps_the_cart(shopper_context: BrowserContext, mail_dir: Path):
    VariantFactory(product__name="Harbour Tee", product__slug="harbour-tee", name="M", price="20.00", stock=5)
    page = shopper_context.new_page()
    page.goto("/products/harbour-tee/")
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#cart-count")).to_have_text("1")

    page.goto("/accounts/login/")
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Email address", exact=True).fill("Nia@Example.com")
    page.get_by_label("First name (optional)").fill("Nia")
    page.get_by_label("Password", exact=True).fill("a-long-pass-phrase")
    page.get_by_label("Password confirmation", exact=True).fill("a-long-pass-phrase")
    page.get_by_role("button", name="Create account").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()  # not signed in yet
    [message] = wait_for_mail(mail_dir, 1)
    assert message["To"] == "nia@example.com"
    assert message["Subject"] == "Confirm your email to finish signing up at Live Store"

    page.goto(path_of_link(text_of(message), "/accounts/signup/confirm/"))
    page.get_by_role("button", name="Create my account").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    expect(page.get_by_text("Welcome! Your account is ready and you're signed in.")).to_be_visible()
    expect(page.locator("#cart-count")).to_have_text("1")
    expect(page.get_by_text("1 item, $20.00.")).to_be_visible()

    # The password chosen at sign-up is the account's.
    page.get_by_role("button", name="Sign out").click()
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("nia@example.com")
    page.get_by_label("Password").fill("a-long-pass-phrase")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("link", name="Account")).to_be_visible()


def test_an_expired_order_link_gets_a_fresh_one_by_email(shopper_context: BrowserContext, mail_dir: Path):
    cart = CartFactory()
    CartLineFactory(cart=cart, variant=VariantFactory(product__name="Harbour Tee", price="24.00", stock=5), quantity=1)
    order = elsewhere(checkout_start, cart=cart, user=None, email="guest@example.com", address=ADDRESS)

    class Past(signing.TimestampSigner):
        def timestamp(self) -> str:
            return signing.b62_encode(int(time.time()) - 31 * 24 * 3600)

    stale = Past(salt=ACCESS_SALT).sign_object(order.number)
    page = shopper_context.new_page()
    page.goto(f"/orders/{order.number}/?k={stale}")

    expect(page.get_by_role("heading", level=1)).to_have_text("This link has expired")
    expect(page.get_by_label("Order number")).to_have_value(order.number)
    page.get_by_label("Email used for the order").fill("Guest@Example.com")
    page.get_by_role("button", name="Email me a new link").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Find your order")
    expect(page.get_by_text("If that order exists, we've emailed a link to its address.")).to_be_visible()
    [message] = wait_for_mail(mail_dir, 1)
    assert (message["To"], message["Subject"]) == ("guest@example.com", f"Your link to order {order.number}")

    page.goto(path_of_link(text_of(message), f"/orders/{order.number}/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Order {order.number}")
    expect(page.locator("#order-status")).to_have_attribute("data-status", "pending_payment")

    # Anyone can ask from the footer; a wrong email gets the same answer and no email.
    page.get_by_role("link", name="Find an order").click()
    page.get_by_label("Order number").fill(order.number)
    page.get_by_label("Email used for the order").fill("someone@example.com")
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_text("If that order exists, we've emailed a link to its address.")).to_be_visible()
    assert len(inbox(mail_dir)) == 1


def sign_in(page, email: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_sign_up_confirm_then_reset_a_forgotten_password(shopper_context: BrowserContext, mail_dir: Path):
    page = shopper_context.new_page()
    page.goto("/accounts/signup/")
    page.get_by_label("Email address", exact=True).fill("ravi@example.com")
    page.get_by_label("Password", exact=True).fill("first-pass-phrase")
    page.get_by_label("Password confirmation", exact=True).fill("first-pass-phrase")
    page.get_by_role("button", name="Create account").click()
    [confirm] = wait_for_mail(mail_dir, 1)
    page.goto(path_of_link(text_of(confirm), "/accounts/signup/confirm/"))
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    expect(page.get_by_text("Confirmed", exact=True)).to_be_visible()  # the link proved the address
    expect(page.locator("#verify-banner")).to_have_count(0)
    page.get_by_role("button", name="Sign out").click()

    # Forgotten: ask for a link from the sign-in page.
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill("Ravi@Example.com")
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")
    messages = wait_for_mail(mail_dir, 2)
    assert (messages[1]["To"], messages[1]["Subject"]) == ("ravi@example.com", "Reset your password at Live Store")
    link = path_of_link(text_of(messages[1]), "/accounts/password/reset/")

    page.goto(link)
    page.get_by_label("New password", exact=True).fill("second-pass-phrase")
    page.get_by_label("New password confirmation").fill("second-pass-phrase")
    page.get_by_role("button", name="Set my new password").click()
    expect(page.get_by_text("Your password is changed. Sign in with the new one.")).to_be_visible()

    # The link worked once.
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("This link no longer works")

    sign_in(page, "ravi@example.com", "first-pass-phrase")
    expect(page.get_by_text("Please enter a correct email address and password.")).to_be_visible()
    sign_in(page, "ravi@example.com", "second-pass-phrase")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
