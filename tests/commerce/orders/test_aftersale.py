"""After the sale, from the order page: the owner cancels an unpaid or unpacked order, asks to return
items of a delivered one within the window; and ops answer the return. Bad input changes nothing."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from commerce.catalog.models import Variant
from commerce.notifications.models import Notification
from commerce.orders.models import Order, OrderEvent, ReturnRequest
from commerce.orders.services import order_transition
from commerce.payments.models import Refund
from tests.breakdown_orders import SOCK, TEE, order_with_breakdown
from tests.commerce.ops.helpers import signed_in
from tests.factories import OrderFactory, UserFactory, VariantFactory

pytestmark = pytest.mark.django_db
S = Order.Status
K = OrderEvent.Kind


@pytest.fixture
def buyer(db):  # type: ignore[no-untyped-def]
    return UserFactory(email="buyer@example.com")


@pytest.fixture
def me(buyer) -> Client:  # type: ignore[no-untyped-def]
    return signed_in(buyer, htmx=True)


def post(client: Client, order: Order, what: str, **data: str):  # type: ignore[no-untyped-def]
    return client.post(reverse(f"orders:{what}", args=[order.number]), data, HTTP_HX_TARGET="order-after-sale")


def kinds(order: Order) -> list[str]:
    return list(order.events.order_by("pk").values_list("kind", flat=True))


def delivered(user, clock):  # type: ignore[no-untyped-def]
    """TEE (2 × 20.00, 4.00 off, 2.88 tax: 38.88 back) and SOCK (3 × 3.33, 0.80 tax), delivered now."""
    order = order_with_breakdown(TEE, SOCK, user=user)
    for step in (S.PACKED, S.SHIPPED, S.DELIVERED):
        order = order_transition(order=order, to=step, actor=None, tracking_number="TRK1")
    return order


# Cancellation


def test_the_owner_cancels_an_unpaid_order_and_its_stock_comes_back(me, buyer, capture_broadcasts):
    variant = VariantFactory(stock=5, price="10.00")
    order = OrderFactory(user=buyer, variant=variant, quantity=2)
    page = me.get(order.get_absolute_url()).content.decode()
    assert "Cancel order…" in page

    with capture_broadcasts() as sent:
        answer = post(me, order, "cancel")

    assert answer.status_code == 200
    assert "Your order is cancelled; you were not charged for it." in answer.content.decode()
    order.refresh_from_db()
    assert order.status == S.CANCELLED
    assert Variant.objects.get(pk=variant.pk).stock == 5
    assert kinds(order)[-1] == K.CANCELLED
    assert f"order.{order.pk}" in [topic for topic, _ in sent]


def test_the_owner_cancels_a_paid_order_and_is_refunded_in_full(me, buyer, stripe_settings):
    variant = VariantFactory(stock=5, price="24.00")
    order = OrderFactory(user=buyer, variant=variant, quantity=2, paid=True, at_stripe=True)

    answer = post(me, order, "cancel")
    again = post(me, order, "cancel")

    assert answer.status_code == 200
    assert "cancelled and refunded in full" in answer.content.decode()
    order.refresh_from_db()
    assert order.status == S.REFUNDED
    assert Variant.objects.get(pk=variant.pk).stock == 5
    refund = Refund.objects.get()
    assert (refund.amount_minor, refund.status) == (4800, "succeeded")
    assert again.status_code == 422  # refunded now: nothing more
    assert Refund.objects.count() == 1


@pytest.mark.parametrize("status", [S.PACKED, S.SHIPPED, S.DELIVERED])
def test_a_packed_or_shipped_order_cannot_be_cancelled(me, buyer, status):
    variant = VariantFactory(stock=5, price="10.00")
    order = OrderFactory(user=buyer, variant=variant, status=status, tracking_number="T1")
    before = kinds(order)

    answer = post(me, order, "cancel")

    assert answer.status_code == 422
    assert "can no longer be cancelled. Nothing was changed." in answer.content.decode()
    order.refresh_from_db()
    assert order.status == status
    assert kinds(order) == before
    assert Variant.objects.get(pk=variant.pk).stock == 4


def test_another_persons_order_is_a_404_and_csrf_is_required(buyer):
    order = OrderFactory(user=buyer)
    stranger = signed_in(UserFactory(email="stranger@example.com"))
    assert stranger.post(reverse("orders:cancel", args=[order.number])).status_code == 404
    assert stranger.post(reverse("orders:return", args=[order.number]), {"reason": "x"}).status_code == 404
    guest = Client()
    assert guest.post(reverse("orders:cancel", args=[order.number])).status_code == 404
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(buyer)
    assert strict.post(reverse("orders:cancel", args=[order.number])).status_code == 403
    order.refresh_from_db()
    assert order.status == S.PENDING_PAYMENT


def test_staff_who_may_view_an_order_still_cannot_cancel_it_for_its_owner(buyer):
    from django.contrib.auth.models import Group

    order = OrderFactory(user=buyer)
    staff = UserFactory(email="sue@example.com", is_staff=True)
    staff.groups.add(Group.objects.get_or_create(name="support")[0])
    client = signed_in(staff)
    assert client.get(order.get_absolute_url()).status_code == 200
    assert client.post(reverse("orders:cancel", args=[order.number])).status_code == 404
    order.refresh_from_db()
    assert order.status == S.PENDING_PAYMENT


def test_a_guest_cancels_from_the_session_that_placed_the_order(client):
    variant = VariantFactory(stock=3, price="24.00")
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 1})
    client.post(reverse("orders:checkout"), {"email": "g@example.com", **_address()})
    client.post(reverse("orders:place"))
    order = Order.objects.get()

    answer = client.post(reverse("orders:cancel", args=[order.number]))

    assert answer.status_code == 302
    order.refresh_from_db()
    assert order.status == S.CANCELLED


def _address() -> dict[str, str]:
    from tests.factories import ADDRESS

    return dict(ADDRESS)


# Returns


def test_a_return_request_approved_received_and_refunded_by_line(me, buyer, clock, stripe_settings):
    order = delivered(buyer, clock)
    tee = order.lines.get(product_name="Canopy Tee")
    page = me.get(order.get_absolute_url()).content.decode()
    assert "Request return" in page

    clock.advance(days=29)
    asked = post(me, order, "return", **{f"line-{tee.pk}": "2", "reason": "Too small"})

    assert asked.status_code == 200, asked.content.decode()
    request = ReturnRequest.objects.get()
    assert (request.status, request.reason, request.requested_by) == ("requested", "Too small", buyer)
    assert [(line.order_line_id, line.quantity) for line in request.lines.all()] == [(tee.pk, 2)]
    assert kinds(order)[-1] == K.RETURN_REQUESTED
    assert "Waiting for approval" in asked.content.decode()

    staff = UserFactory(email="oli@example.com", is_staff=True)
    from django.contrib.auth.models import Group

    staff.groups.add(Group.objects.get_or_create(name="ops")[0])
    ops = signed_in(staff, htmx=True)
    url = reverse("ops:return", args=[order.number])
    assert "Approve return" in ops.get(reverse("ops:order", args=[order.number])).content.decode()
    feed = ops.get(reverse("ops:dashboard")).content.decode()
    assert f'data-order="{order.number}" data-status="delivered" data-return="requested">' in feed
    assert "Return requested" in feed
    assert ops.post(url, {"action": "approve", "note": "Send it back"}).status_code == 200
    assert ops.post(url, {"action": "receive", "restock": "yes"}).status_code == 422  # not confirmed
    stock = tee.variant.stock if tee.variant else 0
    received = ops.post(url, {"action": "receive", "restock": "yes", "confirm": "yes"})
    twice = ops.post(url, {"action": "receive", "restock": "yes", "confirm": "yes"})

    assert received.status_code == 200
    assert "Return received and back in stock; refunded 38.88 USD." in received.content.decode()
    assert twice.status_code == 422
    refund = Refund.objects.get()
    assert refund.amount_minor == 3888  # 40.00 - 4.00 + 2.88 tax
    assert [(r.order_line_id, r.quantity) for r in refund.lines.all()] == [(tee.pk, 2)]
    assert Variant.objects.get(pk=tee.variant_id).stock == stock + 2
    request.refresh_from_db()
    assert (request.status, request.decided_by, request.note) == ("received", staff, "Send it back")
    order.refresh_from_db()
    assert order.status == S.DELIVERED
    assert [k for k in kinds(order) if k.startswith("return") or k in {"restocked", "refund_partial"}] == [
        K.RETURN_REQUESTED,
        K.RETURN_APPROVED,
        K.RETURN_RECEIVED,
        K.RESTOCKED,
        K.REFUND_PARTIAL,
    ]
    subjects = list(
        Notification.objects.filter(idempotency_key__contains=":return:", channel="email")
        .order_by("pk")
        .values_list("subject", flat=True)
    )
    assert subjects == [
        f"We have your return request: order {order.number}",
        f"Your return is approved: order {order.number}",
        f"We received your return: order {order.number}",
    ]
    # The tee is all returned: only the socks are left to return.
    page = me.get(order.get_absolute_url()).content.decode()
    assert f'name="line-{tee.pk}"' not in page


def test_staff_refuse_a_return_and_the_items_can_be_asked_for_again(me, buyer, clock, stripe_settings):
    order = delivered(buyer, clock)
    sock = order.lines.get(product_name="Trail Sock")
    assert post(me, order, "return", **{f"line-{sock.pk}": "1", "reason": "Wrong colour"}).status_code == 200
    assert post(me, order, "return", **{f"line-{sock.pk}": "1", "reason": "Again"}).status_code == 422  # one open
    from commerce.orders.returns import return_decide

    return_decide(order=order, actor=UserFactory(), approve=False, note="Worn")

    assert ReturnRequest.objects.get().status == "refused"
    assert kinds(order)[-1] == K.RETURN_REFUSED
    assert post(me, order, "return", **{f"line-{sock.pk}": "3", "reason": "Wrong colour"}).status_code == 200


@pytest.mark.parametrize(
    ("days", "quantity", "message"),
    [
        (31, "1", "The return window for this order closed on"),
        (1, "3", "Only 2 of Canopy Tee — M can be returned."),
        (1, "0", "Choose how many of an item to return."),
        (1, "-1", "is not a number of items"),
        (1, "1.5", "is not a number of items"),
    ],
)
def test_bad_returns_are_422_and_change_nothing(me, buyer, clock, stripe_settings, days, quantity, message):
    order = delivered(buyer, clock)
    tee = order.lines.get(product_name="Canopy Tee")
    before = kinds(order)
    clock.advance(days=days)

    answer = post(me, order, "return", **{f"line-{tee.pk}": quantity, "reason": "Too small"})

    assert answer.status_code == 422
    assert message in answer.content.decode()
    assert not ReturnRequest.objects.exists()
    assert kinds(order) == before


def test_a_return_needs_a_reason_a_line_of_this_order_and_a_delivered_order(me, buyer, clock, stripe_settings):
    order = delivered(buyer, clock)
    tee = order.lines.get(product_name="Canopy Tee")
    other = OrderFactory(user=buyer, paid=True)
    assert post(me, order, "return", **{f"line-{tee.pk}": "1", "reason": " "}).status_code == 422
    assert post(me, order, "return", **{f"line-{other.lines.get().pk}": "1", "reason": "x"}).status_code == 422
    assert post(me, other, "return", **{f"line-{other.lines.get().pk}": "1", "reason": "x"}).status_code == 422
    assert not ReturnRequest.objects.exists()


def test_the_window_counts_from_delivery(buyer, clock, stripe_settings, settings):
    from commerce.orders.aftersale import after_sale

    settings.RETURN_WINDOW_DAYS = 30
    order = delivered(buyer, clock)
    delivered_at = order.events.get(kind=K.DELIVERED).created_at
    assert after_sale(order).window_ends == delivered_at + timedelta(days=30)
    assert after_sale(order, now=delivered_at + timedelta(days=30)).can_return
    assert not after_sale(order, now=delivered_at + timedelta(days=30, seconds=1)).can_return
