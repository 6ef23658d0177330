"""The embedded mode's stand-in for beat runs every periodic job."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from commerce.notifications.models import Notification
from commerce.orders.models import Order
from tests.factories import OrderFactory, UserFactory, VariantFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_run_periodic_once_releases_expired_holds_and_sweeps_the_outbox(settings):
    user = UserFactory(email="sam@example.com")
    variant = VariantFactory(stock=5)
    expired = OrderFactory(user=user, variant=variant, quantity=2)
    expired.hold.__class__.objects.filter(pk=expired.hold.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    stuck = Notification.objects.create(
        event="order_paid",
        channel="email",
        recipient="sam@example.com",
        subject="Hello",
        body_text="Hi",
        idempotency_key="test:stuck:email",
    )
    Notification.objects.filter(pk=stuck.pk).update(updated_at=timezone.now() - timedelta(hours=1))

    call_command("run_periodic", "--once")

    assert Order.objects.get(pk=expired.pk).status == Order.Status.CANCELLED
    variant.refresh_from_db()
    assert variant.stock == 5
    assert Notification.objects.get(pk=stuck.pk).status == Notification.Status.SENT
    assert "Hello" in [m.subject for m in mail.outbox]
