from celery import shared_task

from . import links, services


@shared_task(acks_late=True)
def release_expired_holds() -> int:
    """Periodic: cancel orders whose stock hold expired and give the stock back (idempotent)."""
    return services.holds_release_expired()


@shared_task(
    acks_late=True, autoretry_for=(OSError,), retry_backoff=5, retry_backoff_max=600, retry_jitter=True, max_retries=6
)
def send_order_link(order_pk: int) -> None:
    """Email a guest a fresh link to their order (asked for at /orders/lookup/)."""
    links.order_link_send(order_pk=order_pk)
