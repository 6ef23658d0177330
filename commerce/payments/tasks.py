from celery import shared_task

from . import refunds, services
from .errors import PaymentError

# Retries of a task, each after refunds.retry_countdown (30 s doubling, at most an hour: about 12 h
# in all); beat's sweep (payments_sweep, every 5 minutes) takes over after that.
MAX_RETRIES = 16


@shared_task(acks_late=True, bind=True, max_retries=MAX_RETRIES)
def refund_unowed_payment(self, payment_pk: int) -> int | None:  # type: ignore[no-untyped-def]
    """Refund a payment that arrived after its order was cancelled (safe to run twice)."""
    try:
        refund = refunds.refund_unowed(payment_pk=payment_pk)
    except PaymentError as error:
        if not error.retryable:
            return None  # refused by Stripe: recorded on the Refund row, listed for a person
        raise self.retry(exc=error, countdown=refunds.retry_countdown(self.request.retries)) from error
    return refund.pk if refund is not None else None


@shared_task(acks_late=True, bind=True, max_retries=MAX_RETRIES)
def refund_retry(self, refund_pk: int) -> str:  # type: ignore[no-untyped-def]
    """Send an unsent refund again, with its own idempotency key, until Stripe answers for good
    (safe to run twice, and at once: the row is claimed for each call). Returns its status."""
    try:
        refund = refunds.refund_resend(refund_pk=refund_pk)
    except PaymentError as error:
        if not error.retryable:
            return "failed"  # refused by Stripe: the row is failed, with Stripe's message
        raise self.retry(exc=error, countdown=refunds.retry_countdown(self.request.retries + 1)) from error
    return str(refund.status)


@shared_task(acks_late=True, bind=True, max_retries=MAX_RETRIES)
def order_intents_cancel(self, order_pk: int) -> int:  # type: ignore[no-untyped-def]
    """Cancel at Stripe the open intents of a cancelled order (safe to run twice)."""
    try:
        return services.order_intents_cancel(order_pk=order_pk)
    except PaymentError as error:
        if not error.retryable:
            raise
        raise self.retry(exc=error, countdown=refunds.retry_countdown(self.request.retries)) from error


@shared_task(acks_late=True)
def payments_sweep() -> int:
    """Periodic: unsent refunds, unrefunded late payments and open intents of cancelled orders
    whose queued task was lost or gave up."""
    return services.payments_sweep()


@shared_task(acks_late=True)
def refunds_unowed_sweep() -> int:
    """The sweep's former name, for messages queued before a deploy."""
    return services.payments_sweep()
