"""Endpoints that point at a local receiver (tests/webhook_receiver.py)."""

from collections.abc import Callable, Iterator

import pytest

from commerce.webhooks.models import WebhookEndpoint
from tests.factories import UserFactory
from tests.webhook_receiver import Receiver, webhook_receiver


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:  # type: ignore[no-untyped-def]
    """A receiver on 127.0.0.1 (private addresses allowed for the test)."""
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True
    settings.WEBHOOK_TIMEOUT = 5.0
    with webhook_receiver() as receiver:
        yield receiver


@pytest.fixture
def make_endpoint(receiver, db) -> Callable[..., WebhookEndpoint]:  # type: ignore[no-untyped-def]
    """make_endpoint(*events, path="/hook"): an active endpoint of the receiver for those events."""

    def make(*events: str, path: str = "/hook", active: bool = True) -> WebhookEndpoint:
        return WebhookEndpoint.objects.create(url=receiver.url + path, events=list(events), active=active)

    return make


@pytest.fixture
def ops_user(db):  # type: ignore[no-untyped-def]
    from django.contrib.auth.models import Group

    user = UserFactory(email="oli@example.com", first_name="Oli", is_staff=True)
    user.groups.add(Group.objects.get_or_create(name="ops")[0])
    return user
