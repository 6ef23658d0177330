"""Sign-in lockouts (django-axes): per account and per client address, on the shop's login and the admin's."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
ADMIN_LOGIN = reverse("admin:login")
LOCKED = (
    "Too many failed sign-in attempts. For your security, signing in is paused: please wait 15 minutes and try again."
)


@pytest.fixture(autouse=True)
def _three_tries(settings):  # type: ignore[no-untyped-def]
    settings.AXES_FAILURE_LIMIT = 3


def sign_in(client: Client, email: str, password: str, url: str = LOGIN):  # type: ignore[no-untyped-def]
    return client.post(url, {"username": email, "password": password})


def test_failed_sign_ins_lock_the_account_out_with_how_long_to_wait(client, shopper):
    assert sign_in(client, "shopper@example.com", "wrong").status_code == 200
    assert sign_in(client, "Shopper@Example.com", "wrong").status_code == 200
    third = sign_in(client, " SHOPPER@example.com", "wrong")  # however it is typed, one account
    assert third.status_code == 429

    refused = sign_in(client, "shopper@example.com", "shopper-pass-123")

    assert refused.status_code == 429
    assert LOCKED in refused.content.decode()
    assert "_auth_user_id" not in client.session
    # Per account: another address is refused too.
    elsewhere = sign_in(Client(REMOTE_ADDR="198.51.100.7"), "shopper@example.com", "shopper-pass-123")
    assert elsewhere.status_code == 429


def test_failures_from_one_address_lock_that_address_out_for_every_account(shopper):
    guesser = Client(REMOTE_ADDR="198.51.100.20")
    for n in range(3):
        sign_in(guesser, f"someone{n}@example.com", "guess")

    assert sign_in(guesser, "shopper@example.com", "shopper-pass-123").status_code == 429
    assert sign_in(Client(REMOTE_ADDR="198.51.100.21"), "shopper@example.com", "shopper-pass-123").status_code == 302


def test_behind_our_proxy_the_address_is_the_one_it_forwarded(settings, shopper):
    from axes.models import AccessAttempt

    settings.BEHIND_PROXY = True
    proxy = "10.0.0.2"
    guesser = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.50")
    for n in range(3):
        sign_in(guesser, f"someone{n}@example.com", "guess")

    # The forged left-hand entry does not move the guesser to a fresh count.
    forged = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.50")
    assert sign_in(forged, "shopper@example.com", "shopper-pass-123").status_code == 429
    # Another shopper through the same proxy is not locked out.
    neighbour = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.51")
    assert sign_in(neighbour, "shopper@example.com", "shopper-pass-123").status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.50"}


def test_a_successful_sign_in_clears_the_count(client, shopper):
    sign_in(client, "shopper@example.com", "wrong")
    sign_in(client, "shopper@example.com", "wrong")
    assert sign_in(client, "shopper@example.com", "shopper-pass-123").status_code == 302
    client.post(reverse("accounts:logout"))

    sign_in(client, "shopper@example.com", "wrong")
    sign_in(client, "shopper@example.com", "wrong")

    assert sign_in(client, "shopper@example.com", "shopper-pass-123").status_code == 302


def test_the_lockout_ends_after_the_cool_off(client, shopper):
    from axes.models import AccessAttempt

    for _ in range(3):
        sign_in(client, "shopper@example.com", "wrong")
    assert sign_in(client, "shopper@example.com", "shopper-pass-123").status_code == 429

    # The last failure was 16 minutes ago (a refused try counts as one too).
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))

    assert sign_in(client, "shopper@example.com", "shopper-pass-123").status_code == 302


def test_the_admin_login_is_locked_out_too(client):
    UserFactory(email="staff@example.com", password="staff-pass-123", is_staff=True, is_superuser=True)
    assert [sign_in(client, "staff@example.com", "wrong", url=ADMIN_LOGIN).status_code for _ in range(3)] == [
        200,
        200,
        429,
    ]

    refused = sign_in(client, "staff@example.com", "staff-pass-123", url=ADMIN_LOGIN)

    assert refused.status_code == 429
    assert LOCKED in refused.content.decode()
    assert client.get(reverse("admin:index")).status_code == 302  # still not signed in
    # The shop's login shares the count: the account is locked out there as well.
    assert sign_in(Client(), "staff@example.com", "staff-pass-123").status_code == 429


def test_the_owners_sign_in_elsewhere_clears_the_accounts_count(shopper):
    guesser = Client(REMOTE_ADDR="198.51.100.30")
    sign_in(guesser, "shopper@example.com", "guess")
    sign_in(guesser, "shopper@example.com", "guess")

    assert sign_in(Client(REMOTE_ADDR="198.51.100.31"), "Shopper@Example.com", "shopper-pass-123").status_code == 302

    # The account's count starts again (the guesser's address still has its own).
    assert sign_in(Client(REMOTE_ADDR="198.51.100.32"), "shopper@example.com", "guess").status_code == 200
    assert sign_in(Client(REMOTE_ADDR="198.51.100.32"), "shopper@example.com", "guess").status_code == 200
