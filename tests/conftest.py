import os

import pytest
from django.test import Client

from tests.factories import UserFactory, VariantFactory


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):  # type: ignore[no-untyped-def]
    """A test database of this run's own (`test_storefront_<run>`), so runs side by side never meet.

    The run is named by CHANNEL_PREFIX (`make test` sets one per run), which also prefixes every
    Redis key and channel the store uses; without it, by this process.
    """
    from pytest_django.fixtures import _set_suffix_to_test_databases

    _set_suffix_to_test_databases(os.environ.get("CHANNEL_PREFIX") or f"run{os.getpid()}")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """pytest-django's test database, whose drop at the end is not refused: a connection some thread or
    child process left open ("being accessed by other users") is ended first, so no database of a
    past run piles up on a shared server."""
    yield
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )


@pytest.fixture
def htmx_client(client: Client) -> Client:
    """A test client whose requests look like htmx's (HX-Request header)."""
    client.defaults["HTTP_HX_REQUEST"] = "true"
    return client


@pytest.fixture
def clock(settings):  # type: ignore[no-untyped-def]
    """Time stopped half a minute before a store-time midnight on a daylight-saving change day
    (tests/clock.py), the store's zone set to match; `clock.advance(seconds=...)` moves it on.

    For tests whose outcome depends on the date or the time of day ("today", windows, ages): with
    the clock stopped, a run that crosses midnight or a window's edge cannot change the answer.
    Reaches this process only, not a Daphne server or localstripe running beside it.
    """
    from tests.clock import CLOCK_ZONE, stopped_clock

    settings.TIME_ZONE = CLOCK_ZONE
    with stopped_clock() as stopped:
        yield stopped


@pytest.fixture
def database_clock(db):  # type: ignore[no-untyped-def]
    """Time stopped at the instant PostgreSQL stamps this test's rows with: its `now()` is the test
    transaction's start, and the checkout function writes an order's `created_at` with it. For tests
    that compare such rows with "today": both clocks then agree, and neither moves on at midnight.
    """
    from django.db import connection

    from tests.clock import stopped_clock

    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        (instant,) = cursor.fetchone()
    with stopped_clock(instant) as stopped:
        yield stopped


@pytest.fixture
def shopper(db):  # type: ignore[no-untyped-def]
    return UserFactory(email="shopper@example.com", password="shopper-pass-123")


@pytest.fixture
def variant(db):  # type: ignore[no-untyped-def]
    return VariantFactory(stock=5, price="12.50", name="M / Navy", product__name="Harbour Tee")


@pytest.fixture(scope="session")
def localstripe_url(tmp_path_factory):  # type: ignore[no-untyped-def]
    """A real localstripe server for the whole session (see tests/fake_stripe.py)."""
    from tests.fake_stripe import localstripe

    with localstripe(tmp_path_factory.mktemp("localstripe") / "localstripe.log") as url:
        yield url


@pytest.fixture
def stripe_settings(settings, localstripe_url):  # type: ignore[no-untyped-def]
    """Point the Stripe client (and Stripe.js) at the session's localstripe."""
    settings.STRIPE_API_BASE = localstripe_url
    settings.STRIPE_JS_URL = f"{localstripe_url}/js.stripe.com/v3/"
    settings.STRIPE_SECRET_KEY = "sk_test_localstripe"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_localstripe"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test_secret"
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    return settings


@pytest.fixture
def followers(monkeypatch):  # type: ignore[no-untyped-def]
    """Which topics some page follows, as publishers see it (unit tests have no sockets): every
    topic but the ops dashboard's. Returns the set of unfollowed topics, for a test to change."""
    from realtime import hub

    unfollowed = {"ops.dashboard"}
    monkeypatch.setattr(hub, "followed", lambda topics: {topic for topic in topics if topic not in unfollowed})
    return unfollowed


@pytest.fixture
def capture_broadcasts(monkeypatch, django_capture_on_commit_callbacks, followers):  # type: ignore[no-untyped-def]
    """Run on-commit callbacks and record what was published, as (topic, html) pairs, instead of sending."""
    from contextlib import contextmanager

    from realtime import broadcast

    sent: list[tuple[str, str]] = []

    def record(topic: str, html: str) -> bool:
        sent.append((topic, html))
        return True

    monkeypatch.setattr(broadcast, "publish", record)

    @contextmanager
    def capture():  # type: ignore[no-untyped-def]
        sent.clear()
        with django_capture_on_commit_callbacks(execute=True):
            yield sent

    return capture


def pytest_collection_modifyitems(items):  # type: ignore[no-untyped-def]
    """Browser tests last, so a quick failure shows before the slow tests run (each browser test module
    closes its Playwright loop as it ends, see tests/e2e/conftest.py, so no order is required)."""
    items.sort(key=lambda item: "/e2e/" in str(item.path))


@pytest.fixture(autouse=True)
def _push_each_change(settings):  # type: ignore[no-untyped-def]
    """Unit tests state exactly what each service publishes: no coalescing window here
    (tests/realtime/test_broadcasts.py covers the window; browser tests run with it)."""
    settings.REALTIME_COALESCE_SECONDS = 0


@pytest.fixture(autouse=True)
def _celery_eager():  # type: ignore[no-untyped-def]
    """Tasks run in the test process unless a test starts a real worker."""
    from project.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _fresh_catalog_version():  # type: ignore[no-untyped-def]
    """Each test starts on a catalog version of its own: a test's rolled-back rows never commit, so
    nothing else would move the version on from the pages an earlier test cached (the cache is Redis,
    shared by the whole run)."""
    from commerce.catalog.cache import catalog_changed

    catalog_changed()


@pytest.fixture(autouse=True)
def _fresh_snapshots(settings):  # type: ignore[no-untyped-def]
    """Each test reads the shop's terms afresh (project/snapshots.py), and looks whether they changed
    on every read: a flush, or a test's rolled-back rows, move no version token, and a snapshot kept by
    an earlier test would outlive its rows."""
    from project.snapshots import snapshots_changed

    settings.SNAPSHOT_CHECK_SECONDS = 0
    snapshots_changed()


@pytest.fixture(autouse=True)
def _fresh_throttles():  # type: ignore[no-untyped-def]
    """Each test starts with no sign-up or order-lookup counted against its address (the counts live in
    Redis, under this run's prefix, shared by the whole run and its browser tests' servers)."""
    from project.throttle import throttles_reset

    throttles_reset()


@pytest.fixture(autouse=True)
def _redis_breaker_closed():  # type: ignore[no-untyped-def]
    """Each test starts with Redis asked again: a test that made Redis fail opened this process's
    breaker (project/breaker.py), which would otherwise skip Redis for the next tests too."""
    from project.breaker import breakers_reset

    breakers_reset()
    yield
    breakers_reset()
