from celery import shared_task

from . import services


@shared_task(acks_late=True)
def release_expired_holds() -> int:
    """Periodic: cancel orders whose stock hold expired and give the stock back (idempotent)."""
    return services.holds_release_expired()
