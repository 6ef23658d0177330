"""The API tokens page in a real browser: staff make a token, a program calls the API with it, the
token is revoked and stops working. SCREENSHOTS=<dir> keeps pictures of the page (desktop, phone)."""

import os
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import Page, expect

from tests.e2e.support import sign_in
from tests.factories import UserFactory, VariantFactory

pytestmark = pytest.mark.e2e


def keep(page: Page, name: str) -> None:
    out = os.environ.get("SCREENSHOTS")
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(out) / f"{name}.png"), full_page=True)


@pytest.mark.timeout(120)
def test_make_a_token_call_the_api_with_it_then_revoke_it(page: Page, live_url):
    staff = UserFactory(email="oli@example.com", password="shopper-pass-123", first_name="Oli", is_staff=True)
    staff.groups.add(Group.objects.get_or_create(name="ops")[0])
    VariantFactory(sku="HT-M", product__name="Harbour Tee", name="M", stock=3)
    sign_in(page, "oli@example.com")

    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", name="API tokens")).to_be_visible()
    expect(page.get_by_text("No tokens yet.")).to_be_visible()
    keep(page, "api-tokens-empty-desktop")
    page.get_by_role("button", name="Create token").click()
    expect(page.locator("#token-error")).to_have_text("Give the token a name, so you can tell it apart later.")
    page.get_by_label("Name").fill("Warehouse app")
    page.get_by_role("checkbox", name="stock:read").check()
    page.get_by_role("checkbox", name="stock:write").check()
    page.get_by_role("button", name="Create token").click()

    expect(page.locator("#new-token-box")).to_contain_text("it is shown only this once")
    raw = page.locator("#new-token").input_value()
    assert raw.startswith("sf_")
    row = page.locator("#token-list tbody tr").first
    expect(row).to_contain_text("Warehouse app")
    expect(row).to_contain_text("stock:read stock:write")
    expect(row).to_contain_text("Never")
    keep(page, "api-tokens-new-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    keep(page, "api-tokens-new-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    # A program calls the API with the token (the Authorization header decides, not the session cookie).
    program = page.context.request
    headers = {"Authorization": f"Bearer {raw}"}
    listed = program.get(f"{live_url}/api/v1/staff/stock", headers=headers)
    assert listed.status == 200
    assert [(r["sku"], r["stock"]) for r in listed.json()["results"]] == [("HT-M", 3)]
    moved = program.post(f"{live_url}/api/v1/staff/stock/HT-M/adjust", headers=headers, data={"delta": 12})
    assert (moved.status, moved.json()["stock"]) == (200, 15)
    refused = program.get(f"{live_url}/api/v1/staff/orders", headers=headers)
    assert (refused.status, refused.json()["code"]) == (403, "scope_missing")

    page.reload()
    expect(page.locator("#new-token")).to_have_count(0)  # shown once
    expect(page.locator("#token-list tbody tr").first).to_contain_text("from 127.0.0.1")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke the token Warehouse app").click()
    expect(page.get_by_text("Token “Warehouse app” revoked")).to_be_visible()
    expect(page.locator("#token-list tbody tr").first).to_contain_text("Revoked")
    keep(page, "api-tokens-revoked-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    keep(page, "api-tokens-revoked-phone")
    assert program.get(f"{live_url}/api/v1/staff/stock", headers=headers).status == 401
