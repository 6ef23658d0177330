from celery import shared_task

from . import services
from .errors import DeliveryError


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(DeliveryError,),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=6,
)
def deliver(notification_pk: int) -> str:
    """Deliver one outbox row (idempotent: a row already claimed or sent is skipped)."""
    return services.notification_deliver(pk=notification_pk)


@shared_task(acks_late=True)
def sweep() -> int:
    """Periodic: re-queue rows a lost enqueue or a killed worker left behind."""
    return services.notifications_sweep()
