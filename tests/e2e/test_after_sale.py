"""After the sale in real browsers: a shopper returns one line of a delivered order, ops approve it,
receive it and refund it on the ops order page, and the shopper's open order page follows each step;
a shopper cancels a paid order from its page."""

from django.contrib.auth.models import Group
from playwright.sync_api import Browser, Page, expect

from commerce.orders.models import Order
from commerce.orders.services import order_transition
from commerce.payments.models import Refund
from tests.breakdown_orders import SOCK, TEE, order_with_breakdown
from tests.e2e.support import LIVE, PASSWORD, elsewhere, sign_in, wait_for_socket
from tests.factories import OrderFactory, UserFactory

S = Order.Status


def _delivered(user):  # type: ignore[no-untyped-def]
    order = order_with_breakdown(TEE, SOCK, user=user)
    for step in (S.PACKED, S.SHIPPED, S.DELIVERED):
        order = order_transition(order=order, to=step, actor=None, tracking_number="1Z999")
    return order


def test_a_returned_line_is_approved_received_and_refunded_live(
    browser: Browser, live_url, transactional_db, stripe_settings, tmp_path
):
    staff = UserFactory(email="oli@example.com", password="oli-pass-123", is_staff=True)
    staff.groups.add(Group.objects.get_or_create(name="ops")[0])
    shopper = UserFactory(email="returner@example.com", password=PASSWORD)
    order = elsewhere(_delivered, user=shopper)
    tee = order.lines.get(product_name="Canopy Tee")
    contexts = [browser.new_context(base_url=live_url, viewport={"width": 1280, "height": 900}) for _ in range(2)]
    try:
        buyer, ops = (c.new_page() for c in contexts)
        sign_in(buyer, shopper.email, PASSWORD)
        buyer.goto(f"/orders/{order.number}/")
        wait_for_socket(buyer)
        panel = buyer.locator("#order-after-sale")
        panel.get_by_label("Canopy Tee — M").fill("2")
        panel.get_by_label("Why are you returning them?").fill("Too small")
        buyer.screenshot(path=str(tmp_path / "order-return-form.png"), full_page=True)
        panel.get_by_role("button", name="Request return").click()
        expect(panel.locator("[data-return-status]")).to_have_attribute("data-return-status", "requested")
        expect(panel).to_contain_text("Your return request is sent.")
        expect(buyer.locator("#order-timeline")).to_contain_text("Return requested")

        sign_in(ops, "oli@example.com", "oli-pass-123")
        ops.goto(f"/ops/orders/{order.number}/")
        wait_for_socket(ops)
        returns = ops.locator("#ops-returns")
        expect(returns).to_contain_text("2 × Canopy Tee — M")
        expect(returns).to_contain_text("Too small")
        returns.get_by_label("Answer to the customer").fill("Sorry it did not fit: send it back.")
        ops.screenshot(path=str(tmp_path / "ops-return-requested.png"), full_page=True)
        returns.get_by_role("button", name="Approve return").click()
        expect(ops.locator("#ops-actions")).to_contain_text("approved; the customer is told")

        # The shopper's open page follows, without a reload.
        expect(panel.locator("[data-return-status]")).to_have_attribute("data-return-status", "approved", timeout=LIVE)
        expect(panel).to_contain_text("Sorry it did not fit", timeout=LIVE)
        expect(buyer.locator("#order-timeline")).to_contain_text("Return approved", timeout=LIVE)

        returns = ops.locator("#ops-returns")
        returns.get_by_label("Yes, the items arrived: refund them through Stripe").check()
        ops.screenshot(path=str(tmp_path / "ops-return-approved.png"), full_page=True)
        returns.get_by_role("button", name="Receive and refund").click()
        expect(ops.locator("#ops-actions")).to_contain_text("Return received and back in stock; refunded 38.88 USD.")

        expect(panel.locator("[data-return-status]")).to_have_attribute("data-return-status", "received", timeout=LIVE)
        timeline = buyer.locator("#order-timeline")
        expect(timeline).to_contain_text("Returned items received", timeout=LIVE)
        # The refund is that line with its tax: 2 × 20.00 less its 4.00 discount share, plus 2.88 tax.
        expect(timeline).to_contain_text("Refunded 2 × Canopy Tee — M: $38.88.", timeout=LIVE)
        # The tee is all returned and refunded: only the socks are left to return.
        expect(panel.locator(f'[name="line-{tee.pk}"]')).to_have_count(0, timeout=LIVE)
        expect(panel.get_by_label("Trail Sock — L")).to_be_visible()
        buyer.screenshot(path=str(tmp_path / "order-return-received.png"), full_page=True)
        refund = Refund.objects.get()
        assert (refund.amount_minor, refund.status) == (3888, "succeeded")
        assert [(line.order_line_id, line.quantity) for line in refund.lines.all()] == [(tee.pk, 2)]
        print("screenshots in", tmp_path)  # noqa: T201
    finally:
        for context in contexts:
            context.close()


def test_a_shopper_cancels_a_paid_order_from_its_page(page: Page, transactional_db, stripe_settings, tmp_path):
    shopper = UserFactory(email="changed-mind@example.com", password=PASSWORD)
    order = elsewhere(OrderFactory, user=shopper, paid=True, at_stripe=True, variant__price="24.00", quantity=2)
    sign_in(page, shopper.email, PASSWORD)
    page.goto(f"/orders/{order.number}/")
    wait_for_socket(page)
    panel = page.locator("#order-after-sale")
    panel.get_by_text("Cancel order…").click()
    expect(panel).to_contain_text("you get a full refund of $48.00")
    page.screenshot(path=str(tmp_path / "order-cancel.png"), full_page=True)
    panel.get_by_role("button", name=f"Yes, cancel order {order.number}").click()

    expect(page.locator("#order-status")).to_have_attribute("data-status", "refunded", timeout=LIVE)
    expect(page.locator("#order-timeline")).to_contain_text("Refunded $48.00: Cancelled at the customer's request.")
    expect(page.locator("#order-after-sale")).not_to_contain_text("Cancel order…")
    assert Refund.objects.get().amount_minor == 4800
