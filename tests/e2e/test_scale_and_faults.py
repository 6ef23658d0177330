"""Several Daphne processes, and one without Redis: what ARCHITECTURE.md's "Scale-out" and the
"the push is a hint" rule promise, checked in a real browser."""

import json
import re
import time
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import Browser, Page, expect

from commerce.catalog.models import Variant
from commerce.inventory.models import StockHold
from commerce.orders.models import Order
from tests.e2e.test_live import LIVE, wait_for_socket
from tests.factories import VariantFactory

pytestmark = pytest.mark.e2e

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1: every connection is refused at once


def check_out_as_guest(page: Page, base_url: str, email: str = "guest@example.com") -> None:
    """From a cart with something in it: the address step, then review; stops before "Pay ..."."""
    page.goto(f"{base_url}/checkout/")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Full name", exact=True).fill("Sam Guest")
    page.get_by_label("Address", exact=True).fill("1 Harbour Road")
    page.get_by_label("City", exact=True).fill("Portland")
    page.get_by_label("Postal code", exact=True).fill("04101")
    expect(page.get_by_label("Country", exact=True)).to_have_value("US")
    page.get_by_role("button", name="Continue to review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review your order")


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
    assert status == 503, body
    assert "channel_layer" in body["failed"], body  # type: ignore[operator]
    assert "cache" in body["failed"], body  # type: ignore[operator]
    assert "database" not in body["failed"], body  # type: ignore[operator]

    # The failed pushes were logged (stdout handlers flush per record; allow a moment anyway).
    deadline = time.monotonic() + 5
    while "realtime publish failed" not in server.log_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "realtime publish failed" in server.log_text(), server.log_text()[-4000:]
