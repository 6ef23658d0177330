import pytest
from django.contrib.auth.models import Group

from commerce.support import presence, services
from tests.factories import UserFactory


@pytest.fixture
def sam(db):  # type: ignore[no-untyped-def]
    return UserFactory(email="sam@example.com")


@pytest.fixture
def sams_conversation(sam):  # type: ignore[no-untyped-def]
    """Sam's open conversation, with one message of his."""
    conversation = services.conversation_for_customer(customer=sam)
    services.message_post(conversation=conversation, author=sam, from_staff=False, body="My secret question")
    return conversation


@pytest.fixture
def agent(db):  # type: ignore[no-untyped-def]
    user = UserFactory(email="alex@example.com", first_name="Alex", is_staff=True)
    user.groups.add(Group.objects.get_or_create(name="support")[0])
    return user


@pytest.fixture
def ops_agent(db):  # type: ignore[no-untyped-def]
    user = UserFactory(email="olga@example.com", is_staff=True)
    user.groups.add(Group.objects.get_or_create(name="ops")[0])
    return user


@pytest.fixture(autouse=True)
def _fresh_support_state(settings):  # type: ignore[no-untyped-def]
    """No presence or rate-limit state leaks between tests (both live in Redis)."""
    from django.core.cache import cache

    from commerce.support import limits

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    presence.presence_clear()
    limits._rate_down_until = 0.0  # a cache error in an earlier test does not lift the limits here
    yield
    presence.presence_clear()
