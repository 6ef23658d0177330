import pytest
from django.contrib.auth.models import Group
from django.test import Client

from commerce.ops import live
from tests.commerce.ops.helpers import signed_in
from tests.factories import UserFactory


@pytest.fixture
def watched(followers):  # type: ignore[no-untyped-def]
    """A dashboard is open somewhere (unit tests have no real sockets following the topic)."""
    followers.discard(live.DASHBOARD)


@pytest.fixture
def ops_user(db):  # type: ignore[no-untyped-def]
    user = UserFactory(email="oli@example.com", first_name="Oli", is_staff=True)
    user.groups.add(Group.objects.get_or_create(name="ops")[0])
    return user


@pytest.fixture
def ops_client(ops_user) -> Client:  # type: ignore[no-untyped-def]
    return signed_in(ops_user)


@pytest.fixture
def ops_htmx(ops_user) -> Client:  # type: ignore[no-untyped-def]
    return signed_in(ops_user, htmx=True)
