"""Back-in-stock alerts in real browsers: a shopper asks, staff restock in the admin, the page and the outbox tell."""

import pytest
from playwright.sync_api import Browser, expect

from commerce.alerts.models import StockAlert
from commerce.notifications.models import Notification
from tests.e2e.support import LIVE, sign_in, wait_for_socket
from tests.factories import UserFactory, VariantFactory

pytestmark = pytest.mark.e2e


def test_a_shopper_is_told_live_when_staff_restock_in_the_admin(browser: Browser, live_url, transactional_db):
    shopper = UserFactory(email="ann@example.com", password="ann-pass-123")
    UserFactory(email="root@example.com", password="root-pass-123", is_staff=True, is_superuser=True)
    out = VariantFactory(product__name="Harbour Tee", product__slug="harbour-tee", name="M / Navy", stock=0, position=1)
    VariantFactory(product=out.product, name="L / Navy", stock=4, position=2)
    contexts = [browser.new_context(base_url=live_url) for _ in range(2)]
    try:
        ann, staff = (c.new_page() for c in contexts)
        sign_in(ann, "ann@example.com", "ann-pass-123")
        ann.goto("/products/harbour-tee/")
        wait_for_socket(ann)
        expect(ann.locator(f"#stock-{out.pk}")).to_have_attribute("data-stock", "0")
        notify = ann.get_by_role("button", name="Notify me when M / Navy is back")
        expect(notify).to_be_visible()
        expect(ann.get_by_role("button", name="Notify me when L / Navy is back")).to_be_hidden()  # in stock
        notify.click()
        expect(ann.locator("#stock-alert")).to_contain_text("We'll email you when M / Navy is back.")
        notify.click()
        expect(ann.locator("#stock-alert")).to_contain_text("You're already on the list for M / Navy.")
        assert StockAlert.objects.filter(user=shopper, state="waiting").count() == 1

        # Staff restock it on the variant's page in the admin.
        staff.goto("/admin/login/")
        staff.get_by_label("Email address").fill("root@example.com")
        staff.get_by_label("Password").fill("root-pass-123")
        staff.get_by_role("button", name="Log in").click()
        staff.goto(f"/admin/catalog/variant/{out.pk}/change/")
        staff.get_by_label("Stock").fill("3")
        staff.get_by_role("button", name="Save", exact=True).click()
        expect(staff.locator(".messagelist")).to_contain_text("was changed successfully")

        # Ann's open page: in stock, live, and her line says it is back; the button is gone.
        expect(ann.locator(f"#stock-{out.pk}")).to_have_attribute("data-stock", "3", timeout=LIVE)
        expect(ann.locator(f"#stock-alert-{out.pk}")).to_contain_text("Back in stock: M / Navy", timeout=LIVE)
        expect(notify).to_be_hidden()
        rows = Notification.objects.filter(event="back_in_stock")
        assert [(row.user_id, row.recipient, row.channel) for row in rows] == [(shopper.pk, "ann@example.com", "email")]
    finally:
        for c in contexts:
            c.close()
