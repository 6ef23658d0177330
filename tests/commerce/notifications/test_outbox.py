from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from commerce.notifications import services
from commerce.notifications.models import Notification, Preference
from commerce.orders import services as order_services
from commerce.orders.notifications import order_notify
from commerce.orders.services import order_mark_paid
from tests.factories import OrderFactory, UserFactory

pytestmark = pytest.mark.django_db
N = Notification.Status


@pytest.fixture
def sam(db):  # type: ignore[no-untyped-def]
    return UserFactory(email="sam@example.com")


@pytest.fixture
def order(settings, sam, tee):  # type: ignore[no-untyped-def]
    """Sam's 2 × Tee (M) at 24.00, awaiting payment: the tests pay it, the event that writes the row."""
    settings.SITE_URL = "https://shop.example.com"
    return OrderFactory(user=sam, variant=tee, quantity=2)


@pytest.fixture
def paid_order(settings, sam, tee):  # type: ignore[no-untyped-def]
    """The same order paid; its order_paid email row is left pending (on-commit never comes here)."""
    settings.SITE_URL = "https://shop.example.com"
    return OrderFactory(paid=True, user=sam, variant=tee, quantity=2)


PAYMENT = {"amount_minor": 4800, "currency": "usd", "reference": "pi_1"}  # what Stripe says it took


def test_paying_writes_one_email_row_in_the_same_transaction(order, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order_mark_paid(order=order, **PAYMENT)

    row = Notification.objects.get()
    assert (row.event, row.channel, row.recipient, row.idempotency_key) == (
        "order_paid",
        "email",
        "sam@example.com",
        f"order:{order.number}:order_paid:email",
    )
    assert row.status == N.SENT
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.subject == f"Thank you, your order is confirmed: order {order.number}"
    assert email.to == ["sam@example.com"]
    assert "2 x Tee (M)  $48.00" in email.body
    assert f"See your order: https://shop.example.com/orders/{order.number}/" in email.body
    html = email.alternatives[0][0]
    assert f'href="https://shop.example.com/orders/{order.number}/"' in html
    assert "2 × Tee" in html
    assert email.extra_headers["Message-ID"] == f"<order.{order.number}.order_paid.email@store.example.com>"


def test_a_rolled_back_event_leaves_no_row(order):
    def pay_then_fail() -> None:
        with transaction.atomic():
            order_mark_paid(order=order, **PAYMENT)
            raise RuntimeError("the request failed after the payment was recorded")

    with pytest.raises(RuntimeError):
        pay_then_fail()

    assert not Notification.objects.exists()


def test_delivering_twice_sends_once(order, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order_mark_paid(order=order, **PAYMENT)
    row = Notification.objects.get()

    assert services.notification_deliver(pk=row.pk) == "skipped"
    assert len(mail.outbox) == 1


def test_an_event_applied_twice_writes_one_row(order, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order_mark_paid(order=order, **PAYMENT)
        order_notify(order=order, event="order_paid")

    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1


def test_switched_off_email_is_not_written(order):
    Preference.objects.create(user=order.user, event="order_paid", channel="email", enabled=False)

    order_mark_paid(order=order, **PAYMENT)

    assert not Notification.objects.exists()


def test_guest_links_are_signed_absolute_links(settings):
    settings.SITE_URL = "https://shop.example.com"

    order = OrderFactory(paid=True, email="guest@example.com")

    row = Notification.objects.get()
    assert f"https://shop.example.com/orders/{order.number}/?k=" in row.body_text


def test_shipped_mentions_the_tracking_number(paid_order):
    order = order_services.order_transition(order=paid_order, to="packed", actor=None)

    order_services.order_transition(order=order, to="shipped", actor=None, tracking_number="1Z999")

    row = Notification.objects.get(event="order_shipped")
    assert row.subject == f"Your order is on its way: order {order.number}"
    assert "Tracking number: 1Z999" in row.body_text


@pytest.mark.usefixtures("paid_order")  # the on-commit enqueue never runs inside this test's transaction: lost
def test_the_sweep_delivers_a_row_whose_enqueue_was_lost(settings, django_capture_on_commit_callbacks):
    row = Notification.objects.get()
    assert row.status == N.PENDING

    assert services.notifications_sweep() == 0  # not stale yet
    later = timezone.now() + timedelta(seconds=settings.NOTIFICATION_STALE_SECONDS + 1)
    with django_capture_on_commit_callbacks(execute=True):  # the sweep queues once its own writes commit
        assert services.notifications_sweep(now=later) == 1

    row.refresh_from_db()
    assert row.status == N.SENT
    assert len(mail.outbox) == 1


@pytest.mark.usefixtures("paid_order")
def test_the_sweep_gives_back_a_row_a_dead_worker_held(settings, django_capture_on_commit_callbacks):
    row = Notification.objects.get()
    Notification.objects.filter(pk=row.pk).update(status=N.SENDING, attempts=1)  # claimed, then the worker died

    later = timezone.now() + timedelta(seconds=settings.NOTIFICATION_STALE_SECONDS + 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notifications_sweep(now=later) == 1

    row.refresh_from_db()
    assert (row.status, row.attempts) == (N.SENT, 2)
    assert len(mail.outbox) == 1


@pytest.mark.usefixtures("paid_order")
def test_a_failing_smtp_server_is_retried_then_failed(settings, monkeypatch):
    from commerce.notifications.errors import DeliveryError

    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    row = Notification.objects.get()
    monkeypatch.setattr(
        "django.core.mail.EmailMultiAlternatives.send",
        lambda self, fail_silently=False: (_ for _ in ()).throw(OSError("connection refused")),
    )

    with pytest.raises(DeliveryError):
        services.notification_deliver(pk=row.pk)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (N.PENDING, 1)

    assert services.notification_deliver(pk=row.pk) == "failed"
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (N.FAILED, 2, "email: connection refused")


class TestPreferencesPage:
    URL = "/accounts/notifications/"

    def test_needs_login(self, client):
        assert client.get(self.URL)["Location"].startswith("/accounts/login/")

    def test_defaults_email_on_sms_off(self, client):
        user = UserFactory()
        client.force_login(user)

        form = client.get(self.URL).context["form"]

        assert form["order_paid__email"].initial is True
        assert form["order_paid__sms"].initial is False

    def test_save_number_in_e164_and_choices(self, client):
        user = UserFactory()
        client.force_login(user)

        response = client.post(
            self.URL, {"phone": "(415) 555-0100", "order_shipped__sms": "on", "order_paid__email": "on"}
        )

        assert response.status_code == 302
        user.refresh_from_db()
        assert user.phone == "+14155550100"
        assert Preference.objects.get(user=user, event="order_shipped", channel="sms").enabled is True
        assert Preference.objects.get(user=user, event="order_shipped", channel="email").enabled is False

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"phone": "12"}, "Enter a valid mobile number"),
            ({"order_paid__sms": "on"}, "Add a mobile number to get text messages."),
        ],
    )
    def test_bad_input_changes_nothing(self, client, data, message):
        user = UserFactory()
        client.force_login(user)

        response = client.post(self.URL, data)

        assert response.status_code == 422
        assert message in response.content.decode()
        user.refresh_from_db()
        assert user.phone == ""
        assert not Preference.objects.exists()


@pytest.mark.usefixtures("paid_order")
def test_staff_send_a_failed_message_again_from_the_admin(client, django_capture_on_commit_callbacks):
    row = Notification.objects.get()
    Notification.objects.filter(pk=row.pk).update(status=N.FAILED, attempts=6, last_error="550 mailbox full")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    listing = client.get("/admin/notifications/notification/", {"status__exact": "failed"})
    assert "550 mailbox full" in listing.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/admin/notifications/notification/", {"action": "retry", "_selected_action": [row.pk]})

    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (N.SENT, 1, "")
    assert len(mail.outbox) == 1
