from celery import shared_task

from . import services


@shared_task(acks_late=True)
def alerts_offer_variants(variant_pks: list[int]) -> int:
    """Stock of these options moved: tell the next people waiting, if there are units (safe to run twice)."""
    return sum(len(services.alerts_offer_variant(variant_pk=pk)) for pk in sorted(set(variant_pks)))


@shared_task(acks_late=True)
def alerts_offer() -> int:
    """Periodic: lapse offers past ALERT_OFFER_MINUTES and offer what stock remains to the next people
    (also finds the work of a restock whose task was lost)."""
    return services.alerts_offer_due()
