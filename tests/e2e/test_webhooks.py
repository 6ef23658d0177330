"""Webhooks' ops pages in a real browser: register an endpoint, read its log, send an event again.

The store runs in a Daphne of its own that may call private addresses (the local receiver)."""

import json

from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import Browser, expect

from commerce.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from commerce.webhooks.signing import signature_verify
from tests.e2e.support import sign_in
from tests.factories import UserFactory
from tests.webhook_receiver import webhook_receiver

EVENT_ID = "6f1c4a52-2f0e-4d1e-9a57-3f5b2c8e7d11"


def test_ops_register_an_endpoint_and_send_a_failed_event_again(browser: Browser, daphne, transactional_db):
    server = daphne(WEBHOOK_ALLOW_PRIVATE_HOSTS="1")
    staff = UserFactory(email="oli@example.com", password="oli-pass-123", is_staff=True)
    staff.groups.add(Group.objects.get_or_create(name="ops")[0])
    context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 900})
    try:
        with webhook_receiver() as receiver:
            page = context.new_page()
            sign_in(page, "oli@example.com", "oli-pass-123")
            page.goto("/ops/")
            page.get_by_role("link", name="Webhooks").click()
            expect(page.get_by_role("heading", name="Outgoing webhooks")).to_be_visible()

            page.get_by_label("URL").fill(receiver.url + "/erp")
            page.get_by_label("Description").fill("ERP")
            page.get_by_label("order.paid").check()
            page.get_by_label("stock.low").check()
            page.get_by_role("button", name="Add endpoint").click()

            expect(page.get_by_role("heading", name="Webhook endpoint")).to_be_visible()
            endpoint = WebhookEndpoint.objects.get()
            assert (endpoint.url, endpoint.events, endpoint.created_by) == (
                receiver.url + "/erp",
                ["order.paid", "stock.low"],
                staff,
            )
            expect(page.locator("#webhook-secret")).to_have_text(endpoint.secret)

            # An event the receiver refused until the store gave up (as the delivery task leaves it).
            now = timezone.now()
            body = json.dumps({"id": EVENT_ID, "type": "order.paid", "created": now.isoformat(), "data": {}})
            delivery = WebhookDelivery.objects.create(
                endpoint=endpoint,
                event_id=EVENT_ID,
                event_type="order.paid",
                body=body,
                status=WebhookDelivery.Status.FAILED,
                attempts=10,
                next_attempt_at=now,
                last_status_code=503,
                last_response="Service Unavailable",
            )
            WebhookAttempt.objects.create(
                delivery=delivery, at=now, status_code=503, response_body="Service Unavailable"
            )
            page.reload()
            row = page.locator(f'#webhook-deliveries [data-delivery="{delivery.pk}"]')
            expect(row).to_have_attribute("data-status", "failed")
            expect(row).to_contain_text("503")
            expect(row).to_contain_text("Service Unavailable")

            row.get_by_role("button", name="Send again").click()
            expect(page.get_by_text("order.paid queued to be sent again.")).to_be_visible()
            expect(row).to_have_attribute("data-status", "succeeded")
            expect(row).to_contain_text("2 attempts")
            [request] = receiver.requests
            assert request.path == "/erp"
            assert request.body == body.encode()
            assert signature_verify(endpoint.secret, request.body, request.headers["Storefront-Signature"])
    finally:
        context.close()
