from celery import shared_task

from . import services


@shared_task(acks_late=True)
def replies_notify() -> int:
    """Periodic: email (and text) customers who have not read a staff reply for a few minutes."""
    return services.replies_notify()
