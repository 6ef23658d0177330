"""Several Daphne processes, and one without Redis: what ARCHITECTURE.md's "Scale-out" and the
"the push is a hint" rule promise, checked in a real browser."""

import json
import re
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from django.contrib.auth.models import Group
from playwright.sync_api import Browser, Page, expect

from commerce.catalog.models import Variant
from commerce.inventory.models import StockHold
from commerce.orders.models import Order
from commerce.support.models import Conversation
from tests.e2e.servers import free_port
from tests.e2e.support import LIVE, check_out_as_guest, sign_in, wait_for_socket
from tests.factories import UserFactory, VariantFactory

pytestmark = pytest.mark.e2e

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1: every connection is refused at once


def test_a_change_on_one_process_reaches_a_page_held_by_another(browser: Browser, live_url, daphne, transactional_db):
    """Process A (`live_url`) takes the writes, process B holds the sockets; Redis carries the pushes."""
    a, b = live_url, daphne().url
    tee = VariantFactory(product__name="Harbour Tee", product__slug="harbour-tee", name="M", price="20.00", stock=9)
    # Cookies belong to the host, not the port: one context is one shopper on both processes.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    try:
        on_a, on_b = context.new_page(), context.new_page()
        # The first add creates the cart, so that B's page can follow `cart.<pk>`.
        on_a.goto(f"{a}/products/harbour-tee/")
        on_a.get_by_role("button", name="Add to cart").click()
        expect(on_a.locator("#cart-count")).to_have_text("1")

        on_b.goto(f"{b}/cart/")
        wait_for_socket(on_b)
        expect(on_b.locator("#cart-count")).to_have_text("1")

        on_a.get_by_label("Quantity").fill("2")
        on_a.get_by_role("button", name="Add to cart").click()
        expect(on_b.locator("#cart-count")).to_have_text("3", timeout=LIVE)
        expect(on_b.get_by_label("Quantity of Harbour Tee — M")).to_have_value("3", timeout=LIVE)

        # Stock: B shows the product; the checkout placed on A takes 3 and B's figure follows.
        on_b.goto(f"{b}/products/harbour-tee/")
        wait_for_socket(on_b)
        expect(on_b.locator(f"#stock-{tee.pk}")).to_have_attribute("data-stock", "9")

        check_out_as_guest(on_a, a)
        on_a.get_by_role("button", name="Pay $60.00").click()
        expect(on_b.locator(f"#stock-{tee.pk}")).to_have_attribute("data-stock", "6", timeout=LIVE)
        expect(on_a).to_have_url(re.compile(rf"^{re.escape(a)}/checkout/pay/[^/]+/$"))
        assert Variant.objects.get(pk=tee.pk).stock == 6
    finally:
        context.close()


def _get_json(url: str) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - loopback URL we built
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_store_keeps_selling_while_redis_is_down(browser: Browser, daphne, transactional_db):
    """Channel layer, cache and broker all point at a dead Redis: pushes fail (logged), selling does not."""
    server = daphne(REDIS_URL=DEAD_REDIS, CELERY_EAGER="1")
    tee = VariantFactory(product__name="Harbour Tee", product__slug="harbour-tee", name="M", price="24.00", stock=5)
    context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto("/")
        page.get_by_role("link", name="Harbour Tee").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Harbour Tee")
        page.get_by_role("button", name="Add to cart").click()
        expect(page.locator("#add-result")).to_contain_text("Added 1 × Harbour Tee — M")
        expect(page.locator("#cart-count")).to_have_text("1")

        check_out_as_guest(page, server.url)
        page.get_by_role("button", name="Pay $24.00").click()

        expect(page).to_have_url(re.compile(r"/checkout/pay/[^/]+/$"))
        number = page.url.rstrip("/").rsplit("/", 1)[1]
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Pay for order {number}")
        expect(page.locator("#pay-error-page")).to_have_count(0)
        expect(page.locator("#payment-form")).to_be_visible()
        expect(page.locator("#card-element input[placeholder=number]")).to_be_visible()
        expect(page.get_by_role("button", name="Pay $24.00")).to_be_enabled()

        order = Order.objects.get(number=number)
        assert order.status == Order.Status.PENDING_PAYMENT
        assert order.user_id is None
        assert order.email == "guest@example.com"
        assert Variant.objects.get(pk=tee.pk).stock == 4
        assert StockHold.objects.filter(order=order).exists()
    finally:
        context.close()

    status, body = _get_json(f"{server.url}/readyz")
    assert status == 200, body  # this process serves pages: Redis down is reported, not failed
    assert body["status"] == "degraded", body
    assert "hub" in body["degraded"], body  # type: ignore[operator]
    assert "channel_layer" in body["degraded"], body  # type: ignore[operator]
    assert "cache" in body["degraded"], body  # type: ignore[operator]
    assert body["failed"] == [], body

    # The failed pushes were logged (stdout handlers flush per record; allow a moment anyway).
    deadline = time.monotonic() + 5
    while "realtime publish failed" not in server.log_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "realtime publish failed" in server.log_text(), server.log_text()[-4000:]


@dataclass
class PrivateRedis:
    """A redis-server of this test's own on a free loopback port, to stop and start again at will
    (the machine's Redis is shared with other runs and must never be stopped)."""

    port: int
    workdir: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        log = (self.workdir / "redis.log").open("ab")
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start on port {self.port}") from None
                time.sleep(0.05)
            finally:
                client.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def private_redis(tmp_path) -> Iterator[PrivateRedis]:  # type: ignore[no-untyped-def]
    server = PrivateRedis(port=free_port(), workdir=tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _status(page: Page, path: str) -> int:
    response = page.goto(path)
    assert response is not None
    return response.status


@pytest.mark.timeout(300)
def test_pages_answer_while_redis_is_down_and_pushes_resume_when_it_returns(
    browser: Browser, daphne, private_redis, transactional_db
):
    """Redis stops under a running server (cache, channel layer, broker, hub, presence, rate limits):
    every page a shopper or an agent needs still answers 200; when Redis returns, pages go live again."""
    VariantFactory(product__name="Harbour Tee", product__slug="harbour-tee", name="M", price="24.00", stock=5)
    VariantFactory(product__name="Dune Mug", product__slug="dune-mug", name="11 oz", price="9.00", stock=8)
    agent_user = UserFactory(email="sky@example.com", password="sky-pass-123", first_name="Sky", is_staff=True)
    agent_user.groups.add(Group.objects.get_or_create(name="support")[0])
    server = daphne(REDIS_URL=private_redis.url, CELERY_EAGER="0")  # the broker is that Redis too
    contexts = [browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 900}) for _ in range(3)]
    for context in contexts:
        context.set_default_timeout(15_000)
    shopper_context, agent_context, watcher_context = contexts
    try:
        # A shopper with a cart watches it on one page (a socket open while Redis is up)...
        watcher, actor = watcher_context.new_page(), watcher_context.new_page()
        actor.goto("/products/dune-mug/")
        actor.get_by_role("button", name="Add to cart").click()
        expect(actor.locator("#cart-count")).to_have_text("1")
        watcher.goto("/cart/")
        wait_for_socket(watcher)

        # ...when Redis stops: the server closes its sockets, and pages keep trying.
        private_redis.stop()
        expect(watcher.locator("body")).to_have_attribute("data-live", "closed", timeout=10_000)

        shop = shopper_context.new_page()
        for path in ("/", "/?sort=price", "/search/?q=harbour", "/products/harbour-tee/", "/cart/"):
            assert _status(shop, path) == 200, path
        shop.goto("/products/harbour-tee/")
        shop.get_by_role("button", name="Add to cart").click()
        expect(shop.locator("#add-result")).to_contain_text("Added 1 × Harbour Tee — M")
        expect(shop.locator("#cart-count")).to_have_text("1")
        check_out_as_guest(shop, server.url)
        shop.get_by_role("button", name="Pay $24.00").click()
        expect(shop).to_have_url(re.compile(r"/checkout/pay/[^/]+/$"))
        expect(shop.locator("#payment-form")).to_be_visible()

        # The support widget: presence is unknown, and a message is taken.
        assert _status(shop, "/help/") == 200
        expect(shop.locator(".support-body__status")).to_have_text("We'll reply as soon as we can.")
        shop.goto("/")
        shop.get_by_role("button", name="Help").click()
        form = shop.locator("#support-form")
        form.get_by_label("Your email, so we can answer").fill("guest@example.com")
        form.get_by_label("Your message").fill("Is my order on its way?")
        form.get_by_role("button", name="Send").click()
        expect(shop.locator("#support-messages")).to_contain_text("Is my order on its way?")
        conversation = Conversation.objects.get(guest_email="guest@example.com")
        assert list(conversation.messages.values_list("body", flat=True)) == ["Is my order on its way?"]

        # The agent's inbox and the thread.
        agent = agent_context.new_page()
        sign_in(agent, "sky@example.com", "sky-pass-123")
        assert _status(agent, "/support/") == 200
        expect(agent.locator("#agents-online")).to_have_text("Who is online is unknown right now")
        assert _status(agent, f"/support/c/{conversation.pk}/") == 200
        agent.locator("#reply-form").get_by_label("Reply").fill("It left today.")
        agent.locator("#reply-form").get_by_role("button", name="Send reply").click()
        expect(agent.locator("#conversation-messages")).to_contain_text("It left today.")

        status, body = _get_json(f"{server.url}/readyz")
        assert status == 200, body
        assert body["status"] == "degraded", body
        assert body["degraded"] == ["cache", "hub", "channel_layer", "broker"], body
        assert body["checks"]["database"] == "ok", body  # type: ignore[index]
        assert str(private_redis.port) not in json.dumps(body), body

        # Redis returns on the same port: the watching page reconnects and follows its cart again.
        private_redis.start()
        expect(watcher.locator("body")).to_have_attribute("data-live", "open", timeout=10_000)
        actor.goto("/products/dune-mug/")
        actor.get_by_role("button", name="Add to cart").click()
        expect(actor.locator("#cart-count")).to_have_text("2")
        expect(watcher.locator("#cart-count")).to_have_text("2", timeout=LIVE)
    finally:
        for context in contexts:
            context.close()
