"""Django's guard against synchronous database calls from async code stays on everywhere but beside
Playwright's loop: the browser tests' leave (DJANGO_ALLOW_ASYNC_UNSAFE) is theirs alone, for the length
of each test, and never reaches a server they start. The tests with no browser come first: the
module's browser, once open, keeps Playwright's loop in this thread until the module ends."""

import asyncio
import os

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import SynchronousOnlyOperation

from tests.factories import UserFactory
from tests.processes import service_env

LEAVE = "DJANGO_ALLOW_ASYNC_UNSAFE"


def test_a_test_with_no_browser_still_has_async_misuse_refused(db):  # type: ignore[no-untyped-def]
    async def count_users_synchronously() -> int:
        return get_user_model().objects.count()

    assert LEAVE not in os.environ
    with pytest.raises(SynchronousOnlyOperation):
        asyncio.run(count_users_synchronously())


def test_a_server_never_inherits_the_leave(monkeypatch, db):  # type: ignore[no-untyped-def]
    monkeypatch.setenv(LEAVE, "true")  # as while a browser test runs
    env = service_env(LOG_LEVEL="WARNING")
    assert LEAVE not in env
    assert env["LOG_LEVEL"] == "WARNING"


@pytest.mark.e2e
def test_a_browser_test_makes_its_own_orm_calls_beside_playwrights_loop(browser, db):  # type: ignore[no-untyped-def]
    asyncio.get_running_loop()  # Playwright's, marked running in this thread: raises if not
    assert os.environ[LEAVE] == "true"
    UserFactory(email="ada@example.com")
    assert list(get_user_model().objects.values_list("email", flat=True)) == ["ada@example.com"]
