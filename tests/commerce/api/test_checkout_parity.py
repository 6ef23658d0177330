"""An API checkout produces the same order, pushes and emails as the browser checkout.

The same cart (2 × Tee, 3 × Cap, the code WELCOME10, sent to Maine: Standard shipping, US and Maine
tax) is bought twice, paid at localstripe both times: once by a signed-in person through the pages
(the test client posting the forms, the pay page and its return) and once by another person with a
token through the API. The stock is put back between the two, so both see the same shop. Then the
two orders must agree row by row (lines, figures, addresses, statuses, timeline), the same topics
must have been pushed with the same fragments, and the same notifications and emails written.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse

from commerce.accounts.models import User
from commerce.cart.models import Cart
from commerce.catalog.models import Variant
from commerce.notifications.models import Notification
from commerce.orders.models import Order
from commerce.payments.models import Payment
from tests.commerce.shipping.factories import ShippingMethodFactory, ShippingZoneFactory
from tests.commerce.tax.factories import TaxRateFactory
from tests.factories import ADDRESS, DiscountCodeFactory, UserFactory, VariantFactory
from tests.fake_stripe import pay_at_stripe

pytestmark = [pytest.mark.timeout(150)]

JSON = "application/json"
STOCK = {"TEE-M": 5, "CAP": 9}
INTENT = re.compile(r"\bpi_\w+")  # Stripe's intent ids: one per order


@dataclass
class Run:
    """What one checkout left behind: the order, what was pushed, the notifications and emails."""

    order: Order
    pushed: list[tuple[str, str]]
    notifications: list[dict[str, Any]]
    emails: list[dict[str, Any]]


@pytest.fixture
def shop(db) -> dict[str, Variant]:  # type: ignore[no-untyped-def]
    us = ShippingZoneFactory(name="United States", countries=["US"])
    ShippingMethodFactory(zone=us, name="Standard", price="5.00", free_over="75.00")
    ShippingMethodFactory(zone=us, name="Express", price="15.00")
    TaxRateFactory(country="US", name="Sales tax", rate="8", applies_to_shipping=True)
    TaxRateFactory(country="US", region="ME", name="Maine tax", rate="5.5")
    DiscountCodeFactory(code="WELCOME10")
    tee = VariantFactory(product__name="Tee", product__slug="tee", name="M", sku="TEE-M", price="24.00", stock=5)
    cap = VariantFactory(product__name="Cap", product__slug="cap", name="One", sku="CAP", price="9.99", stock=9)
    return {"tee": tee, "cap": cap}


def through_the_pages(shop: dict[str, Variant], user: User) -> Order:
    browser = Client(HTTP_HOST="127.0.0.1")
    browser.force_login(user)
    for variant, quantity in ((shop["tee"], 2), (shop["cap"], 3)):
        assert browser.post(reverse("cart:add"), {"variant": variant.pk, "quantity": quantity}).status_code == 302
    assert browser.post(reverse("cart:discount"), {"code": "welcome10"}).status_code == 302
    form = {"email": user.email, **ADDRESS}
    assert browser.post(reverse("orders:checkout"), form).status_code == 302
    placed = browser.post(reverse("orders:place"))
    order = Order.objects.get(user=user)
    assert placed["Location"] == reverse("payments:pay", kwargs={"number": order.number})
    assert browser.get(placed["Location"]).status_code == 200  # the pay page starts the intent
    pay_at_stripe(Payment.objects.get(order=order))  # Stripe.js, in the browser
    assert browser.get(reverse("payments:return", kwargs={"number": order.number})).status_code == 302
    return order


def through_the_api(shop: dict[str, Variant], user: User, headers: dict[str, str]) -> Order:
    api = Client(HTTP_HOST="127.0.0.1")
    for variant, quantity in ((shop["tee"], 2), (shop["cap"], 3)):
        line = {"variant": variant.pk, "quantity": quantity}
        assert api.post("/api/v1/cart/lines", line, content_type=JSON, **headers).status_code == 200
    assert api.post("/api/v1/cart/code", {"code": "welcome10"}, content_type=JSON, **headers).status_code == 200
    body = {"email": user.email, "address": ADDRESS}
    placed = api.post("/api/v1/checkout/orders", body, content_type=JSON, **headers)
    assert placed.status_code == 201, placed.json()
    number = placed.json()["number"]
    payment = api.post(f"/api/v1/orders/{number}/payment", **headers)
    assert payment.status_code == 200
    pay_at_stripe(Payment.objects.get(client_secret=payment.json()["client_secret"]))  # Stripe.js, in the app
    synced = api.post(f"/api/v1/orders/{number}/payment/sync", **headers)
    assert synced.json()["status"] == "paid"
    return Order.objects.get(number=number)


def run(capture_broadcasts: Any, user: User, checkout: Callable[[], Order]) -> Run:
    for sku, stock in STOCK.items():  # put back: the same shop for both runs
        Variant.objects.filter(sku=sku).update(stock=stock)
    mail.outbox.clear()
    before = set(Notification.objects.values_list("pk", flat=True))
    with capture_broadcasts() as sent:
        order = checkout()
    # Those callbacks ran, as at a commit: forgotten, so that the next run's (same topics, replacing
    # pending ones: realtime.broadcast.on_commit_once) are all captured.
    connection.run_on_commit.clear()
    order.refresh_from_db()
    cart = Cart.objects.get(user=user)
    names = {
        order.number: "NUMBER",
        user.email: "EMAIL",
        f"order.{order.pk}": "order.ORDER",
        f"cart.{cart.pk}": "cart.CART",
        f"user.{user.pk}": "user.USER",
        **{
            f'id="event-{pk}"': f'id="event-{n}"'
            for n, pk in enumerate(order.events.order_by("pk").values_list("pk", flat=True))
        },
    }

    def same(text: str) -> str:
        for real, name in names.items():
            text = text.replace(real, name)
        # Links carry signed tokens, and the pages carry times: both differ from run to run.
        text = INTENT.sub("pi_INTENT", re.sub(r"\?k=[\w:.-]+", "?k=TOKEN", text))
        return re.sub(r"\d{4}-\d\d-\d\dT[\d:.+]+|\b\d{1,2} [A-Z][a-z]{2}, \d\d:\d\d\b|\b\d\d:\d\d\b", "TIME", text)

    notifications = [
        {"event": n.event, "channel": n.channel, "recipient": same(n.recipient), "subject": same(n.subject)}
        for n in Notification.objects.exclude(pk__in=before).order_by("pk")
    ]
    emails = [
        {"to": [same(to) for to in message.to], "subject": same(message.subject), "body": same(message.body)}
        for message in mail.outbox
    ]
    return Run(order, [(same(topic), same(html)) for topic, html in sent], notifications, emails)


def order_rows(order: Order) -> dict[str, Any]:
    """Everything about the order a shopper or the shop could see, but whose and when."""
    mine = {"id", "number", "user", "email", "cart", "created_at", "updated_at", "paid_at"}
    return {
        "order": {k: v for k, v in model_to_dict(order).items() if k not in mine},
        "lines": [
            {k: v for k, v in model_to_dict(line).items() if k not in {"id", "order"}} for line in order.lines.all()
        ],
        "tax_lines": [(t.name, t.rate, t.base, t.amount) for t in order.tax_lines.all()],
        "timeline": [
            (e.kind, e.from_status, e.to_status, INTENT.sub("pi_INTENT", e.note))
            for e in order.events.order_by("created_at", "pk")
        ],
        "payments": [(p.amount_minor, p.currency, p.status) for p in order.payments.all()],
    }


def test_an_api_checkout_matches_the_browser_checkout(shop, capture_broadcasts, bearer, stripe_settings):
    on_the_pages = UserFactory(email="pages@example.com")
    by_token = UserFactory(email="token@example.com")
    headers = bearer(by_token, "shop:read", "shop:write")

    pages = run(capture_broadcasts, on_the_pages, lambda: through_the_pages(shop, on_the_pages))
    api = run(capture_broadcasts, by_token, lambda: through_the_api(shop, by_token, headers))

    assert pages.order.status == api.order.status == Order.Status.PAID
    assert pages.order.shipping_address == api.order.shipping_address == ADDRESS
    assert pages.order.total == api.order.total
    assert order_rows(api.order) == order_rows(pages.order)
    assert [kind for kind, *_ in order_rows(api.order)["timeline"]] == ["placed", "paid"]
    # The same pushes, in the same order, with the same fragments.
    assert [topic for topic, _ in api.pushed] == [topic for topic, _ in pages.pushed]
    assert api.pushed == pages.pushed
    assert "order.ORDER" in {topic for topic, _ in api.pushed}
    # The same notifications written, and the same emails sent.
    assert api.notifications == pages.notifications
    assert [n["event"] for n in api.notifications] == ["order_paid"]
    assert api.emails == pages.emails
    assert [message["to"] for message in api.emails] == [["EMAIL"]]
    assert "NUMBER" in api.emails[0]["subject"] + api.emails[0]["body"]
