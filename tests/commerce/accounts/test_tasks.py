from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from commerce.accounts.tasks import clear_expired_sessions
from tests.factories import VariantFactory

pytestmark = pytest.mark.django_db


def test_expired_sessions_are_cleared_and_live_ones_kept(client):
    variant = VariantFactory(stock=3)
    client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})  # a guest's cart makes a session
    live = Session.objects.get()
    Session.objects.create(session_key="x" * 32, session_data="", expire_date=timezone.now() - timedelta(days=1))

    clear_expired_sessions.delay()

    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]
