"""The production-like process set on one machine: two Daphne processes, a Celery worker and beat,
PostgreSQL and Redis. An order paid through one web process shows live on a page held by the
other, and the worker (not the web process) delivers its email."""

import re
import time
from pathlib import Path

from playwright.sync_api import Browser, expect

from commerce.orders.services import checkout_start
from tests.e2e.support import LIVE, PASSWORD, elsewhere, fill_card
from tests.factories import ADDRESS, CartFactory, CartLineFactory, UserFactory, VariantFactory
from tests.processes import celery_queue, start_celery


def confirmation_emails(mail_dir: Path) -> list[str]:
    return [
        line.removeprefix("Subject: ")
        for path in sorted(mail_dir.glob("*.log"))
        for line in path.read_text().splitlines()
        if line.startswith("Subject: ")
    ]


def test_pay_on_one_process_see_it_on_the_other_and_the_worker_emails(
    browser: Browser, daphne, transactional_db, tmp_path
):
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    user = UserFactory(email="payer@example.com", password=PASSWORD)
    cart = CartFactory(user=user)
    CartLineFactory(cart=cart, variant=VariantFactory(product__name="Harbour Tee", price="24.00", stock=5), quantity=2)
    order = elsewhere(checkout_start, cart=cart, user=user, email=user.email, address=ADDRESS)

    with celery_queue() as queue:
        env = {
            "CELERY_EAGER": "0",  # tasks go to the worker through Redis
            "CELERY_QUEUE": queue,  # (start_celery sets these two for the worker and beat as well)
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(mail_dir),
        }
        with (
            start_celery("worker", tmp_path, queue=queue, ready=" ready.", **env) as worker,
            start_celery("beat", tmp_path, queue=queue, ready="beat: Starting", **env) as beat,
        ):
            web_a, web_b = daphne(**env).url, daphne(**env).url
            context = browser.new_context(viewport={"width": 1280, "height": 900})  # cookies: per host, both ports
            context.set_default_timeout(10_000)
            try:
                on_a, on_b = context.new_page(), context.new_page()
                on_a.goto(web_a)
                sign_in_at(on_a, web_a)
                on_b.goto(f"{web_b}/orders/{order.number}/")
                on_b.wait_for_selector("body[data-live=open]", state="attached", timeout=5_000)
                expect(on_b.locator("#order-status")).to_have_attribute("data-status", "pending_payment")

                on_a.goto(f"{web_a}/checkout/pay/{order.number}/")
                fill_card(on_a)
                on_a.get_by_role("button", name="Pay $48.00").click()
                expect(on_a).to_have_url(re.compile(rf"/orders/{order.number}/$"))

                expect(on_b.locator("#order-status")).to_have_attribute("data-status", "paid", timeout=LIVE)
            finally:
                context.close()

            deadline = time.monotonic() + 20
            while not confirmation_emails(mail_dir) and time.monotonic() < deadline:
                time.sleep(0.2)
            assert confirmation_emails(mail_dir) == [f"Thank you, your order is confirmed: order {order.number}"]
            assert "notifications.tasks.deliver" in worker.log_text()  # the worker sent it
            assert beat.process.poll() is None


def sign_in_at(page, base_url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill("payer@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("link", name="Account")).to_be_visible()
