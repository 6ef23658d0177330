"""Events the store sends, caused by the real services: orders paid, shipped, cancelled; stock going low."""

import json

import pytest
from django.db import transaction

from commerce.inventory.services import stock_return
from commerce.orders import services as order_services
from commerce.webhooks.models import WebhookDelivery
from commerce.webhooks.services import event_id
from commerce.webhooks.signing import signature_verify
from tests.factories import OrderFactory, UserFactory, VariantFactory

pytestmark = pytest.mark.django_db


def events_received(receiver) -> list[dict]:  # type: ignore[no-untyped-def]
    return [json.loads(request.body) for request in receiver.requests]


def test_an_order_paid_through_the_payment_path_sends_order_paid(
    make_endpoint, receiver, tee, django_capture_on_commit_callbacks
):
    endpoint = make_endpoint("order.paid")
    buyer = UserFactory(email="buyer@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        order = OrderFactory(paid=True, user=buyer, variant=tee, quantity=2)

    [request] = receiver.requests
    assert signature_verify(endpoint.secret, request.body, request.headers["Storefront-Signature"])
    [event] = events_received(receiver)
    assert event["id"] == str(event_id(f"order.paid:{order.pk}"))
    assert event["type"] == "order.paid"
    data = event["data"]["order"]
    assert {key: data[key] for key in ("number", "status", "email", "currency", "subtotal", "total")} == {
        "number": order.number,
        "status": "paid",
        "email": "buyer@example.com",
        "currency": "USD",
        "subtotal": "48.00",
        "total": str(order.total),
    }
    assert data["lines"] == [
        {"sku": "TEE-M", "product": "Tee", "variant": "M", "quantity": 2, "unit_price": "24.00", "line_total": "48.00"}
    ]
    assert data["shipping_address"] == {
        "full_name": "Sam Shopper",
        "line1": "1 Harbour Road",
        "line2": "",
        "city": "Portland",
        "region": "ME",
        "postal_code": "04101",
        "country": "US",
        "phone": "",
    }
    assert data["paid_at"] is not None


def test_shipped_carries_the_tracking_number_and_cancelled_no_address(
    make_endpoint, receiver, tee, django_capture_on_commit_callbacks
):
    make_endpoint("order.created", "order.shipped", "order.cancelled")

    with django_capture_on_commit_callbacks(execute=True):
        shipped = OrderFactory(shipped=True, variant=tee, tracking_number="1Z999")
        cancelled = OrderFactory(cancelled=True, variant=tee)

    events = events_received(receiver)
    assert [(event["type"], event["data"]["order"]["number"]) for event in events] == [
        ("order.created", shipped.number),
        ("order.shipped", shipped.number),
        ("order.created", cancelled.number),
        ("order.cancelled", cancelled.number),
    ]
    assert events[1]["data"]["order"]["tracking_number"] == "1Z999"
    assert events[1]["data"]["order"]["shipping_address"]["city"] == "Portland"
    assert "shipping_address" not in events[3]["data"]["order"]
    assert events[3]["data"]["order"]["status"] == "cancelled"


def test_order_events_are_not_written_without_a_subscriber(make_endpoint, tee, django_capture_on_commit_callbacks):
    make_endpoint("stock.low")
    make_endpoint("order.paid", active=False)

    with django_capture_on_commit_callbacks(execute=True):
        OrderFactory(paid=True, variant=tee)

    assert not WebhookDelivery.objects.exclude(event_type="stock.low").exists()


def test_stock_going_low_sends_stock_low_once_until_it_rises_again(
    make_endpoint, receiver, settings, django_capture_on_commit_callbacks
):
    settings.LOW_STOCK_THRESHOLD = 5
    make_endpoint("stock.low")
    mug = VariantFactory(product__name="Mug", name="Blue", sku="MUG-B", price="9.00", stock=8)

    with django_capture_on_commit_callbacks(execute=True):
        OrderFactory(paid=True, variant=mug, quantity=2)  # 8 -> 6: above
    assert receiver.requests == []

    with django_capture_on_commit_callbacks(execute=True):
        OrderFactory(paid=True, variant=mug, quantity=1)  # 6 -> 5: at the threshold
        OrderFactory(paid=True, variant=mug, quantity=2)  # 5 -> 3: still low, nothing new
    [event] = events_received(receiver)
    assert event["type"] == "stock.low"
    assert event["data"] == {"variant": {"sku": "MUG-B", "product": "Mug", "name": "Blue", "stock": 5, "threshold": 5}}

    with django_capture_on_commit_callbacks(execute=True):
        back = OrderFactory(variant=mug, quantity=3)  # 3 -> 0 held
        order_services.order_cancel(order=back, actor=None)  # 0 -> 3 given back: still low
    assert len(receiver.requests) == 1

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        stock_return(quantities=[(mug.pk, 10)])  # restocked: 13, above again
    with django_capture_on_commit_callbacks(execute=True):
        OrderFactory(paid=True, variant=mug, quantity=9)  # 13 -> 4: low again, a new event
    events = events_received(receiver)
    assert [(event["type"], event["data"]["variant"]["stock"]) for event in events] == [
        ("stock.low", 5),
        ("stock.low", 4),
    ]
    assert events[0]["id"] != events[1]["id"]


def test_a_full_refund_at_stripe_sends_order_refunded(
    make_endpoint, receiver, paid_order, django_capture_on_commit_callbacks
):
    from commerce.payments.refunds import refund_create

    make_endpoint("order.refunded")

    with django_capture_on_commit_callbacks(execute=True):
        refund_create(order=paid_order, amount_minor=None, actor=None)

    [event] = events_received(receiver)
    assert event["type"] == "order.refunded"
    assert event["id"] == str(event_id(f"order.refunded:{paid_order.pk}"))
    assert (event["data"]["order"]["number"], event["data"]["order"]["status"]) == (paid_order.number, "refunded")
    assert "shipping_address" not in event["data"]["order"]
