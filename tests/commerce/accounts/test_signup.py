"""Signing up by emailed link: nothing is stored until the link is used, and the form never says
whether an address already has an account."""

import re
import time

import pytest
from django.contrib.auth.hashers import make_password
from django.core import mail, signing
from django.test import Client
from django.urls import reverse

from commerce.accounts.models import User
from commerce.accounts.services import SIGNUP_SALT
from commerce.cart.models import Cart

pytestmark = pytest.mark.django_db

SIGNUP = reverse("accounts:signup")
PASSWORD = "a-long-pass-phrase"


def sign_up(client: Client, email: str, **extra: str):  # type: ignore[no-untyped-def]
    data = {"email": email, "first_name": "", "password1": PASSWORD, "password2": PASSWORD, **extra}
    return client.post(SIGNUP, data)


def link_in(message: mail.EmailMessage) -> str:
    """The path of the sign-up link in an email."""
    found = re.search(r"https?://[^/\s]+(/accounts/signup/confirm/[^\s]+/)", str(message.body))
    assert found, message.body
    return found.group(1)


def page_text(html: bytes) -> str:
    """A page without what differs on every render (CSRF tokens, the signed live-topics token)."""
    text = html.decode()
    text = re.sub(r'(csrfmiddlewaretoken" value=|X-CSRFToken": )"[^"]+"', r'\1"-"', text)
    return re.sub(r"ws-connect=\"[^\"]+\"", 'ws-connect="-"', text)


def old_token(payload: object, salt: str, age: int) -> str:
    """A token signed `age` seconds ago."""

    class Past(signing.TimestampSigner):
        def timestamp(self) -> str:
            return signing.b62_encode(int(time.time()) - age)

    return Past(salt=salt).sign_object(payload, compress=True)


def test_signup_emails_a_link_and_stores_nothing_until_it_is_opened(client):
    response = sign_up(client, "New@Example.com", first_name="Nia")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Check your inbox" in html
    assert "We've sent an email to <strong>new@example.com</strong>." in html
    assert not User.objects.exists()
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["new@example.com"], "Confirm your email to finish signing up at Live Store")
    ]
    assert PASSWORD not in mail.outbox[0].body


def test_the_link_creates_the_account_signs_in_and_keeps_the_cart(client, variant):
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 2})
    sign_up(client, "new@example.com", first_name="Nia")
    link = link_in(mail.outbox[0])

    confirm = client.get(link)
    assert confirm.status_code == 200
    assert "Your account will use <strong>new@example.com</strong>" in confirm.content.decode()
    assert not User.objects.exists()  # opening the link (a mail scanner may) creates nothing
    response = client.post(link)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:account")
    user = User.objects.get()
    assert (user.email, user.first_name) == ("new@example.com", "Nia")
    assert user.check_password(PASSWORD)
    assert user.cart.lines.get().quantity == 2
    assert Cart.objects.count() == 1
    account = client.get(reverse("accounts:account"))
    assert account.context["user"] == user
    assert "Welcome! Your account is ready and you&#x27;re signed in." in account.content.decode()


def test_the_link_goes_on_to_the_page_signup_was_asked_from(client):
    sign_up(client, "new@example.com", next="/checkout/")

    response = client.post(link_in(mail.outbox[0]))

    assert response["Location"] == "/checkout/"


def test_a_registered_email_gets_the_same_answer_and_a_note_instead_of_a_link(client, shopper):
    new = sign_up(Client(), "fresh@example.com")
    registered = sign_up(client, "Shopper@Example.com")

    assert (registered.status_code, new.status_code) == (200, 200)
    assert page_text(registered.content).replace("shopper@example.com", "fresh@example.com") == page_text(new.content)
    assert "already" not in registered.content.decode()
    to_owner = mail.outbox[1]
    assert (to_owner.to, to_owner.subject) == (["shopper@example.com"], "You already have an account at Live Store")
    assert "you already have an account with it." in to_owner.body
    assert "Sign in: http://127.0.0.1:8000/accounts/login/" in to_owner.body
    assert "/accounts/signup/confirm/" not in to_owner.body
    shopper.refresh_from_db()
    assert shopper.check_password("shopper-pass-123")  # nothing about the account changed
    assert User.objects.count() == 1


def test_a_link_works_once(client):
    sign_up(client, "new@example.com")
    link = link_in(mail.outbox[0])
    client.post(link)
    client.post(reverse("accounts:logout"))

    again = client.post(link)

    assert again.status_code == 409
    assert "This link was already used: the account exists. Sign in with its password." in again.content.decode()
    assert User.objects.count() == 1


def test_a_link_for_an_address_registered_meanwhile_creates_nothing(client, shopper):
    token = signing.dumps(
        {"e": "shopper@example.com", "p": make_password("attacker-pass"), "f": "", "n": ""}, salt=SIGNUP_SALT
    )

    response = client.post(reverse("accounts:signup_confirm", kwargs={"token": token}))

    assert response.status_code == 409
    shopper.refresh_from_db()
    assert shopper.check_password("shopper-pass-123")


def test_a_tampered_link_is_refused(client):
    sign_up(client, "new@example.com")
    link = link_in(mail.outbox[0])

    response = client.post(link[:-2] + "x/")

    assert response.status_code == 400
    assert "This sign-up link is not valid. Please sign up again to get a new one." in response.content.decode()
    assert not User.objects.exists()


def test_an_expired_link_is_refused(client, settings):
    settings.SIGNUP_LINK_MAX_AGE = 3600
    payload = {"e": "new@example.com", "p": make_password(PASSWORD), "f": "", "n": ""}
    fresh = old_token(payload, SIGNUP_SALT, age=3500)
    stale = old_token(payload, SIGNUP_SALT, age=3700)

    response = client.post(reverse("accounts:signup_confirm", kwargs={"token": stale}))

    assert response.status_code == 410
    assert "This sign-up link has expired. Please sign up again to get a new one." in response.content.decode()
    assert not User.objects.exists()
    assert client.get(reverse("accounts:signup_confirm", kwargs={"token": fresh})).status_code == 200


def test_signup_errors_are_shown_and_nothing_is_sent(client):
    response = client.post(
        SIGNUP, {"email": "new@example.com", "password1": "a-long-pass-phrase", "password2": "different-pass"}
    )

    assert response.status_code == 422
    assert "The two password fields didn’t match." in response.content.decode()
    assert not mail.outbox
    assert not User.objects.exists()


def test_a_weak_password_is_refused_before_anything_is_sent(client):
    response = client.post(SIGNUP, {"email": "new@example.com", "password1": "password", "password2": "password"})

    assert response.status_code == 422
    assert "This password is too common." in response.content.decode()
    assert not mail.outbox


def test_signup_is_throttled_per_client_address(client, settings):
    settings.SIGNUP_RATE_PER_ADDRESS = "2/hour"
    assert sign_up(client, "one@example.com").status_code == 200
    assert sign_up(client, "two@example.com").status_code == 200

    refused = sign_up(client, "three@example.com")

    assert refused.status_code == 429
    assert "Too many sign-up attempts. Please wait 60 minutes and try again." in refused.content.decode()
    assert [m.to for m in mail.outbox] == [["one@example.com"], ["two@example.com"]]
    other_address = Client(REMOTE_ADDR="198.51.100.9")
    assert sign_up(other_address, "three@example.com").status_code == 200


def test_signup_is_throttled_per_email(settings):
    settings.SIGNUP_RATE_PER_EMAIL = "1/hour"
    assert sign_up(Client(REMOTE_ADDR="198.51.100.1"), "new@example.com").status_code == 200

    refused = sign_up(Client(REMOTE_ADDR="198.51.100.2"), "NEW@example.com")

    assert refused.status_code == 429
    assert len(mail.outbox) == 1
