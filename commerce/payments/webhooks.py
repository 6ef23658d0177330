"""Stripe webhook events: record each once, then dispatch by type."""

import dataclasses
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from . import services
from .models import Payment, StripeEvent
from .refunds import refunds_apply_charge
from .stripe_client import Intent

logger = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], None]


def _object(event: dict[str, Any]) -> dict[str, Any]:
    data = event.get("data") or {}
    obj = data.get("object") if isinstance(data, dict) else None
    if not isinstance(obj, dict) or not isinstance(obj.get("id"), str):
        raise ValueError("event without data.object")
    return obj


def on_intent_succeeded(event: dict[str, Any]) -> None:
    services.payment_apply_intent(intent=Intent.from_stripe(_object(event)), status=Payment.Status.SUCCEEDED)


def on_intent_failed(event: dict[str, Any]) -> None:
    intent = Intent.from_stripe(_object(event))
    if not intent.last_error:
        intent = dataclasses.replace(intent, last_error="The payment failed.")
    services.payment_apply_intent(intent=intent, status=Payment.Status.FAILED)


def on_intent_processing(event: dict[str, Any]) -> None:
    services.payment_apply_intent(intent=Intent.from_stripe(_object(event)), status=Payment.Status.PROCESSING)


def on_intent_canceled(event: dict[str, Any]) -> None:
    services.payment_apply_intent(intent=Intent.from_stripe(_object(event)), status=Payment.Status.CANCELED)


def on_charge_refunded(event: dict[str, Any]) -> None:
    charge = _object(event)
    intent_id = charge.get("payment_intent")
    if not isinstance(intent_id, str):
        logger.info("refund for a charge without an intent", extra={"charge": charge["id"]})
        return
    listed = charge.get("refunds") or {}
    refunds = [r for r in (listed.get("data") or []) if isinstance(r, dict)] if isinstance(listed, dict) else []
    amount, refunded = charge.get("amount"), charge.get("amount_refunded")
    fully = bool(charge.get("refunded")) or (
        isinstance(amount, int) and isinstance(refunded, int) and refunded >= amount
    )
    refunds_apply_charge(intent_id=intent_id, refunds=refunds, fully_refunded=fully)


def on_refund_updated(event: dict[str, Any]) -> None:
    refund = _object(event)
    intent_id = refund.get("payment_intent")
    if isinstance(intent_id, str):
        refunds_apply_charge(intent_id=intent_id, refunds=[refund], fully_refunded=False)


HANDLERS: dict[str, Handler] = {
    "payment_intent.succeeded": on_intent_succeeded,
    "payment_intent.payment_failed": on_intent_failed,
    "payment_intent.processing": on_intent_processing,
    "payment_intent.canceled": on_intent_canceled,
    "charge.refunded": on_charge_refunded,
    "charge.refund.updated": on_refund_updated,
    "refund.updated": on_refund_updated,
}


def event_process(*, event: dict[str, Any]) -> bool:
    """Record a verified event and apply it, in one transaction. False for a duplicate.

    The insert of the unique event id comes first: a second copy arriving at the same time
    waits on that row and then finds it, so only one copy ever acts. When the handler
    fails, everything rolls back (the event row too) and Stripe's retry starts afresh.
    """
    event_id, event_type = event["id"], event["type"]
    created = event.get("created")
    created_at = datetime.fromtimestamp(created, tz=UTC) if isinstance(created, int | float) else timezone.now()
    with transaction.atomic():
        row, inserted = StripeEvent.objects.get_or_create(
            event_id=event_id, defaults={"type": event_type, "created_at": created_at, "payload": event}
        )
        if not inserted:
            logger.info("duplicate stripe event ignored", extra={"event": event_id, "type": event_type})
            return False
        handler = HANDLERS.get(event_type)
        if handler is None:
            logger.info("stripe event type not handled", extra={"event": event_id, "type": event_type})
        else:
            handler(event)
        row.processed_at = timezone.now()
        row.save(update_fields=["processed_at"])
    logger.info("stripe event processed", extra={"event": event_id, "type": event_type})
    return True
