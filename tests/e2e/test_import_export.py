"""Merchants in a real browser: a catalog import in the admin (dry run, bad rows, confirm) reaching an
open product page live, and the orders export form on the ops dashboard."""

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

from django.contrib.auth.models import Group, Permission
from playwright.sync_api import Browser, Page, expect

from commerce.orders.models import Order
from tests.e2e.support import LIVE, sign_in, wait_for_socket
from tests.factories import CategoryFactory, OrderFactory, UserFactory, VariantFactory

HEADER = (
    "product_slug,product_name,category,description,published,sku,variant_name,options,"
    "price,compare_at_price,stock,weight,active,images"
)
GOOD = (
    f"{HEADER}\r\n"
    "harbour-tee,Harbour Tee,shirts,Heavy cotton.,yes,TEE-M,M,size=M,24.00,,9,180,yes,\r\n"
    "harbour-tee,Harbour Tee,shirts,Heavy cotton.,yes,TEE-L,L,size=L,24.00,,4,190,yes,\r\n"
)
BAD = (
    f"{HEADER}\r\n"
    "harbour-tee,Harbour Tee,shirts,Heavy cotton.,yes,TEE-M,M,size=M,24.00,,9,180,yes,\r\n"
    "harbour-tee,Harbour Tee,shirts,Heavy cotton.,yes,TEE-L,L,size=L,-3.00,,4,190,yes,\r\n"
    "mug,Mug,kitchen,Stoneware.,yes,MUG-1,11 oz,,12.00,,lots,300,yes,\r\n"
)


def upload(page: Page, text: str) -> None:
    page.goto("/admin/catalog/variant/import/")
    page.locator("input[name=import_file]").set_input_files(
        {"name": "catalog.csv", "mimeType": "text/csv", "buffer": text.encode()}
    )
    page.locator("select[name=format]").select_option(label="csv")
    page.get_by_role("button", name="Submit").click()


def test_a_catalog_import_in_the_admin_reaches_an_open_product_page(browser: Browser, live_url, transactional_db):
    shirts = CategoryFactory(slug="shirts", name="Shirts")
    medium = VariantFactory(
        sku="TEE-M",
        name="M",
        price="24.00",
        stock=0,
        product__name="Harbour Tee",
        product__slug="harbour-tee",
        product__category=shirts,
        product__description="Heavy cotton.",
    )
    merchant = UserFactory(email="mia@example.com", password="mia-pass-123", is_staff=True)
    merchant.user_permissions.set(Permission.objects.filter(content_type__app_label="catalog"))
    contexts = [browser.new_context(base_url=live_url, viewport={"width": 1280, "height": 900}) for _ in range(2)]
    try:
        admin, shopper = (c.new_page() for c in contexts)
        shopper.goto("/products/harbour-tee/")
        wait_for_socket(shopper)
        expect(shopper.locator(f"#stock-{medium.pk}")).to_have_attribute("data-stock", "0")

        sign_in(admin, "mia@example.com", "mia-pass-123")
        upload(admin, BAD)
        expect(admin.get_by_role("heading", name="Some rows failed to validate")).to_be_visible()
        errors = admin.locator("table.import-preview tbody tr")
        expect(errors).to_have_count(2)
        expect(errors.nth(0)).to_contain_text("3")  # lines of the file: the header is line 1
        expect(errors.nth(0)).to_contain_text("Ensure this value is greater than or equal to 0.00.")
        expect(errors.nth(1)).to_contain_text('No category has the slug "kitchen".')
        expect(errors.nth(1)).to_contain_text('"lots" is not a number.')
        expect(admin.get_by_role("button", name="Confirm import")).to_have_count(0)

        upload(admin, GOOD)
        expect(admin.get_by_role("button", name="Confirm import")).to_be_visible()
        preview = admin.locator("table.import-preview tbody tr")
        expect(preview.nth(0)).to_contain_text("Update")
        expect(preview.nth(1)).to_contain_text("New")
        expect(preview.nth(1)).to_contain_text("harbour-tee")  # the product's columns are shown too
        expect(preview.nth(1)).to_contain_text("TEE-L")
        expect(shopper.locator(f"#stock-{medium.pk}")).to_have_attribute("data-stock", "0")  # a dry run
        admin.get_by_role("button", name="Confirm import").click()
        expect(admin.locator(".messagelist")).to_contain_text("1 new")

        expect(shopper.locator(f"#stock-{medium.pk}")).to_have_attribute("data-stock", "9", timeout=LIVE)
    finally:
        for context in contexts:
            context.close()


def test_ops_export_the_orders_of_a_date_range(page: Page):
    staff = UserFactory(email="oli@example.com", password="oli-pass-123", is_staff=True)
    staff.groups.add(Group.objects.get_or_create(name="ops")[0])
    order = OrderFactory(paid=True, variant__price="12.00")
    Order.objects.filter(pk=order.pk).update(created_at=datetime(2026, 5, 1, 12, tzinfo=UTC))
    day = "2026-05-01"
    sign_in(page, "oli@example.com", "oli-pass-123")

    page.goto("/ops/")
    page.get_by_role("link", name="Export orders for accounting").click()
    expect(page.get_by_role("heading", name="Export orders for accounting")).to_be_visible()
    page.get_by_label("From").fill("2026-03-09")
    page.get_by_label("To").fill("2026-03-01")
    page.get_by_role("button", name="Download CSV").click()
    expect(page.get_by_role("alert")).to_have_text("The “from” date is after the “to” date.")

    page.get_by_label("From").fill(day)
    page.get_by_label("To").fill(day)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    assert download.value.suggested_filename == f"orders-{day}-to-{day}.csv"
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert rows[0][:2] == ["number", "placed_at"]
    assert [row[0] for row in rows[1:]] == [order.number]
