"""Browser tests: a real Daphne process serving the test database, driven by Debian's Chromium."""

import asyncio
import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.e2e.servers import ROOT, DaphneServer, start_daphne

TRACES = ROOT / "var" / "test-traces"

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _playwright_loop_in_this_thread() -> bool:
    """Whether an event loop is marked running in this thread outside any coroutine: Playwright's sync
    API marks its loop so from the first call on, until the module's browser closes."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


@pytest.fixture(autouse=True)
def _sync_orm_beside_playwright(request, monkeypatch):  # type: ignore[no-untyped-def]
    """Let this test's own ORM calls (factories, assertions, the flush after it) through while
    Playwright's loop runs in this thread, and only then: Django refuses every synchronous database
    call made where an event loop is running (SynchronousOnlyOperation), and Playwright's sync API
    keeps its loop marked running between calls. The variable is set for this test alone, from before
    its database is set up to after it is flushed (`_servers_settled_before_the_flush` depends on this
    fixture), never for the servers (tests/processes.py leaves it out of their environment), nor for a
    test run with no Playwright loop in its thread, so a real async misuse anywhere else still fails."""
    if "browser" in request.fixturenames or _playwright_loop_in_this_thread():
        monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _servers_settled_before_the_flush(request, _sync_orm_beside_playwright):  # type: ignore[no-untyped-def]
    """Let the servers finish what the test set off before the test database is flushed.

    A test ends at its last assertion, while a server may still be in a transaction it started
    (after-payment work, a task run in process). The flush's TRUNCATE takes each table's exclusive
    lock in turn, so such a transaction holding one table and reading another deadlocks with it,
    the flush fails and the next tests find this one's rows. transactional_db is set up inside this
    fixture, so this teardown runs before its flush.
    """
    if "transactional_db" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("transactional_db")
    yield
    others_idle()


def others_idle(timeout: float = 10.0) -> None:
    """Wait (at most `timeout` seconds) until no other session on this database is in a statement or a transaction."""
    from django.db import connection

    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND state IN ('active', 'idle in transaction', 'idle in transaction (aborted)')"
            )
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.05)


@pytest.fixture(scope="session")
def live_url(django_db_setup, django_db_blocker, tmp_path_factory, localstripe_url) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Start Daphne on a free port against the test database (and the session's localstripe); yield its base URL."""
    with start_daphne(tmp_path_factory, localstripe_url) as server:
        yield server.url


@pytest.fixture
def daphne(django_db_setup, tmp_path_factory, localstripe_url) -> Iterator[Callable[..., DaphneServer]]:  # type: ignore[no-untyped-def]
    """Start more Daphne processes for one test: `daphne(REDIS_URL=...)` returns a running DaphneServer,
    stopped when the test ends. They get no localstripe webhooks (those stay with `live_url`)."""
    with ExitStack() as stack:

        def start(**env_overrides: str) -> DaphneServer:
            return stack.enter_context(start_daphne(tmp_path_factory, localstripe_url, webhook=False, **env_overrides))

        yield start


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Chromium for one test module. Playwright's sync API keeps an event loop running in this thread
    while it is open, which async tests run after it would trip over; under pytest-xdist a worker may
    be handed a file of async tests after a browser file, so the loop ends with the module."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium (or set CHROMIUM)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def trace_path(item: pytest.Item) -> Path:
    """Where a failed browser test's Playwright trace is kept: var/test-traces/<test name>.zip."""
    return TRACES / (re.sub(r"[^\w.-]+", "_", item.name) + ".zip")


@pytest.fixture
def page(browser, live_url, transactional_db, request):  # type: ignore[no-untyped-def]
    """A fresh browser context (its own cookies) on the live server, traced (screenshots and DOM
    snapshots): when the test fails, a screenshot goes to test-artifacts/ and the trace to
    var/test-traces/ (`playwright show-trace <zip>`); otherwise the trace is dropped."""
    context = browser.new_context(base_url=live_url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    context.tracing.start(screenshots=True, snapshots=True)
    request.node.traced = True
    page = context.new_page()
    yield page
    try:
        if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
            TRACES.mkdir(parents=True, exist_ok=True)
            context.tracing.stop(path=str(trace_path(request.node)))
            out = ROOT / "test-artifacts"
            out.mkdir(exist_ok=True)
            page.screenshot(path=str(out / f"{request.node.name}.png"), full_page=True)
        else:
            context.tracing.stop()
    finally:
        context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
    report = yield
    setattr(item, f"rep_{report.when}", report)
    if report.when == "call" and report.failed and getattr(item, "traced", False):
        path = trace_path(item)
        report.sections.append(("Playwright trace", f"{path}\nopen it with: playwright show-trace {path}"))
    return report
