"""The ops dashboard in real browsers: a shopper pays, ops sees it live and ships it, the shopper sees that."""

import re

from django.contrib.auth.models import Group
from playwright.sync_api import Browser, Page, expect

from commerce.orders.services import checkout_start
from tests.e2e.support import LIVE, PASSWORD, elsewhere, fill_card, sign_in, wait_for_socket
from tests.factories import ADDRESS, CartFactory, CartLineFactory, OrderFactory, UserFactory, VariantFactory


def open_dashboard(page: Page) -> None:
    page.goto("/ops/")
    wait_for_socket(page)
    # The feed re-reads itself once the socket is open (what was missed while it connected).
    page.wait_for_selector("body[data-ops-synced]", state="attached", timeout=5_000)


def test_ops_watch_a_sale_live_and_ship_it(browser: Browser, live_url, transactional_db):
    staff = UserFactory(email="oli@example.com", password="oli-pass-123", is_staff=True)
    staff.groups.add(Group.objects.get_or_create(name="ops")[0])
    shopper = UserFactory(email="payer@example.com", password=PASSWORD)
    tee = VariantFactory(product__name="Harbour Tee", name="M / Navy", price="24.00", stock=5)
    contexts = [browser.new_context(base_url=live_url, viewport={"width": 1280, "height": 900}) for _ in range(2)]
    try:
        ops, buyer = (c.new_page() for c in contexts)
        sign_in(ops, "oli@example.com", "oli-pass-123")
        open_dashboard(ops)
        kpi_orders = ops.locator('#ops-kpis [data-kpi="orders"]')
        expect(kpi_orders).to_have_text("0")
        expect(ops.locator("#ops-orders [data-order]")).to_have_count(0)

        # The shopper places an order (as the checkout's "Place order" does) and pays in the browser.
        cart = CartFactory(user=shopper)
        CartLineFactory(cart=cart, variant=tee, quantity=2)
        order = elsewhere(checkout_start, cart=cart, user=shopper, email=shopper.email, address=ADDRESS)
        row = ops.locator(f'#ops-orders [data-order="{order.number}"]')
        expect(row).to_have_attribute("data-status", "pending_payment", timeout=LIVE)

        sign_in(buyer, "payer@example.com", PASSWORD)
        buyer.goto(f"/checkout/pay/{order.number}/")
        fill_card(buyer)
        buyer.get_by_role("button", name="Pay $48.00").click()
        expect(buyer).to_have_url(re.compile(rf"/orders/{order.number}/$"))

        expect(row).to_have_attribute("data-status", "paid", timeout=LIVE)
        expect(kpi_orders).to_have_text("1", timeout=LIVE)
        expect(ops.locator('#ops-kpis [data-kpi="revenue"]')).to_have_text("$48.00")
        expect(ops.locator("#ops-orders [data-order]").first).to_have_attribute("data-order", order.number)
        expect(ops.locator("#ops-stock")).to_contain_text("Harbour Tee")  # 3 left: low stock

        # Ops packs and ships it from the feed; the shopper's open order page follows.
        wait_for_socket(buyer)
        expect(buyer.locator("#order-status")).to_have_attribute("data-status", "paid")
        row.get_by_role("button", name="Mark packed").click()
        expect(row).to_have_attribute("data-status", "packed")
        row.get_by_label(f"Tracking number for {order.number}").fill("1Z999AA10123456784")
        row.get_by_role("button", name="Mark shipped").click()

        expect(buyer.locator("#order-status")).to_have_attribute("data-status", "shipped", timeout=LIVE)
        expect(buyer.locator("#order-timeline")).to_contain_text("Shipped")
        expect(row).to_have_attribute("data-status", "shipped")
        expect(row).to_contain_text("marked shipped (tracking 1Z999AA10123456784)")
        expect(ops.locator('#ops-kpis [data-status="shipped"] strong')).to_have_text("1", timeout=LIVE)

        # Filters: by htmx, with the URL kept in step.
        ops.get_by_label("Status").select_option("pending_payment")
        expect(ops).to_have_url(re.compile(r"/ops/\?status=pending_payment"))
        expect(row).to_have_count(0)
        expect(ops.locator("#ops-orders")).to_contain_text("No orders match these filters.")
        ops.get_by_label("Status").select_option("shipped")
        expect(row).to_have_attribute("data-status", "shipped")
    finally:
        for context in contexts:
            context.close()


def test_the_order_page_follows_changes_made_elsewhere(page: Page):
    from commerce.ops import services

    staff = UserFactory(email="oli@example.com", password="oli-pass-123", is_staff=True)
    staff.groups.add(Group.objects.get_or_create(name="ops")[0])
    order = OrderFactory(paid=True)
    sign_in(page, "oli@example.com", "oli-pass-123")
    page.goto(f"/ops/orders/{order.number}/")
    wait_for_socket(page)
    expect(page.locator("#ops-actions")).to_have_attribute("data-status", "paid")

    # Another member of staff packs it (in another tab, or the admin).
    elsewhere(services.order_act, order=order, action="packed", actor=staff, seen_status="paid")

    expect(page.locator("#order-status")).to_have_attribute("data-status", "packed", timeout=LIVE)
    expect(page.locator("#order-timeline")).to_contain_text("Packed")
    expect(page.locator("#ops-actions")).to_have_attribute("data-status", "packed", timeout=LIVE)
    page.get_by_label("Tracking number").fill("TRACK-1")
    page.get_by_role("button", name="Mark shipped").click()
    expect(page.locator("#ops-actions")).to_contain_text(f"Order {order.number} marked shipped (tracking TRACK-1).")
    expect(page.locator("#order-status")).to_have_attribute("data-status", "shipped")


def test_ops_pages_are_refused_to_shoppers(page: Page):
    UserFactory(email="sam@example.com", password="sam-pass-123")
    sign_in(page, "sam@example.com", "sam-pass-123")

    response = page.goto("/ops/")

    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("link", name="Ops")).to_have_count(0)


def test_ops_refund_one_line_from_the_order_page(page: Page, stripe_settings):
    from tests.breakdown_orders import order_with_breakdown
    from tests.e2e.servers import ROOT

    staff = UserFactory(email="oli@example.com", password="oli-pass-123", is_staff=True)
    staff.groups.add(Group.objects.get_or_create(name="ops")[0])
    # 2 × Canopy Tee — M (19.44 each with its discount share and tax), 3 × Trail Sock — L, shipping.
    order = elsewhere(order_with_breakdown)
    sign_in(page, "oli@example.com", "oli-pass-123")
    page.goto(f"/ops/orders/{order.number}/")
    wait_for_socket(page)

    page.get_by_text("Refund…").click()
    tee = page.get_by_label("Canopy Tee — M")
    expect(tee).to_have_attribute("max", "2")
    tee.fill("1")
    page.get_by_label("Yes, send this refund through Stripe").check()
    out = ROOT / "test-artifacts"
    out.mkdir(exist_ok=True)
    page.locator("#ops-actions").screenshot(path=str(out / "ops-refund-lines.png"))
    page.get_by_role("button", name="Refund", exact=True).click()

    actions = page.locator("#ops-actions")
    expect(actions).to_contain_text(f"Refunded 19.44 USD for order {order.number}.")
    page.get_by_text("Refund…").click()  # the card was redrawn with the form folded
    row = actions.locator("tr", has=page.get_by_label("Canopy Tee — M"))
    expect(row.locator("[data-refunded]")).to_have_attribute("data-refunded", "1")
    expect(row.locator("[data-refunded]")).to_contain_text("1 of 2")
    expect(row.locator("[data-refunded]")).to_contain_text("$19.44")
    expect(page.get_by_label("Canopy Tee — M")).to_have_attribute("max", "1")
    expect(page.locator("#order-timeline")).to_contain_text("Refunded 1 × Canopy Tee — M: $19.44.")
    expect(page.locator("#order-status")).to_have_attribute("data-status", "paid")
    page.locator("#ops-actions").screenshot(path=str(out / "ops-refund-lines-after.png"))
