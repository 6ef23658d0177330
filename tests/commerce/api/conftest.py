import pytest
from django.contrib.auth.models import Group
from django.test import Client

from commerce.api.tokens import token_create
from tests.factories import UserFactory


def staff(role: str):  # type: ignore[no-untyped-def]
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.fixture
def api() -> Client:
    """A client of the API, on an allowed host, sending JSON."""
    return Client(HTTP_HOST="127.0.0.1")


@pytest.fixture
def ops_user(db):  # type: ignore[no-untyped-def]
    return staff("ops")


@pytest.fixture
def support_user(db):  # type: ignore[no-untyped-def]
    return staff("support")


@pytest.fixture
def bearer():  # type: ignore[no-untyped-def]
    """bearer(user, *scopes): the Authorization header of a new token of `user` with those scopes."""

    def make(user, *scopes: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
        new = token_create(user=user, name="test", scopes=list(scopes))
        return {"HTTP_AUTHORIZATION": f"Bearer {new.raw}"}

    return make
