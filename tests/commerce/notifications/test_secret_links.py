"""Account emails carry one-time links (a password reset, an email confirmation), as do support's
address check and a guest's back-in-stock sign-up: staff reading the outbox must never see them.
The admin leaves their bodies out, and a sent one keeps none."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client

from commerce.notifications.models import Channel, Notification
from commerce.notifications.services import notification_deliver
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
LINK = "https://shop.example/accounts/password/reset/MQ/secret-token/"


def row(event: str, key: str) -> Notification:
    return Notification.objects.create(
        event=event,
        channel=Channel.EMAIL,
        recipient="kim@example.com",
        subject="Reset your password",
        body_text=f"Follow {LINK}",
        body_html=f'<a href="{LINK}">Reset</a>',
        idempotency_key=key,
    )


@pytest.mark.parametrize("event", ["account_password_reset", "support_email_check", "alert_confirm"])
def test_a_sent_email_with_a_link_proving_the_address_keeps_no_link(settings, event):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    reset = row(event, f"{event}:1:email")

    assert notification_deliver(pk=reset.pk) == "sent"

    assert LINK in mail.outbox[0].body  # the customer got it
    reset.refresh_from_db()
    assert (reset.status, reset.body_text, reset.body_html) == (Notification.Status.SENT, "", "")


def test_other_emails_are_kept_as_sent(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    paid = row("order_paid", "order:LS-1:order_paid:email")

    notification_deliver(pk=paid.pk)

    paid.refresh_from_db()
    assert LINK in paid.body_text


def test_the_admin_never_shows_a_pending_reset_link():
    staff = UserFactory(email="ops@example.com", is_staff=True, is_superuser=True)
    staff.groups.add(Group.objects.get_or_create(name="ops")[0])
    browser = Client()
    browser.force_login(staff)
    reset = row("account_password_reset", "account:1:reset:email")
    paid = row("order_paid", "order:LS-1:order_paid:email")

    reset_page = browser.get(f"/admin/notifications/notification/{reset.pk}/change/")
    paid_page = browser.get(f"/admin/notifications/notification/{paid.pk}/change/")

    assert reset_page.status_code == paid_page.status_code == 200
    assert "secret-token" not in reset_page.content.decode()
    assert "secret-token" in paid_page.content.decode()
