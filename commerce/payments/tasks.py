from celery import shared_task

from . import services
from .errors import PaymentError


@shared_task(acks_late=True, bind=True, max_retries=8)
def refund_unowed_payment(self, payment_pk: int) -> int | None:  # type: ignore[no-untyped-def]
    """Refund a payment that arrived after its order was cancelled (safe to run twice)."""
    try:
        refund = services.refund_unowed(payment_pk=payment_pk)
    except PaymentError as error:
        if not error.retryable:
            raise
        raise self.retry(exc=error, countdown=min(30 * 2**self.request.retries, 3600)) from error
    return refund.pk if refund is not None else None


@shared_task(acks_late=True)
def refunds_unowed_sweep() -> int:
    """Periodic: refunds of late payments whose queued task was lost (a broker outage)."""
    return services.refunds_unowed_sweep()
