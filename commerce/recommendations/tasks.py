"""Recommendations tasks: the co-purchase table, counted again by beat (hourly)."""

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def recommendations_compute() -> bool:
    """Periodic: count the co-purchases again (safe to run twice or at once); whether anything changed."""
    return services.recommendations_compute().changed
