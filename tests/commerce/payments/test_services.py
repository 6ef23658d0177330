"""Payment services against a real localstripe (tests/conftest.py starts it once per session)."""

import pytest
import stripe

from commerce.orders.models import Order, OrderEvent
from commerce.orders.services import order_cancel
from commerce.payments import refunds, services, stripe_client
from commerce.payments.errors import PaymentError
from commerce.payments.models import Payment, Refund
from tests.factories import UserFactory
from tests.fake_stripe import dead_base, pay_at_stripe, stripe_api

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("stripe_settings")]
S = Order.Status


class TestStart:
    def test_creates_an_intent_for_the_order_total(self, order):
        payment = services.payment_start(order=order)

        intent = stripe_api().v1.payment_intents.retrieve(payment.intent_id)
        assert (intent.amount, intent.currency) == (4800, "usd")
        assert intent.metadata["order"] == order.number
        assert payment.client_secret == intent.client_secret
        assert (payment.amount_minor, payment.currency, payment.status) == (4800, "USD", "requires_payment")

    def test_starting_twice_gives_the_same_intent(self, order):
        first = services.payment_start(order=order)
        second = services.payment_start(order=order)

        assert second.pk == first.pk
        assert second.intent_id == first.intent_id
        assert Payment.objects.filter(order=order).count() == 1

    def test_a_cancelled_intent_gets_a_new_attempt_with_a_new_key(self, order, monkeypatch):
        first = services.payment_start(order=order)
        stripe_api().v1.payment_intents.cancel(first.intent_id)
        keys: list[str] = []
        real = stripe_client.intent_create

        def spy(**kwargs):  # type: ignore[no-untyped-def]
            keys.append(
                stripe_client.intent_idempotency_key(order_number=kwargs["order_number"], attempt=kwargs["attempt"])
            )
            return real(**kwargs)

        monkeypatch.setattr(stripe_client, "intent_create", spy)

        second = services.payment_start(order=order)

        assert second.intent_id != first.intent_id
        assert keys == [f"order-{order.number}-pi-v2"]
        first.refresh_from_db()
        assert first.status == Payment.Status.CANCELED

    def test_the_idempotency_key_is_derived_from_the_order(self, order, monkeypatch):
        sent: list[tuple[str, str | None]] = []
        real = stripe.RequestsClient.request_with_retries

        def spy(self, method, url, headers=None, post_data=None, *args, **kwargs):  # type: ignore[no-untyped-def]
            sent.append((method, (headers or {}).get("Idempotency-Key")))
            return real(self, method, url, headers, post_data, *args, **kwargs)

        monkeypatch.setattr(stripe.RequestsClient, "request_with_retries", spy)

        services.payment_start(order=order)

        assert ("post", f"order-{order.number}-pi-v1") in sent

    def test_unreachable_stripe_is_a_retryable_error_and_the_hold_stays(self, order, settings, tee):
        settings.STRIPE_API_BASE = dead_base()

        with pytest.raises(PaymentError) as err:
            services.payment_start(order=order)

        assert err.value.retryable is True
        assert err.value.code == "provider_unavailable"
        assert Payment.objects.count() == 0
        order.refresh_from_db()
        tee.refresh_from_db()
        assert order.status == S.PENDING_PAYMENT
        assert tee.stock == 3
        assert order.hold.is_active

    def test_an_order_not_awaiting_payment_is_refused(self, order):
        order_cancel(order=order, actor=None)

        with pytest.raises(PaymentError) as err:
            services.payment_start(order=order)

        assert err.value.code == "not_payable"
        assert err.value.message == "This order cannot be paid: it is cancelled."
        assert err.value.retryable is False


class TestSync:
    def test_sync_after_paying_marks_the_order_paid_once(self, order):
        payment = services.payment_start(order=order)
        pay_at_stripe(payment)

        services.payment_sync(order=order)
        services.payment_sync(order=order)

        order.refresh_from_db()
        payment.refresh_from_db()
        assert order.status == S.PAID
        assert payment.status == Payment.Status.SUCCEEDED
        assert list(order.events.values_list("kind", flat=True)) == ["placed", "paid"]

    def test_sync_before_paying_changes_nothing(self, order):
        services.payment_start(order=order)

        services.payment_sync(order=order)

        order.refresh_from_db()
        assert order.status == S.PENDING_PAYMENT

    def test_declined_card_is_noted_and_the_same_intent_can_be_retried(self, order):
        payment = services.payment_start(order=order)
        with pytest.raises(stripe.CardError):
            pay_at_stripe(payment, card="pm_card_chargeCustomerFail")

        services.payment_sync(order=order)

        payment.refresh_from_db()
        order.refresh_from_db()
        assert payment.status == Payment.Status.FAILED
        assert payment.last_error == "Your card was declined."
        assert order.status == S.PENDING_PAYMENT
        assert list(order.events.values_list("kind", flat=True)) == ["placed", "payment_failed"]
        assert services.payment_start(order=order).pk == payment.pk

    def test_test_token_flow_pays(self, order):
        token = stripe_api().v1.tokens.create(
            {"card": {"number": "4242424242424242", "exp_month": "12", "exp_year": "2030", "cvc": "123"}}
        )

        intent = services.payment_confirm_with_test_token(order=order, token_id=token.id)

        assert intent.status == "succeeded"
        order.refresh_from_db()
        assert order.status == S.PAID


class TestRefund:
    def test_full_refund_refunds_the_order_and_restocks(self, paid_order, tee):
        order = paid_order
        payment = order.payments.get()
        staff = UserFactory(is_staff=True)

        refund = refunds.refund_create(order=order, amount_minor=None, actor=staff, reason="Changed mind")

        assert (refund.amount_minor, refund.status, refund.created_by) == (4800, Refund.Status.SUCCEEDED, staff)
        assert refund.stripe_refund_id is not None
        assert refund.stripe_refund_id.startswith("re_")
        at_stripe = stripe_api().v1.refunds.retrieve(refund.stripe_refund_id)
        assert (at_stripe.amount, at_stripe.payment_intent) == (4800, payment.intent_id)
        order.refresh_from_db()
        tee.refresh_from_db()
        assert order.status == S.REFUNDED
        assert tee.stock == 5
        assert OrderEvent.objects.filter(order=order, kind="refunded", actor=staff).exists()

    def test_partial_refunds_add_up_to_a_full_one(self, paid_order):
        order = paid_order
        payment = order.payments.get()

        first = refunds.refund_create(order=order, amount_minor=1000, actor=None)
        order.refresh_from_db()
        assert order.status == S.PAID
        assert refunds.refundable_minor(payment=payment) == 3800

        with pytest.raises(PaymentError) as err:
            refunds.refund_create(order=order, amount_minor=3801, actor=None)
        assert err.value.code == "bad_refund_amount"

        second = refunds.refund_create(order=order, amount_minor=3800, actor=None)

        assert [first.status, second.status] == [Refund.Status.SUCCEEDED, Refund.Status.SUCCEEDED]
        order.refresh_from_db()
        assert order.status == S.REFUNDED
        assert refunds.refundable_minor(payment=payment) == 0

    def test_each_partial_refund_is_emailed_once_and_the_last_as_the_whole_refund(self, paid_order):
        from commerce.notifications.models import Notification

        order = paid_order
        first = refunds.refund_create(order=order, amount_minor=1000, actor=None)
        refunds.refund_apply(refund_pk=first.pk, stripe_refund_id=first.stripe_refund_id, stripe_status="succeeded")
        refunds.refund_create(order=order, amount_minor=3800, actor=None)

        sent = Notification.objects.filter(recipient=order.email, event="order_refunded").order_by("pk")
        assert [row.subject for row in sent] == [
            f"Part of your order was refunded: order {order.number}",
            f"Your order was refunded: order {order.number}",
        ]
        assert "Refunded $10.00" in sent[0].body_text

    def test_an_unpaid_order_cannot_be_refunded(self, order):
        with pytest.raises(PaymentError) as err:
            refunds.refund_create(order=order, amount_minor=None, actor=None)

        assert err.value.code == "not_refundable"

    def test_unreachable_stripe_leaves_the_refund_pending_then_it_can_be_sent_again(self, paid_order, settings):
        order = paid_order
        base = settings.STRIPE_API_BASE
        settings.STRIPE_API_BASE = dead_base()

        refund = refunds.refund_create(order=order, amount_minor=500, actor=None)

        assert (refund.status, refund.stripe_refund_id, refund.attempts) == (Refund.Status.PENDING, None, 1)
        assert refund.last_error == "Stripe could not be reached."
        assert refund.claimed_until is None  # the next try may take it at once
        settings.STRIPE_API_BASE = base
        refund = refunds.refund_send(refund=refund)
        assert refund.status == Refund.Status.SUCCEEDED

    def test_a_payment_after_cancellation_is_refunded_in_full(self, order):
        payment = services.payment_start(order=order)
        order_cancel(order=order, actor=None, note="Hold expired.")
        pay_at_stripe(payment)
        services.payment_sync(order=order)  # schedules the refund after commit (a Celery task)

        refund = refunds.refund_unowed(payment_pk=payment.pk)

        assert refund is not None
        assert (refund.amount_minor, refund.status) == (4800, Refund.Status.SUCCEEDED)
        order.refresh_from_db()
        assert order.status == S.CANCELLED
        assert refunds.refund_unowed(payment_pk=payment.pk) is None  # twice: nothing more

    def test_a_lost_refund_enqueue_is_found_by_the_sweep(self, order, settings, django_capture_on_commit_callbacks):
        from datetime import timedelta

        from django.utils import timezone

        payment = services.payment_start(order=order)
        order_cancel(order=order, actor=None, note="Hold expired.")
        pay_at_stripe(payment)
        services.payment_sync(order=order)  # its on-commit task never runs in this test: a lost enqueue
        assert not Refund.objects.exists()

        assert services.payments_sweep() == 0  # within the grace period the queued task has the job
        later = timezone.now() + timedelta(seconds=settings.REFUND_SWEEP_GRACE_SECONDS + 1)
        with django_capture_on_commit_callbacks(execute=True):  # queued after commit; eager here: it runs
            assert services.payments_sweep(now=later) == 1

        refund = Refund.objects.get()
        assert (refund.payment, refund.amount_minor, refund.status) == (payment, 4800, Refund.Status.SUCCEEDED)
        assert services.payments_sweep(now=later) == 0  # refunded: nothing more to do
