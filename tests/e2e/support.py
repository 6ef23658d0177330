"""What browser tests share: signing in, waiting for the live socket, paying with the test card,
checking out as a guest, and running a service as another server process would. A plain module,
not collected: test modules import from here, never from each other."""

from concurrent.futures import ThreadPoolExecutor

from playwright.sync_api import Page, expect

LIVE = 2_000  # ms: what "live" promises
PASSWORD = "shopper-pass-123"


def elsewhere(fn, /, **kwargs):  # type: ignore[no-untyped-def]
    """Run a service as another server process would: in its own thread (and DB connection), not in
    this thread, where Playwright's event loop runs (publishing uses async_to_sync)."""
    from django.db import connection

    def run():  # type: ignore[no-untyped-def]
        try:
            return fn(**kwargs)
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result(timeout=30)


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()


def wait_for_socket(page: Page) -> None:
    page.wait_for_selector("body[data-live=open]", state="attached", timeout=5_000)


def fill_card(page: Page, number: str = "4242424242424242") -> None:
    """localstripe's card element is five plain inputs named by their placeholders."""
    card = page.locator("#card-element")
    card.locator("input[placeholder=number]").fill(number)
    card.locator("input[placeholder=exp_month]").fill("12")
    card.locator("input[placeholder=exp_year]").fill("34")
    card.locator("input[placeholder=cvc]").fill("123")
    card.locator("input[placeholder=postal_code]").fill("04101")


def check_out_as_guest(page: Page, base_url: str, email: str = "guest@example.com") -> None:
    """From a cart with something in it: the address step, then review; stops before "Pay ..."."""
    page.goto(f"{base_url}/checkout/")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Full name", exact=True).fill("Sam Guest")
    page.get_by_label("Address", exact=True).fill("1 Harbour Road")
    page.get_by_label("City", exact=True).fill("Portland")
    page.get_by_label("Postal code", exact=True).fill("04101")
    page.get_by_label("State / region", exact=True).fill("ME")
    expect(page.get_by_label("Country", exact=True)).to_have_value("US")
    page.get_by_role("button", name="Continue to review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review your order")


def order_paid_email_sent(order_number: str, timeout: float = 15.0) -> None:
    """Wait until the order-paid email has gone out. The live server sends it (with the invoice PDF)
    after the payment commits, while the page already shows "paid": a test that ends sooner has its
    tables truncated under that work (a deadlock at teardown)."""
    import time

    from commerce.notifications.models import Notification

    deadline = time.monotonic() + timeout
    rows = Notification.objects.filter(idempotency_key__startswith=f"order:{order_number}:order_paid:email")
    while not rows.filter(status=Notification.Status.SENT).exists():
        assert time.monotonic() < deadline, f"the order-paid email of {order_number} was not sent"
        time.sleep(0.1)
