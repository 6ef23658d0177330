"""Browser tests: a real Daphne process serving the test database, driven by Debian's Chromium."""

import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.processes import service_env

# Playwright's sync API runs an event loop in this thread; the ORM calls made
# by the tests themselves (to set up data) are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"daphne exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - loopback URL we built
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout}s")


E2E_WEBHOOK_SECRET = "whsec_e2e"


def _register_webhook(stripe_base: str, url: str) -> None:
    """Have localstripe sign and send its webhooks to the live server, as Stripe would."""
    body = urllib.parse.urlencode({"url": url, "secret": E2E_WEBHOOK_SECRET}).encode()
    request = urllib.request.Request(f"{stripe_base}/_config/webhooks/e2e", data=body, method="POST")  # noqa: S310
    with urllib.request.urlopen(request, timeout=5):  # noqa: S310 - loopback URL we built
        pass


@dataclass(frozen=True)
class DaphneServer:
    """One running Daphne process: its base URL and the file its stdout and stderr go to."""

    url: str
    log_path: Path
    process: subprocess.Popen[bytes]

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def start_daphne(
    tmp_path_factory: pytest.TempPathFactory,
    localstripe_url: str,
    *,
    webhook: bool = True,
    **env_overrides: str,
) -> Iterator[DaphneServer]:
    """Run Daphne on a free port against the test database (and the session's localstripe) until the block ends.

    `env_overrides` replace or add environment variables (REDIS_URL, CELERY_EAGER, ...). With `webhook`,
    localstripe sends its webhooks to this process; only one process gets them at a time, so extra
    processes started next to `live_url` should pass `webhook=False`.
    """
    port = _free_port()
    env = service_env(
        MEDIA_ROOT=str(tmp_path_factory.mktemp("media")),
        LOG_LEVEL="WARNING",
        CELERY_EAGER="1",  # no worker here: tasks run in the web process
        STRIPE_API_BASE=localstripe_url,
        STRIPE_JS_URL=f"{localstripe_url}/js.stripe.com/v3/",
        STRIPE_WEBHOOK_SECRET=E2E_WEBHOOK_SECRET,
        STRIPE_MAX_NETWORK_RETRIES="0",
    )
    env.update(env_overrides)
    log_path = tmp_path_factory.mktemp("daphne") / "daphne.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "project.asgi:application"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}/healthz", process)
        if webhook:
            _register_webhook(localstripe_url, f"http://127.0.0.1:{port}/payments/stripe/webhook/")
        yield DaphneServer(url=f"http://127.0.0.1:{port}", log_path=log_path, process=process)
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


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


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium (or set CHROMIUM)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_url, transactional_db, request):  # type: ignore[no-untyped-def]
    """A fresh browser context (its own cookies) on the live server; a screenshot is kept on failure."""
    context = browser.new_context(base_url=live_url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        out = ROOT / "test-artifacts"
        out.mkdir(exist_ok=True)
        page.screenshot(path=str(out / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):  # type: ignore[no-untyped-def]
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
