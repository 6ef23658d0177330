from celery import shared_task

from . import services


@shared_task(acks_late=True, reject_on_worker_lost=True)
def deliver(delivery_pk: int) -> str:
    """POST one delivery if it is due (idempotent: one not due, or claimed by another run, is skipped).

    The retry policy lives in the delivery row (attempts, next_attempt_at): a failure queues this
    task again with a countdown, and the sweep finds any that were lost.
    """
    return services.delivery_send(pk=delivery_pk)


@shared_task(acks_late=True)
def sweep() -> int:
    """Periodic: re-queue deliveries a lost enqueue or a killed worker left behind."""
    return services.webhooks_sweep()
