"""The caller's own orders through the API: the list, one order, paying, cancelling; nobody else's."""

import pytest
from django.core.cache import cache
from django.test import Client

from commerce.catalog.models import Variant
from commerce.orders.models import Order
from commerce.payments.models import Payment
from tests.factories import OrderFactory, UserFactory
from tests.fake_stripe import pay_at_stripe

URL = "/api/v1/orders"


@pytest.fixture
def reader(buyer, bearer):  # type: ignore[no-untyped-def]
    return bearer(buyer, "shop:read")


@pytest.fixture
def writer(buyer, bearer):  # type: ignore[no-untyped-def]
    return bearer(buyer, "shop:read", "shop:write")


def test_the_list_is_the_callers_own_newest_first_by_cursor(api, buyer, tee, reader, clock):
    numbers = []
    for _ in range(3):
        numbers.append(OrderFactory(user=buyer, variant=tee, quantity=1).number)
        clock.advance(seconds=60)
    OrderFactory(user=UserFactory(), variant=tee, quantity=1)  # someone else's

    first = api.get(URL + "?page_size=2", **reader)
    assert first.status_code == 200
    page = first.json()
    assert [o["number"] for o in page["results"]] == numbers[::-1][:2]
    assert page["results"][0] == {
        "number": numbers[2],
        "status": "pending_payment",
        "status_label": "Awaiting payment",
        "created_at": page["results"][0]["created_at"],
        "currency": "USD",
        "total": "24.00",
        "items": 1,
    }
    second = api.get(page["next"], **reader).json()
    assert [o["number"] for o in second["results"]] == [numbers[0]]
    assert second["next"] is None
    forged = api.get(URL + "?cursor=forged", **reader)
    assert forged.status_code == 422
    assert forged.json()["fields"] == {"cursor": ["This cursor is not valid: start again from the first page."]}


def test_one_order_with_lines_figures_and_timeline(api, order, reader):
    response = api.get(f"{URL}/{order.number.lower()}", **reader)
    assert response.status_code == 200
    body = response.json()
    assert body["number"] == order.number
    assert body["lines"][0]["sku"] == "TEE-M"
    assert body["lines"][0]["quantity"] == 2
    assert body["totals"] == {
        "currency": "USD",
        "subtotal": "48.00",
        "discount": "0.00",
        "discount_code": "",
        "discount_label": "",
        "shipping": "0.00",
        "shipping_method": "",
        "tax": "0.00",
        "prices_include_tax": False,
        "tax_lines": [],
        "total": "48.00",
    }
    assert body["shipping_address"]["city"] == "Portland"
    assert body["tracking_number"] == ""
    assert [(e["kind"], e["label"]) for e in body["timeline"]] == [("placed", "Order placed")]


def test_someone_elses_order_is_404_for_a_token_a_guest_and_staff(api, order, bearer, ops_user):
    stranger = bearer(UserFactory(), "shop:read", "shop:write")
    for call in (
        lambda h: api.get(f"{URL}/{order.number}", **h),
        lambda h: api.post(f"{URL}/{order.number}/cancel", **h),
        lambda h: api.post(f"{URL}/{order.number}/payment", **h),
    ):
        response = call(stranger)
        assert response.status_code == 404
        assert response.json() == {"code": "not_found", "message": "Order was not found.", "fields": {}}
    assert api.get(f"{URL}/{order.number}", **bearer(ops_user, "shop:read", "orders:read")).status_code == 404
    assert Client(HTTP_HOST="127.0.0.1").get(f"{URL}/{order.number}").status_code == 404
    assert Client(HTTP_HOST="127.0.0.1").get(URL).json()["results"] == []  # a guest sees no one's orders
    assert api.get(f"{URL}/LS-NONE-NONE", **stranger).status_code == 404
    order.refresh_from_db()
    assert order.status == "pending_payment"


def test_the_owner_cancels_an_unpaid_order_and_its_stock_comes_back(api, order, tee, writer):
    assert Variant.objects.get(pk=tee.pk).stock == 3
    response = api.post(f"{URL}/{order.number}/cancel", **writer)
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert [e["kind"] for e in response.json()["timeline"]] == ["placed", "cancelled"]
    assert Variant.objects.get(pk=tee.pk).stock == 5
    again = api.post(f"{URL}/{order.number}/cancel", **writer)
    assert again.status_code == 422
    assert again.json()["code"] == "not_cancellable"


def test_a_read_only_token_cannot_cancel(api, order, reader):
    response = api.post(f"{URL}/{order.number}/cancel", **reader)
    assert response.status_code == 403
    assert response.json()["code"] == "scope_missing"
    order.refresh_from_db()
    assert order.status == "pending_payment"


@pytest.mark.timeout(120)
def test_paying_through_the_intent_and_sync(api, order, writer, stripe_settings):
    response = api.post(f"{URL}/{order.number}/payment", **writer)
    assert response.status_code == 200
    body = response.json()
    payment = Payment.objects.get(order=order)
    assert body == {
        "client_secret": payment.client_secret,
        "publishable_key": "pk_test_localstripe",
        "stripe_js_url": stripe_settings.STRIPE_JS_URL,
        "amount": "48.00",
        "amount_minor": 4800,
        "currency": "USD",
        "status": "requires_payment",
        "last_error": "",
        "hold_expires_at": body["hold_expires_at"],
    }
    assert body["hold_expires_at"] is not None
    # Asked again, the same intent.
    assert api.post(f"{URL}/{order.number}/payment", **writer).json()["client_secret"] == payment.client_secret
    assert Payment.objects.count() == 1

    pay_at_stripe(payment)  # what Stripe.js does with the client secret
    response = api.post(f"{URL}/{order.number}/payment/sync", **writer)
    assert response.status_code == 200
    assert response.json()["status"] == "paid"
    assert response.json()["hold_expires_at"] is None
    assert [e["kind"] for e in response.json()["timeline"]] == ["placed", "paid"]
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    # A paid order is not paid twice.
    again = api.post(f"{URL}/{order.number}/payment", **writer)
    assert again.status_code == 409
    assert again.json()["code"] == "not_payable"


@pytest.mark.timeout(120)
def test_the_owner_cancels_a_paid_order_and_it_is_refunded(api, paid_order, writer):
    # The refund's request key lives in the cache (Redis, shared by runs whose order keys may repeat).
    cache.delete(f"refund:{paid_order.pk}:owner-cancel")
    response = api.post(f"{URL}/{paid_order.number}/cancel", **writer)
    assert response.status_code == 200
    assert response.json()["status"] == "refunded"
    assert [e["kind"] for e in response.json()["timeline"]] == ["placed", "paid", "refunded", "restocked"]
    paid_order.refresh_from_db()
    assert paid_order.status == Order.Status.REFUNDED
    assert Variant.objects.get(pk=paid_order.lines.get().variant_id).stock == 5


def test_an_order_number_that_cannot_be_one_is_404(api, order, reader):
    for number in ("LS-%00", "x" * 40, "%20"):
        response = api.get(f"{URL}/{number}", **reader)
        assert response.status_code == 404, number
        assert response.json()["code"] == "not_found"
