"""`make run` as the README gives it to a newcomer: a fresh clone, the embedded store (SQLite, no
Redis, no Elasticsearch, localstripe beside it), bought from in a real browser while a second
browser watches the stock figure, searched with a plural and a typo, then stopped with nothing left.

The clone is of this repository's HEAD (what is committed), in a temporary folder. Its `.venv` is a
symlink to this checkout's, which `make test` has already installed: `make -o .venv/.installed`
tells make not to re-make the install stamp (the clone's pyproject.toml is newer than it), so
nothing is installed into the shared environment. The store gets free ports (PORT, STRIPE_PORT)
and an environment without this run's DATABASE_URL, REDIS_URL or secrets, as on a new machine.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.servers import ROOT, free_port
from tests.e2e.support import LIVE, check_out_as_guest, fill_card, wait_for_socket

pytestmark = pytest.mark.e2e

START_TIMEOUT = 240  # seconds: migrate and seed_demo on a new SQLite file, on a busy 2-core machine
# What a newcomer's shell has; nothing of this run's services mode.
KEPT_VARIABLES = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ")


@dataclass(frozen=True)
class EmbeddedStore:
    url: str
    stripe_port: int
    log_path: Path
    process: subprocess.Popen[bytes]

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


def _clone(target: Path) -> Path:
    venv = (ROOT / ".venv").resolve()
    if not (venv / "bin" / "python").exists():
        pytest.fail(f"{venv} is not installed: this test reuses it (make test installs it first)")
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(target)], check=True, timeout=120)  # noqa: S603, S607
    (target / ".venv").symlink_to(venv, target_is_directory=True)
    return target


def _wait_for_health(store: EmbeddedStore, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if store.process.poll() is not None:
            raise AssertionError(f"make run exited with {store.process.returncode}:\n{store.log_text()[-4000:]}")
        try:
            with urllib.request.urlopen(f"{store.url}/healthz", timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"/healthz did not answer within {timeout:.0f} s:\n{store.log_text()[-4000:]}")


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _stop(process: subprocess.Popen[bytes], timeout: float = 30) -> list[str]:
    """Ctrl-C's TERM to the whole process group; what was still running after `timeout` (then killed)."""
    if _group_alive(process.pid):
        os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        process.poll()  # reap make once it exits
        if not _group_alive(process.pid):
            return []
        time.sleep(0.2)
    ps = subprocess.run(  # noqa: S603, S607
        ["ps", "-o", "pid=,args=", "-g", str(process.pid)], capture_output=True, text=True, check=False
    )
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    return ps.stdout.splitlines()


@contextmanager
def make_run(tmp_path: Path) -> Iterator[EmbeddedStore]:
    clone = _clone(tmp_path / "storefront")
    port, stripe_port = free_port(), free_port()
    env = {name: os.environ[name] for name in KEPT_VARIABLES if name in os.environ}
    env.update(PORT=str(port), STRIPE_PORT=str(stripe_port))
    make = shutil.which("make") or "make"
    log_path = tmp_path / "make-run.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - make, in the clone we made
            [make, "-o", ".venv/.installed", "run"],
            cwd=clone,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a process group of its own: Ctrl-C's reach, and ours to check
        )
        store = EmbeddedStore(f"http://127.0.0.1:{port}", stripe_port, log_path, process)
        left: list[str] = []
        try:
            _wait_for_health(store, START_TIMEOUT)
            yield store
        except BaseException:
            print(f"make run's output:\n{store.log_text()[-6000:]}")  # shown with the failure
            raise
        finally:
            left = _stop(process)
    assert left == [], f"make run left processes behind: {left}"
    assert not _listening(port), "the store still answers after make run was stopped"
    assert not _listening(stripe_port), "localstripe still answers after make run was stopped"


def _context(browser: Browser, url: str) -> BrowserContext:
    context = browser.new_context(base_url=url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    return context


def _search(page: Page, text: str) -> None:
    box = page.get_by_role("combobox", name="Search products")
    box.fill(text)
    box.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Results for “{text}”")


@pytest.mark.timeout(600)
def test_make_run_on_a_fresh_clone_sells_pushes_and_searches(browser: Browser, tmp_path: Path) -> None:
    with make_run(tmp_path) as store:
        assert f"Storefront: {store.url}/" in store.log_text()
        assert _listening(store.stripe_port), "localstripe is not on STRIPE_PORT"
        shopper, watcher = _context(browser, store.url), _context(browser, store.url)
        try:
            page = shopper.new_page()
            page.goto("/")
            page.get_by_role("link", name="Harbour Tee").first.click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Harbour Tee")
            # The first option with two or more left (seed_demo's figures are fixed per SKU).
            options = page.locator("input[name=variant]:not([disabled])")
            stocks = {
                int(pk): int(page.locator(f"#stock-{pk}").get_attribute("data-stock") or "0")
                for pk in (options.nth(i).get_attribute("value") for i in range(options.count()))
                if pk
            }
            variant, stock = next((pk, n) for pk, n in stocks.items() if n >= 2)

            # A second browser on the same product page follows that option's stock live.
            watching = watcher.new_page()
            watching.goto(page.url)
            wait_for_socket(watching)
            figure = watching.locator(f"#stock-{variant}")
            expect(figure).to_have_attribute("data-stock", str(stock))

            page.locator(f"input[name=variant][value='{variant}']").check()
            page.get_by_label("Quantity").fill("2")
            page.get_by_role("button", name="Add to cart").click()
            expect(page.locator("#cart-count")).to_have_text("2")

            page.get_by_role("link", name=re.compile("Cart")).click()
            expect(page.get_by_role("heading", level=1)).to_have_text("Your cart")
            page.get_by_role("link", name="Checkout").click()
            expect(page).to_have_url(re.compile(r"/checkout/$"))
            check_out_as_guest(page, store.url, email="newcomer@example.com")
            page.get_by_role("button", name=re.compile(r"^Pay \$")).click()

            # Checkout holds the two: the watcher's figure drops without a reload.
            expect(figure).to_have_attribute("data-stock", str(stock - 2), timeout=LIVE)
            expect(page).to_have_url(re.compile(r"/checkout/pay/[^/]+/$"))
            fill_card(page)
            page.locator("#payment-form").get_by_role("button", name=re.compile(r"^Pay \$")).click()
            expect(page).to_have_url(re.compile(r"/orders/[^/]+/$"))
            expect(page.locator("#order-status")).to_have_attribute("data-status", "paid")
            expect(figure).to_have_attribute("data-stock", str(stock - 2))  # sold, not given back

            # Search on SQLite: a plural, and a one-letter typo of the product's word.
            _search(page, "tees")
            expect(page.locator(".product-card__name", has_text="Harbour Tee")).to_have_count(1)
            _search(page, "habour")
            expect(page.locator(".product-card__name")).to_have_text(["Harbour Tee"])
            _search(page, "graite")
            expect(page.locator(".product-card__name")).to_have_text(["Granite Hoodie"])
        finally:
            shopper.close()
            watcher.close()
