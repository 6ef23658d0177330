import re

import pytest
from django.core import mail
from django.urls import reverse

from commerce.accounts.models import User
from commerce.support.models import Conversation
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(60)]


def emailed_path(django_capture_on_commit_callbacks, send) -> str:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        send()
    found = re.search(r"https?://[^/\s]+(/accounts/email/confirm/\S+)", mail.outbox[-1].body)
    assert found, mail.outbox[-1].body
    return found.group(1)


def test_an_unverified_account_sees_the_banner_and_confirms(client, shopper, django_capture_on_commit_callbacks):
    client.force_login(shopper)
    assert 'id="verify-banner"' in client.get(reverse("accounts:account")).content.decode()
    assert not Conversation(customer=shopper).email_verified  # support treats it as unverified

    path = emailed_path(django_capture_on_commit_callbacks, lambda: client.post(reverse("accounts:email_verify")))
    assert mail.outbox[-1].to == ["shopper@example.com"]
    assert client.get(path).status_code == 200  # a page with a button: scanners do not confirm
    assert not User.objects.get(pk=shopper.pk).email_verified
    client.post(path)

    shopper.refresh_from_db()
    assert shopper.email_verified
    assert Conversation(customer=shopper).email_verified
    assert 'id="verify-banner"' not in client.get(reverse("accounts:account")).content.decode()
    assert client.post(path).status_code == 409  # used


def test_change_email_needs_the_password_and_the_new_address_link(client, shopper, django_capture_on_commit_callbacks):
    client.force_login(shopper)
    url = reverse("accounts:email_change")
    wrong = client.post(url, {"email": "new@example.com", "password": "nope"})
    assert wrong.status_code == 422
    assert len(mail.outbox) == 0

    path = emailed_path(
        django_capture_on_commit_callbacks,
        lambda: client.post(url, {"email": "New@Example.com", "password": "shopper-pass-123"}),
    )
    assert mail.outbox[-1].to == ["new@example.com"]
    assert User.objects.get(pk=shopper.pk).email == "shopper@example.com"  # not until the link

    response = client.post(path)
    assert response.status_code == 302
    shopper.refresh_from_db()
    assert (shopper.email, shopper.email_verified) == ("new@example.com", True)
    assert client.post(path).status_code == 409


def test_change_to_a_taken_address_sends_nothing(client, shopper, django_capture_on_commit_callbacks):
    UserFactory(email="taken@example.com")
    client.force_login(shopper)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:email_change"), {"email": "taken@example.com", "password": "shopper-pass-123"}
        )

    assert response.status_code == 302  # the same answer as for a free address
    assert mail.outbox == []


def test_expired_and_tampered_links_change_nothing(
    client, shopper, settings, clock, django_capture_on_commit_callbacks
):
    settings.SIGNUP_LINK_MAX_AGE = 3600
    client.force_login(shopper)
    path = emailed_path(django_capture_on_commit_callbacks, lambda: client.post(reverse("accounts:email_verify")))

    assert client.post(path[:-3] + "xx/").status_code == 400
    clock.advance(seconds=3601)
    response = client.post(path)

    assert response.status_code == 410
    assert "This email link has expired." in response.content.decode()
    assert not User.objects.get(pk=shopper.pk).email_verified


def test_signing_up_by_link_verifies_the_address(db):
    from django.contrib.auth.hashers import make_password

    from commerce.accounts.services import SignupLink, signup_complete

    user = signup_complete(
        link=SignupLink(email="n@example.com", password_hash=make_password("x"), first_name="", next_url="")
    )

    assert user.email_verified
