"""Every page runs under a Content-Security-Policy, and works under it; staff pages leave no copy in localStorage."""

import json
import re

from django.contrib.auth.models import Group
from playwright.sync_api import Browser, Page, Response, expect

from tests.e2e.support import check_out_as_guest, fill_card, sign_in, wait_for_socket
from tests.factories import UserFactory, VariantFactory

# Recorded by the page itself, before any of its scripts run (init scripts are not subject to the CSP).
WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


def policy_of(response: Response | None) -> dict[str, list[str]]:
    assert response is not None
    header = response.headers.get("content-security-policy", "")
    assert header, f"no Content-Security-Policy on {response.url}"
    directives = [part.strip().split() for part in header.split(";") if part.strip()]
    return {name: values for name, *values in directives}


def violations(page: Page) -> list[str]:
    return list(page.evaluate("window.__cspViolations || []"))


def assert_strict(policy: dict[str, list[str]]) -> None:
    assert "'unsafe-eval'" not in policy["script-src"]
    assert "'unsafe-inline'" not in policy["script-src"]
    # Only this host (ws/wss included in 'self'), plus what the pay page adds for Stripe.
    assert policy["connect-src"][0] == "'self'"
    assert not {"ws:", "wss:", "*"} & set(policy["connect-src"])
    assert policy["frame-ancestors"] == ["'none'"]


def test_a_guest_shops_and_pays_under_the_policy(browser: Browser, live_url, transactional_db, localstripe_url):
    VariantFactory(product__name="Harbour Tee", product__slug="harbour-tee", name="M", price="20.00", stock=5)
    context = browser.new_context(base_url=live_url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    context.add_init_script(WATCH_VIOLATIONS)
    policies: dict[str, dict[str, list[str]]] = {}
    context.on(
        "response",
        lambda r: policies.setdefault(r.url, policy_of(r)) if r.request.resource_type == "document" else None,
    )
    try:
        page = context.new_page()
        page.goto("/")
        wait_for_socket(page)  # the live socket connects under connect-src 'self'
        page.goto("/products/harbour-tee/")
        wait_for_socket(page)
        page.get_by_role("button", name="Add to cart").click()
        expect(page.locator("#cart-count")).to_have_text("1")
        page.goto("/cart/")
        check_out_as_guest(page, live_url)
        page.get_by_role("button", name="Pay $20.00").click()
        expect(page).to_have_url(re.compile(r"/checkout/pay/[^/]+/$"))
        fill_card(page)  # Stripe.js (localstripe's) loaded from its own origin
        page.get_by_role("button", name="Pay $20.00").click()
        expect(page).to_have_url(re.compile(r"/orders/[^/]+/$"))
        expect(page.locator("#order-status")).to_have_attribute("data-status", "paid")
        page.get_by_role("button", name="Help").click()
        expect(page.locator("#support-form")).to_be_visible()

        assert violations(page) == []
        assert len(policies) >= 6
        for url, policy in policies.items():
            assert_strict(policy)
            if re.search(r"/checkout/pay/[^/]+/$", url):  # the pay page itself (not its return URL)
                assert policy["script-src"] == ["'self'", localstripe_url]
                assert policy["connect-src"] == ["'self'", localstripe_url]
            else:
                assert policy["script-src"] == ["'self'"], url
                assert policy["connect-src"] == ["'self'"], url
    finally:
        context.close()


def test_an_inline_script_injected_into_a_page_does_not_run(page: Page, live_url, transactional_db):
    """What the policy is for: markup that slipped through escaping cannot run script."""
    page.add_init_script(WATCH_VIOLATIONS)
    page.goto("/")
    ran = page.evaluate(
        """() => new Promise((done) => {
          window.__ran = false;
          const s = document.createElement("script");
          s.textContent = "window.__ran = true";
          document.body.appendChild(s);
          setTimeout(() => done(window.__ran), 100);
        })"""
    )

    assert ran is False
    assert any(v.startswith("script-src") for v in violations(page))


def _staff(email: str, role: str) -> None:
    user = UserFactory(email=email, password="staff-pass-123", is_staff=True)
    user.groups.add(Group.objects.get_or_create(name=role)[0])


def history_cache(page: Page) -> str:
    return str(page.evaluate("localStorage.getItem('htmx-history-cache') || ''"))


def test_staff_pages_keep_no_htmx_history_in_local_storage(page: Page, live_url, transactional_db):
    _staff("olga@example.com", "ops")
    sign_in(page, "olga@example.com", "staff-pass-123")
    page.add_init_script(WATCH_VIOLATIONS)
    response = page.goto("/ops/")
    assert_strict(policy_of(response))
    wait_for_socket(page)
    page.get_by_label("Status").select_option("paid")
    expect(page).to_have_url(re.compile(r"status=paid"))  # htmx pushed a history entry
    page.go_back()
    expect(page).to_have_url(re.compile(r"/ops/$"))

    assert "ops-orders" not in history_cache(page)
    assert violations(page) == []


def test_the_support_inbox_keeps_no_htmx_history_either(page: Page, live_url, transactional_db):
    _staff("alex@example.com", "support")
    sign_in(page, "alex@example.com", "staff-pass-123")
    response = page.goto("/support/")
    assert_strict(policy_of(response))
    page.get_by_role("link", name="Unassigned").click()
    expect(page).to_have_url(re.compile(r"view=unassigned"))

    cache = history_cache(page)
    assert "support-inbox" not in cache, json.dumps(cache)[:300]


def test_the_admin_works_under_the_policy(page: Page, live_url, transactional_db):
    UserFactory(email="root@example.com", password="root-pass-123", is_staff=True, is_superuser=True)
    page.add_init_script(WATCH_VIOLATIONS)
    response = page.goto("/admin/login/")
    assert_strict(policy_of(response))
    page.get_by_label("Email address").fill("root@example.com")
    page.get_by_label("Password").fill("root-pass-123")
    page.get_by_role("button", name="Log in").click()
    page.goto("/admin/orders/order/")
    expect(page.get_by_role("heading", name="Select order to change")).to_be_visible()

    assert violations(page) == []
