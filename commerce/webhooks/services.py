"""The webhooks outbox: write deliveries with the event that causes them, send them after commit.

`webhook_emit` runs inside the event's transaction (an order's, a stock move's: see events.py) and
writes one WebhookDelivery per active endpoint subscribed to the event. The event id is derived
from the event's key (`order.paid:<order pk>`), and (endpoint, event id) is unique, so an event
emitted twice, or by two transactions at once, is delivered once per endpoint. After commit a
Celery task claims the delivery with a conditional update and POSTs it (sender.py); a failure
is logged as an attempt and the delivery is queued again after a backoff, until
WEBHOOK_MAX_ATTEMPTS; a periodic sweep re-queues what a lost enqueue or a killed worker left behind.
"""

import json
import logging
import random
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from commerce.accounts.models import User
from project.enqueue import enqueue_on_commit

from . import sender, tasks
from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, new_secret
from .signing import HEADER, signature_header

logger = logging.getLogger(__name__)
D = WebhookDelivery.Status

EVENT_NAMESPACE = uuid.UUID("6f1c4a52-2f0e-4d1e-9a57-3f5b2c8e7d10")
BACKOFF_FIRST_SECONDS = 30  # then doubled at each failure
BACKOFF_MAX_SECONDS = 6 * 3600
BACKOFF_JITTER = 0.1  # up to 10% more, so endpoints that failed together are not retried together
SWEEP_GRACE_SECONDS = 60  # a due delivery's own queued task gets this long before the sweep re-queues it


def stale_seconds() -> float:
    """How long a delivery may stay `sending` before it counts as abandoned by a killed worker."""
    return max(300.0, float(settings.WEBHOOK_TIMEOUT) * 5)


def event_id(key: str) -> uuid.UUID:
    """The event's id, the same whenever the same occurrence is emitted (`order.paid:42`)."""
    return uuid.uuid5(EVENT_NAMESPACE, key)


def subscribers(event: str) -> list[WebhookEndpoint]:
    """The active endpoints that asked for `event` (filtered here: JSON containment differs by database)."""
    return [endpoint for endpoint in WebhookEndpoint.objects.filter(active=True) if event in endpoint.events]


def webhook_emit(
    *, event: str, key: str, data: Mapping[str, Any] | Callable[[], Mapping[str, Any]]
) -> list[WebhookDelivery]:
    """Write one delivery per subscribed endpoint (in the caller's transaction); queue each on commit.

    `data` (or a function returning it, called only if some endpoint listens) is the payload's
    `data`; `key` names the occurrence, so emitting it again writes nothing new.
    """
    endpoints = subscribers(event)
    if not endpoints:
        return []
    eid = event_id(key)
    payload = {
        "id": str(eid),
        "type": event,
        "created": timezone.now().isoformat(timespec="seconds"),
        "data": dict(data() if callable(data) else data),
    }
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    created = []
    for endpoint in endpoints:
        try:
            with transaction.atomic():
                row, was_created = WebhookDelivery.objects.get_or_create(
                    endpoint=endpoint,
                    event_id=eid,
                    defaults={"event_type": event, "body": body, "next_attempt_at": timezone.now()},
                )
        except IntegrityError:  # a concurrent emit of the same event committed first
            continue
        if was_created:
            enqueue_on_commit(tasks.deliver, row.pk)
            created.append(row)
    return created


def backoff_seconds(attempt: int) -> float:
    """Seconds to wait after the `attempt`-th failure: 30, 60, 120... capped at 6 hours, plus jitter."""
    base = float(min(BACKOFF_FIRST_SECONDS * 2 ** max(attempt - 1, 0), BACKOFF_MAX_SECONDS))
    return base * (1 + random.uniform(0, BACKOFF_JITTER))  # noqa: S311 - jitter, not a secret


def _claim(pk: int, now: datetime) -> bool:
    """pending and due -> sending (or take over one abandoned in `sending`); True if this caller won."""
    due = Q(status=D.PENDING, next_attempt_at__lte=now)
    abandoned = Q(status=D.SENDING, updated_at__lt=now - timedelta(seconds=stale_seconds()))
    return bool(WebhookDelivery.objects.filter(due | abandoned, pk=pk).update(status=D.SENDING, updated_at=now))


def delivery_send(*, pk: int) -> str:
    """POST one delivery once if it is due. Returns succeeded, retrying, failed or skipped.

    Safe to run twice: the claim is a conditional update, so one caller sends; the other skips.
    """
    now = timezone.now()
    if not _claim(pk, now):
        return "skipped"
    row = WebhookDelivery.objects.select_related("endpoint").filter(pk=pk).first()
    if row is None:  # its endpoint was deleted meanwhile
        return "skipped"
    endpoint = row.endpoint
    if not endpoint.active:
        WebhookDelivery.objects.filter(pk=pk, status=D.SENDING).update(
            status=D.FAILED, last_error="The endpoint is switched off."
        )
        return "failed"
    body = row.body.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"{settings.STORE_NAME} webhooks",
        HEADER: signature_header(endpoint.secret, body),
        "Storefront-Event": row.event_type,
        "Storefront-Delivery": str(row.pk),
        "Storefront-Event-Id": str(row.event_id),
    }
    answer = sender.post(endpoint.url, body, headers)
    return delivery_record(row=row, answer=answer)


@transaction.atomic
def delivery_record(*, row: WebhookDelivery, answer: sender.Answer) -> str:
    """Log the attempt; settle the delivery, or queue it again after the backoff."""
    now = timezone.now()
    WebhookAttempt.objects.create(
        delivery=row,
        at=now,
        status_code=answer.status_code,
        response_body=answer.body,
        error=answer.error,
        duration_ms=answer.duration_ms,
    )
    seen = {"last_status_code": answer.status_code, "last_response": answer.body, "last_error": answer.error}
    mine = WebhookDelivery.objects.filter(pk=row.pk, status=D.SENDING)
    if answer.ok:
        mine.update(status=D.SUCCEEDED, delivered_at=now, **seen)
        return "succeeded"
    attempts = row.attempts + 1
    if attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        mine.update(status=D.FAILED, attempts=attempts, **seen)
        logger.warning("webhook delivery failed for good", extra={"delivery": row.pk, "attempts": attempts})
        return "failed"
    delay = backoff_seconds(attempts)
    mine.update(status=D.PENDING, attempts=attempts, next_attempt_at=now + timedelta(seconds=delay), **seen)
    logger.info("webhook delivery will be retried", extra={"delivery": row.pk, "attempts": attempts, "delay": delay})
    enqueue_on_commit(tasks.deliver, row.pk, countdown=delay)
    return "retrying"


def webhooks_sweep(*, now: datetime | None = None) -> int:
    """Re-queue deliveries that are due but whose task was lost, and those a killed worker left `sending`."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=stale_seconds())
    WebhookDelivery.objects.filter(status=D.SENDING, updated_at__lt=stale).update(status=D.PENDING)
    due = list(
        WebhookDelivery.objects.filter(
            status=D.PENDING, next_attempt_at__lte=now - timedelta(seconds=SWEEP_GRACE_SECONDS)
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:500]
    )
    for pk in due:
        enqueue_on_commit(tasks.deliver, pk)
    return len(due)


@transaction.atomic
def delivery_resend(*, delivery: WebhookDelivery) -> bool:
    """Send this event to its endpoint again now, whatever became of it (staff's "Send again").

    False while it is being sent (the attempt under way decides it); the same body and event id go,
    signed anew, so a receiver that keeps event ids can tell it is the same event.
    """
    updated = (
        WebhookDelivery.objects.filter(pk=delivery.pk)
        .exclude(status=D.SENDING)
        .update(status=D.PENDING, attempts=0, next_attempt_at=timezone.now(), delivered_at=None)
    )
    if updated:
        enqueue_on_commit(tasks.deliver, delivery.pk)
    return bool(updated)


@transaction.atomic
def endpoint_save(
    *,
    endpoint: WebhookEndpoint | None,
    url: str,
    description: str,
    events: list[str],
    active: bool,
    actor: User | None,
) -> WebhookEndpoint:
    """Register an endpoint (a new secret is made) or change one; the URL is already checked (forms.py)."""
    if endpoint is None:
        endpoint = WebhookEndpoint(created_by=actor)
    endpoint.url = url
    endpoint.description = description
    endpoint.events = sorted(set(events))
    endpoint.active = active
    endpoint.save()
    return endpoint


def endpoint_rotate_secret(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Give the endpoint a new secret: payloads are signed with it from now on."""
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret", "updated_at"])
    return endpoint
