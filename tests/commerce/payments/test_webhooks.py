import threading
import time

import pytest
from django.db import connection
from django.test import Client

from commerce.catalog.models import Variant
from commerce.orders.models import Order, OrderEvent
from commerce.payments.models import Payment, Refund, StripeEvent
from tests.fake_stripe import event_payload, intent_object, sign

URL = "/payments/stripe/webhook/"
SECRET = "whsec_test_secret"
S = Order.Status


@pytest.fixture(autouse=True)
def webhook_secret(settings):  # type: ignore[no-untyped-def]
    settings.STRIPE_WEBHOOK_SECRET = SECRET


def post(client: Client, body: bytes, *, secret: str = SECRET, timestamp: int | None = None, header: str | None = None):  # type: ignore[no-untyped-def]
    signature = header if header is not None else sign(body, secret, timestamp)
    return client.post(URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)


def succeeded(payment: Payment, *, event_id: str = "evt_ok_1", amount: int | None = None) -> bytes:
    obj = intent_object(payment.intent_id, amount=payment.amount_minor if amount is None else amount)
    return event_payload("payment_intent.succeeded", obj, event_id=event_id)


def failed(payment: Payment, *, event_id: str = "evt_fail_1") -> bytes:
    obj = intent_object(
        payment.intent_id,
        amount=payment.amount_minor,
        status="requires_payment_method",
        error="Your card was declined.",
    )
    return event_payload("payment_intent.payment_failed", obj, event_id=event_id)


def kinds(order: Order) -> list[str]:
    return list(OrderEvent.objects.filter(order=order).order_by("pk").values_list("kind", flat=True))


@pytest.mark.django_db
class TestSignature:
    def test_valid_signature_pays_the_order(self, client, order, payment):
        response = post(client, succeeded(payment))

        assert response.status_code == 200
        order.refresh_from_db()
        payment.refresh_from_db()
        assert order.status == S.PAID
        assert payment.status == Payment.Status.SUCCEEDED
        event = StripeEvent.objects.get()
        assert (event.event_id, event.type) == ("evt_ok_1", "payment_intent.succeeded")
        assert event.processed_at is not None
        assert kinds(order) == ["placed", "paid"]

    def test_tampered_body_is_refused_and_changes_nothing(self, client, order, payment):
        body = succeeded(payment)
        signature = sign(body, SECRET)
        tampered = body.replace(b'"amount": 4800', b'"amount": 1')

        response = post(client, tampered, header=signature)

        assert response.status_code == 400
        assert StripeEvent.objects.count() == 0
        order.refresh_from_db()
        assert order.status == S.PENDING_PAYMENT

    def test_wrong_secret_is_refused(self, client, order, payment):
        response = post(client, succeeded(payment), secret="whsec_someone_else")

        assert response.status_code == 400
        assert StripeEvent.objects.count() == 0

    def test_signature_older_than_five_minutes_is_refused(self, client, order, payment):
        response = post(client, succeeded(payment), timestamp=int(time.time()) - 301)

        assert response.status_code == 400
        assert StripeEvent.objects.count() == 0

    def test_missing_signature_is_refused(self, client, order, payment):
        response = client.post(URL, data=succeeded(payment), content_type="application/json")

        assert response.status_code == 400

    def test_signed_but_not_json_is_refused(self, client, db):
        response = post(client, b"not json")

        assert response.status_code == 400
        assert StripeEvent.objects.count() == 0

    def test_get_is_not_allowed(self, client, db):
        assert client.get(URL).status_code == 405


@pytest.mark.django_db
class TestDispatch:
    def test_replayed_event_has_one_effect(self, client, order, payment, tee):
        body = succeeded(payment)

        first, second = post(client, body), post(client, body)

        assert (first.status_code, second.status_code) == (200, 200)
        assert StripeEvent.objects.count() == 1
        assert kinds(order) == ["placed", "paid"]
        tee.refresh_from_db()
        assert tee.stock == 3

    def test_failed_after_succeeded_stays_paid(self, client, order, payment):
        post(client, succeeded(payment))

        response = post(client, failed(payment))

        assert response.status_code == 200
        order.refresh_from_db()
        payment.refresh_from_db()
        assert order.status == S.PAID
        assert payment.status == Payment.Status.SUCCEEDED
        assert kinds(order) == ["placed", "paid"]
        assert StripeEvent.objects.count() == 2

    def test_failed_payment_is_noted_and_the_order_still_waits(self, client, order, payment):
        response = post(client, failed(payment))

        assert response.status_code == 200
        order.refresh_from_db()
        payment.refresh_from_db()
        assert order.status == S.PENDING_PAYMENT
        assert payment.status == Payment.Status.FAILED
        assert payment.last_error == "Your card was declined."
        assert kinds(order) == ["placed", "payment_failed"]

    def test_unknown_type_is_acknowledged_and_ignored(self, client, order, payment):
        body = event_payload("customer.created", {"id": "cus_1", "object": "customer"}, event_id="evt_cus_1")

        response = post(client, body)

        assert response.status_code == 200
        assert StripeEvent.objects.get().type == "customer.created"
        order.refresh_from_db()
        assert order.status == S.PENDING_PAYMENT

    def test_amount_mismatch_does_not_pay(self, client, order, payment):
        response = post(client, succeeded(payment, amount=100))

        assert response.status_code == 200
        order.refresh_from_db()
        assert order.status == S.PENDING_PAYMENT
        assert kinds(order) == ["placed", "payment_mismatch"]

    def test_intent_that_is_not_ours_is_acknowledged(self, client, db):
        body = event_payload(
            "payment_intent.succeeded", intent_object("pi_elsewhere", amount=100), event_id="evt_elsewhere"
        )

        assert post(client, body).status_code == 200
        assert StripeEvent.objects.get().processed_at is not None

    def test_payment_after_the_hold_expired_is_refunded(
        self, client, order, payment, monkeypatch, django_capture_on_commit_callbacks
    ):
        from commerce.orders.services import order_cancel
        from commerce.payments import tasks

        order_cancel(order=order, actor=None, note="Hold expired.")
        refunded: list[int] = []
        monkeypatch.setattr(tasks.refund_unowed_payment, "delay", lambda pk: refunded.append(pk))

        with django_capture_on_commit_callbacks(execute=True):
            response = post(client, succeeded(payment))

        assert response.status_code == 200
        order.refresh_from_db()
        assert order.status == S.CANCELLED
        assert refunded == [payment.pk]
        assert "payment_after_cancel" in kinds(order)

    def test_charge_refunded_in_full_settles_the_refund_and_the_order(self, client, order, payment, tee):
        post(client, succeeded(payment))
        refund = Refund.objects.create(payment=payment, amount_minor=4800)
        charge = {
            "id": "ch_1",
            "object": "charge",
            "payment_intent": payment.intent_id,
            "amount": 4800,
            "amount_refunded": 4800,
            "refunded": True,
            "refunds": {
                "object": "list",
                "data": [{"id": "re_1", "amount": 4800, "status": "succeeded", "metadata": {"refund": str(refund.pk)}}],
            },
        }

        response = post(client, event_payload("charge.refunded", charge, event_id="evt_ref_1"))

        assert response.status_code == 200
        refund.refresh_from_db()
        order.refresh_from_db()
        tee.refresh_from_db()
        assert (refund.stripe_refund_id, refund.status) == ("re_1", Refund.Status.SUCCEEDED)
        assert order.status == S.REFUNDED
        assert tee.stock == 5  # not shipped: back on the shelf


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_copies_have_one_effect(order, payment, tee):
    body = succeeded(payment, event_id="evt_race")
    signature = sign(body, SECRET)
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def deliver() -> None:
        try:
            barrier.wait()
            response = Client().post(URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [200, 200]
    assert StripeEvent.objects.filter(event_id="evt_race").count() == 1
    assert list(OrderEvent.objects.filter(order=order).order_by("pk").values_list("kind", flat=True)) == [
        "placed",
        "paid",
    ]
    assert Variant.objects.get(pk=tee.pk).stock == 3
    assert Order.objects.get(pk=order.pk).status == S.PAID
