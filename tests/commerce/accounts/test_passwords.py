import re

import pytest
from django.core import mail
from django.urls import reverse

from commerce.accounts.models import User
from commerce.notifications.models import Notification
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(60)]

RESET = reverse("accounts:password_reset")


def reset_path(client, django_capture_on_commit_callbacks, email="shopper@example.com") -> str:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RESET, {"email": email})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    [message] = mail.outbox
    found = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+)", message.body)
    assert found, message.body
    return found.group(1)


def test_reset_email_goes_through_the_outbox(client, shopper, django_capture_on_commit_callbacks):
    reset_path(client, django_capture_on_commit_callbacks)

    [row] = Notification.objects.all()
    assert (row.event, row.channel, row.recipient, row.status) == (
        "account_password_reset",
        "email",
        "shopper@example.com",
        "sent",
    )
    assert row.user == shopper
    assert mail.outbox[0].subject == "Reset your password at Live Store"


def test_an_unknown_address_gets_the_same_answer_and_no_email(client, db):
    response = client.post(RESET, {"email": "nobody@example.com"})

    assert (response.status_code, response["Location"]) == (302, reverse("accounts:password_reset_done"))
    assert Notification.objects.count() == 0


def test_the_link_sets_a_new_password_once(client, shopper, django_capture_on_commit_callbacks):
    path = reset_path(client, django_capture_on_commit_callbacks)

    form_url = client.get(path)["Location"]  # Django moves the token into the session
    response = client.post(form_url, {"new_password1": "brand-new-phrase-9", "new_password2": "brand-new-phrase-9"})

    assert (response.status_code, response["Location"]) == (302, reverse("accounts:login"))
    shopper.refresh_from_db()
    assert shopper.check_password("brand-new-phrase-9")
    again = client.get(path, follow=True)
    assert "This link no longer works" in again.content.decode()


def test_an_expired_link_is_refused_and_changes_nothing(
    client, shopper, settings, clock, django_capture_on_commit_callbacks
):
    settings.PASSWORD_RESET_TIMEOUT = 3600
    path = reset_path(client, django_capture_on_commit_callbacks)
    clock.advance(seconds=3601)

    response = client.get(path, follow=True)

    assert "This link no longer works" in response.content.decode()
    shopper.refresh_from_db()
    assert shopper.check_password("shopper-pass-123")


def test_reset_signs_out_other_sessions(client, shopper, django_capture_on_commit_callbacks):
    from django.test import Client

    other = Client()
    other.force_login(shopper)
    path = reset_path(client, django_capture_on_commit_callbacks)
    form_url = client.get(path)["Location"]
    client.post(form_url, {"new_password1": "brand-new-phrase-9", "new_password2": "brand-new-phrase-9"})

    response = other.get(reverse("accounts:account"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_change_password_keeps_this_session_and_ends_others(client, shopper):
    from django.test import Client

    other = Client()
    other.force_login(shopper)
    client.force_login(shopper)
    url = reverse("accounts:password_change")

    new = {"new_password1": "x-brand-new-9", "new_password2": "x-brand-new-9"}
    wrong = client.post(url, {"old_password": "nope", **new})
    assert wrong.status_code == 200
    assert User.objects.get(pk=shopper.pk).check_password("shopper-pass-123")

    response = client.post(
        url, {"old_password": "shopper-pass-123", "new_password1": "x-brand-new-9", "new_password2": "x-brand-new-9"}
    )
    assert (response.status_code, response["Location"]) == (302, reverse("accounts:account"))
    assert client.get(reverse("accounts:account")).status_code == 200
    assert other.get(reverse("accounts:account")).status_code == 302
    assert User.objects.get(pk=shopper.pk).check_password("x-brand-new-9")


def test_inactive_accounts_get_no_reset_email(client, db):
    UserFactory(email="gone@example.com", is_active=False)

    client.post(RESET, {"email": "gone@example.com"})

    assert Notification.objects.count() == 0


def test_reset_requests_are_throttled_per_email(client, shopper, settings, django_capture_on_commit_callbacks):
    settings.SIGNUP_RATE_PER_EMAIL = "1/hour"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(RESET, {"email": "shopper@example.com"})
        response = client.post(RESET, {"email": "Shopper@Example.com"})

    assert response.status_code == 429
    assert "Too many requests. Please wait" in response.content.decode()
    assert Notification.objects.count() == 1
