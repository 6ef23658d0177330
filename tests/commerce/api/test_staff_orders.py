"""The staff orders API: scopes and roles, filters, the dashboard's actions and refunds through order_act."""

from datetime import UTC, datetime
from uuid import uuid4

import pytest
from django.contrib.auth.models import Group

from commerce.catalog.models import Variant
from commerce.orders.models import Order, OrderEvent
from commerce.payments.models import Refund
from tests.factories import OrderFactory, UserFactory

pytestmark = pytest.mark.django_db
S = Order.Status
URL = "/api/v1/staff/orders"


def post(api, url, data, headers):  # type: ignore[no-untyped-def]
    return api.post(url, data, content_type="application/json", **headers)


def test_a_shopper_or_support_token_cannot_read_staff_orders(api, buyer, order, support_user, bearer):
    other = OrderFactory(user=UserFactory(email="other@example.com"))
    shopper_token = bearer(buyer, "shop:read", "shop:write")
    for url in (URL, f"{URL}/{other.number}", f"{URL}/{order.number}"):
        answer = api.get(url, **shopper_token)
        assert answer.status_code == 403
        assert answer.json()["code"] == "scope_missing"
    answer = post(api, f"{URL}/{order.number}/actions", {"action": "cancel"}, shopper_token)
    assert answer.status_code == 403
    support_token = bearer(support_user, "support:read", "support:write")
    assert api.get(URL, **support_token).status_code == 403
    answer = post(api, f"{URL}/{other.number}/actions", {"action": "cancel"}, support_token)
    assert answer.status_code == 403
    assert api.get(URL).status_code == 401  # a guest: who they are comes first
    assert Order.objects.get(pk=other.pk).status == S.PENDING_PAYMENT


def test_the_list_is_newest_first_and_filters_like_the_dashboard(api, ops_user, bearer):
    token = bearer(ops_user, "orders:read")
    old = OrderFactory(paid=True, email="ann@example.com", quantity=3)
    middle = OrderFactory(packed=True, email="bob@example.com")
    new = OrderFactory(email="cy@example.com")
    for order, day in ((old, 1), (middle, 2), (new, 3)):
        Order.objects.filter(pk=order.pk).update(created_at=datetime(2026, 3, day, 12, tzinfo=UTC))

    def numbers(query: str = "") -> list[str]:
        answer = api.get(f"{URL}?{query}", **token)
        assert answer.status_code == 200, answer.json()
        return [row["number"] for row in answer.json()["results"]]

    assert numbers() == [new.number, middle.number, old.number]
    assert numbers("status=paid&status=packed") == [middle.number, old.number]
    assert numbers("status=pending_payment,paid") == [new.number, old.number]
    assert numbers("created_after=2026-03-02T00:00:00Z&created_before=2026-03-03T00:00:00Z") == [middle.number]
    assert numbers(f"q={old.number.lower()}") == [old.number]
    assert numbers("q=BOB@example.com") == [middle.number]
    row = api.get(f"{URL}?q=ann@example.com", **token).json()["results"][0]
    assert row == {
        "number": old.number,
        "status": "paid",
        "status_label": "Paid",
        "email": "ann@example.com",
        "customer": old.shipping_address["full_name"],
        "item_count": 3,
        "total": str(old.total),
        "currency": "USD",
        "created_at": "2026-03-01T12:00:00Z",
        "paid_at": row["paid_at"],
    }
    first = api.get(f"{URL}?page_size=2", **token).json()
    assert [r["number"] for r in first["results"]] == [new.number, middle.number]
    rest = api.get(first["next"], **token).json()
    assert [r["number"] for r in rest["results"]] == [old.number]
    bad = api.get(f"{URL}?status=lost", **token)
    assert bad.status_code == 422
    assert bad.json()["fields"] == {"status.0": ["Value error, Unknown status: lost. Use " + ", ".join(S) + "."]}
    assert api.get(f"{URL}?cursor=forged", **token).status_code == 422
    for not_a_moment in ("0.5", "2026-03-02", "yesterday"):
        refused = api.get(f"{URL}?created_before={not_a_moment}", **token)
        assert refused.status_code == 422
        assert refused.json()["fields"] == {
            "created_before": ["Value error, Give a date and time with its offset, such as 2026-03-02T09:00:00Z."]
        }
    far = api.get(f"{URL}?created_after=0001-01-01T00:00:00%2B14:00", **token)  # before year 1 in UTC
    assert far.status_code == 422
    assert far.json()["fields"] == {"created_after": ["This date and time is out of range."]}


def test_the_detail_has_lines_totals_payments_and_the_timeline(api, ops_user, bearer, paid_order):
    answer = api.get(f"{URL}/{paid_order.number.lower()}", **bearer(ops_user, "orders:read"))
    assert answer.status_code == 200
    body = answer.json()
    assert body["number"] == paid_order.number
    assert body["status"] == "paid"
    line = paid_order.lines.get()
    assert body["lines"] == [
        {
            "id": line.pk,
            "sku": "TEE-M",
            "product": "Tee",
            "variant": "M",
            "unit_price": "24.00",
            "quantity": 2,
            "line_total": "48.00",
            "refunded_quantity": 0,
            "quantity_left": 2,
        }
    ]
    assert body["totals"]["total"] == "48.00"
    assert body["totals"]["refundable"] == "48.00"
    assert body["totals"]["currency"] == "USD"
    assert [(p["status"], p["amount"], p["refunds"]) for p in body["payments"]] == [("succeeded", "48.00", [])]
    assert [event["kind"] for event in body["timeline"]] == list(paid_order.events.values_list("kind", flat=True))
    assert body["timeline"][-1]["kind"] == "paid"
    missing = api.get(f"{URL}/LS-0000-0000", **bearer(ops_user, "orders:read"))
    assert missing.status_code == 404
    assert missing.json() == {"code": "not_found", "message": "Order was not found.", "fields": {}}


def test_actions_move_the_order_write_the_timeline_and_publish(
    api, ops_user, bearer, paid_order, capture_broadcasts, followers
):
    followers.discard("ops.dashboard")  # a dashboard is open somewhere
    token = bearer(ops_user, "orders:read", "orders:write")
    url = f"{URL}/{paid_order.number}/actions"

    with capture_broadcasts() as sent:
        packed = post(api, url, {"action": "packed", "seen_status": "paid"}, token)
    assert packed.status_code == 200
    assert packed.json()["applied"] is True
    assert packed.json()["message"] == f"Order {paid_order.number} marked packed."
    assert packed.json()["order"]["status"] == "packed"
    assert packed.json()["order"]["timeline"][-1]["actor"] == ops_user.email
    topics = {topic for topic, _html in sent}
    assert {f"order.{paid_order.pk}", "ops.dashboard"} <= topics

    no_tracking = post(api, url, {"action": "shipped"}, token)
    assert no_tracking.status_code == 422
    assert no_tracking.json()["message"] == "Enter the tracking number to mark the order shipped."
    shipped = post(api, url, {"action": "shipped", "tracking_number": "1Z999"}, token)
    assert shipped.json()["message"] == f"Order {paid_order.number} marked shipped (tracking 1Z999)."
    again = post(api, url, {"action": "shipped", "tracking_number": "1Z999"}, token)
    assert (again.status_code, again.json()["applied"]) == (200, False)
    stale = post(api, url, {"action": "delivered", "seen_status": "paid"}, token)
    assert stale.status_code == 422
    assert stale.json()["code"] == "not_applied"
    assert post(api, url, {"action": "explode"}, token).status_code == 422
    assert post(api, f"{URL}/LS-0000-0000/actions", {"action": "packed"}, token).status_code == 404

    order = Order.objects.get(pk=paid_order.pk)
    assert (order.status, order.tracking_number) == (S.SHIPPED, "1Z999")
    moves = OrderEvent.objects.filter(order=order, kind__in=["packed", "shipped"])
    assert [(e.kind, e.actor) for e in moves] == [("packed", ops_user), ("shipped", ops_user)]


def test_a_read_only_staff_token_cannot_refund(api, ops_user, bearer, paid_order):
    answer = post(
        api, f"{URL}/{paid_order.number}/refunds", {"request_key": uuid4().hex}, bearer(ops_user, "orders:read")
    )
    assert answer.status_code == 403
    assert answer.json()["code"] == "scope_missing"
    assert not Refund.objects.exists()
    assert Order.objects.get(pk=paid_order.pk).status == S.PAID


def test_a_refund_sent_twice_with_one_key_is_sent_once(api, ops_user, bearer, paid_order, tee):
    token = bearer(ops_user, "orders:write")
    url = f"{URL}/{paid_order.number}/refunds"
    form = {"amount": "10.00", "reason": "Scuffed", "request_key": uuid4().hex}

    first = post(api, url, form, token)
    second = post(api, url, form, token)

    assert first.status_code == 200, first.json()
    assert first.json()["applied"] is True
    assert first.json()["message"] == f"Refunded 10.00 USD for order {paid_order.number}."
    assert first.json()["order"]["totals"]["refundable"] == "38.00"
    assert (second.status_code, second.json()["applied"]) == (200, False)
    assert list(Refund.objects.values_list("amount_minor", "reason", "created_by")) == [(1000, "Scuffed", ops_user.pk)]
    too_much = post(api, url, {**form, "request_key": uuid4().hex, "amount": "38.01"}, token)
    assert too_much.status_code == 422
    line = paid_order.lines.get()
    by_line = post(api, url, {"lines": [{"line": line.pk, "quantity": 1}], "request_key": uuid4().hex}, token)
    assert by_line.status_code == 200, by_line.json()
    assert by_line.json()["order"]["lines"][0]["quantity_left"] == 1
    rest = post(api, url, {"request_key": uuid4().hex}, token)
    assert rest.json()["message"] == f"Refunded 14.00 USD for order {paid_order.number}."
    assert Order.objects.get(pk=paid_order.pk).status == S.REFUNDED
    assert Variant.objects.get(pk=tee.pk).stock == 5  # not shipped: back on sale
    assert post(api, url, {"amount": "NaN", "request_key": uuid4().hex}, token).status_code == 422
    assert post(api, url, {"amount": "1.00"}, token).json()["fields"] == {"request_key": ["Field required"]}


def test_a_role_withdrawn_disables_the_staff_scopes(api, ops_user, bearer, paid_order):
    token = bearer(ops_user, "orders:read", "orders:write")
    assert api.get(URL, **token).status_code == 200
    ops_user.groups.remove(Group.objects.get(name="ops"))
    assert api.get(URL, **token).status_code == 403
    answer = post(api, f"{URL}/{paid_order.number}/actions", {"action": "packed"}, token)
    assert answer.status_code == 403
    assert Order.objects.get(pk=paid_order.pk).status == S.PAID
