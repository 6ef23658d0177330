"""The API's docs page (/api/docs, Swagger UI) works in a real browser under the store's Content-Security-Policy."""

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.servers import ROOT

pytestmark = pytest.mark.e2e

# Recorded by the page itself, before any of its scripts run (init scripts are not subject to the CSP).
WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


def test_the_docs_page_lists_every_operation_under_the_policy(browser: Browser, live_url, transactional_db):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    context.add_init_script(WATCH_VIOLATIONS)
    console: list[str] = []
    try:
        page = context.new_page()
        page.on("console", lambda message: console.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: console.append(str(error)))
        response = page.goto("/api/docs")
        assert response is not None
        assert response.status == 200
        policy = response.headers["content-security-policy"]
        assert "'unsafe-eval'" not in policy
        assert "script-src 'self'" in policy
        schema = page.request.get("/api/openapi.json").json()
        count = sum(1 for item in schema["paths"].values() for method in item if method != "parameters")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("API")
        expect(page.locator(".opblock")).to_have_count(count)
        # Open the account operation: its answers, the one error shape among them, are shown.
        page.locator(".opblock-summary", has_text="/api/v1/account").first.click()
        operation = page.locator(".opblock", has_text="/api/v1/account").first
        expect(operation.locator(".responses-table").first).to_contain_text("422")
        # "Try it out" calls the API from the page (connect-src 'self'): a guest is told to sign in.
        operation.get_by_role("button", name="Try it out").click()
        operation.get_by_role("button", name="Execute").click()
        expect(operation.locator(".live-responses-table tbody .response-col_status").first).to_have_text("401")
        expect(operation.locator(".live-responses-table")).to_contain_text('"code": "unauthenticated"')
        (ROOT / "test-artifacts").mkdir(exist_ok=True)
        page.screenshot(path=str(ROOT / "test-artifacts" / "api-docs.png"), full_page=False)
        assert page.evaluate("window.__cspViolations") == []
        # The one console error: the browser's note of the 401 the guest's call got, as it should.
        assert console == ["Failed to load resource: the server responded with a status of 401 (Unauthorized)"]
    finally:
        context.close()
