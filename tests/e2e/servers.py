"""The Daphne processes browser tests run against: started on a free port, serving the test
database and the session's localstripe. A plain module: conftest's fixtures and the tests that start
servers of their own share it."""

import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.processes import service_env

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
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
    port = free_port()
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
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "tests.e2e.asgi_app:application"],
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
