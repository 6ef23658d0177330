"""Back-in-stock alerts: sign up, confirm (guests), offer returning stock in sign-up order, close.

Offers are made per option with the variant row locked, so two offer passes at once (a restock's
task and the periodic one) take turns and the second sees what the first told: nobody is told
twice. Each alert is told through one outbox row per channel keyed by the alert, so even a pass
run twice writes each message once.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from commerce.accounts.models import User
from commerce.catalog.models import Variant
from commerce.notifications.models import Event
from commerce.notifications.services import notify
from commerce.orders.models import Order
from project.enqueue import enqueue_on_commit

from . import tasks
from .errors import AlertError
from .live import back_in_stock_publish, demand_changed
from .models import StockAlert
from .selectors import CONFIRM_MAX_AGE, confirm_link, open_alert, variants_to_offer

logger = logging.getLogger(__name__)
A = StockAlert.State


@dataclass(frozen=True)
class Subscribed:
    alert: StockAlert
    created: bool  # False: this person was already on the list (or awaiting confirmation)


def _on_sale(variant: Variant) -> bool:
    product = variant.product
    return variant.is_active and product.is_published and product.deleted_at is None


@transaction.atomic
def alert_subscribe(*, variant: Variant, user: User | None, email: str) -> Subscribed:
    """Put this person on the option's list: at once when signed in, after the emailed link for a guest.

    Idempotent: a second sign-up finds the first (the unique constraints settle a race of two).
    Refused (nothing written) when the option is not on sale, or in stock now.
    """
    variant = Variant.objects.select_related("product").get(pk=variant.pk)
    if not _on_sale(variant):
        raise AlertError("This option is no longer sold.", status=404, code="alert_not_sold")
    email = (user.email if user is not None else email).strip()
    existing = open_alert(variant=variant, user=user, email=email)
    if existing is not None and existing.state == A.PENDING and _unconfirmed_too_long(existing):
        StockAlert.objects.filter(pk=existing.pk, state=A.PENDING).update(state=A.CANCELLED, closed_at=timezone.now())
        existing = None  # its link expired: start again
    if existing is not None:
        if existing.state == A.PENDING:
            _confirm_notify(existing)  # again, if the last one went out a while ago (lost, say)
        return Subscribed(alert=existing, created=False)
    if variant.stock > 0:
        raise AlertError(
            f"{variant.name} is in stock now: choose it above and add it to your cart.", code="alert_in_stock"
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            alert = StockAlert.objects.create(
                variant=variant,
                user=user,
                email=email,
                state=A.WAITING if user is not None else A.PENDING,
                created_at=now,
                confirmed_at=now if user is not None else None,
            )
            if user is None:
                _confirm_notify(alert)
            else:
                demand_changed([variant.pk])
    except IntegrityError:  # the same person's other request got there first
        existing = open_alert(variant=variant, user=user, email=email)
        if existing is None:
            raise
        return Subscribed(alert=existing, created=False)
    logger.info("stock alert signed up", extra={"alert": alert.pk, "variant": variant.pk, "guest": user is None})
    return Subscribed(alert=alert, created=True)


# A guest who asks again gets the link again, at most once in this many seconds (and the sign-up limits).
CONFIRM_AGAIN_SECONDS = 600


def _unconfirmed_too_long(alert: StockAlert) -> bool:
    return timezone.now() - alert.created_at > timedelta(seconds=CONFIRM_MAX_AGE)


def _confirm_notify(alert: StockAlert) -> None:
    variant = alert.variant
    # The same key within one window: asking again at once writes nothing more.
    window = int(timezone.now().timestamp() // CONFIRM_AGAIN_SECONDS)
    notify(
        user=None,
        email=alert.email,
        event=Event.ALERT_CONFIRM,
        key=f"alert:{alert.pk}:confirm:{window}",
        subject=f"Confirm your back-in-stock alert for {variant.product.name}",
        template="alerts/notify/confirm",
        context={
            "alert": alert,
            "variant": variant,
            "product": variant.product,
            "confirm_url": settings.SITE_URL.rstrip("/") + confirm_link(alert),
            "headline": "Confirm your back-in-stock alert",
            "sentence": (
                f"Someone, hopefully you, asked us to email {alert.email} when {variant.product.name} "
                f"({variant.name}) is back in stock. Confirm, and we will."
            ),
        },
    )


@transaction.atomic
def alert_confirm(*, alert: StockAlert) -> bool:
    """A guest opened the link and confirmed: the alert joins the list (True if this call did it)."""
    now = timezone.now()
    changed = StockAlert.objects.filter(pk=alert.pk, state=A.PENDING).update(state=A.WAITING, confirmed_at=now)
    if changed:
        demand_changed([alert.variant_id])
        enqueue_on_commit(tasks.alerts_offer_variants, [alert.variant_id])  # stock may be back already
    return bool(changed)


def alerts_offer_variant(*, variant_pk: int, now: datetime | None = None) -> list[StockAlert]:
    """Tell the next waiting people, in sign-up order, that the option is back: as many as there are
    units not already offered to someone within the window. Returns the alerts told now."""
    now = now or timezone.now()
    window = timedelta(minutes=settings.ALERT_OFFER_MINUTES)
    with transaction.atomic():
        variant = Variant.objects.select_for_update().filter(pk=variant_pk).first()
        if variant is None:
            return []
        variant = Variant.objects.select_related("product").get(pk=variant_pk)  # the lock is held
        if not _on_sale(variant) or variant.stock <= 0:
            return []
        held = StockAlert.objects.filter(variant=variant, state=A.OFFERED, offered_at__gt=now - window).count()
        units = variant.stock - held
        if units <= 0:
            return []
        due = list(StockAlert.objects.filter(variant=variant, state=A.WAITING).order_by("created_at", "pk")[:units])
        told = []
        for alert in due:
            if not StockAlert.objects.filter(pk=alert.pk, state=A.WAITING).update(state=A.OFFERED, offered_at=now):
                continue
            alert.state, alert.offered_at, alert.variant = A.OFFERED, now, variant
            _back_in_stock_notify(alert)
            back_in_stock_publish(alert)
            told.append(alert)
        if told:
            demand_changed([variant.pk])
    if told:
        logger.info("stock alerts offered", extra={"variant": variant_pk, "told": len(told), "units": units})
    return told


def _back_in_stock_notify(alert: StockAlert) -> None:
    variant = alert.variant
    product = variant.product
    notify(
        user=alert.user,
        email=alert.email,
        event=Event.BACK_IN_STOCK,
        key=f"alert:{alert.pk}:back_in_stock",
        subject=f"Back in stock: {product.name} ({variant.name})",
        template="alerts/notify/back_in_stock",
        context={
            "alert": alert,
            "variant": variant,
            "product": product,
            "product_url": settings.SITE_URL.rstrip("/") + product.get_absolute_url(),
            "headline": f"{product.name} is back in stock",
            "sentence": (
                f"{variant.name} is back in stock, and you asked us to tell you. We tell people in the order they "
                "asked, only as many as there are units: if you want it, don't wait too long."
            ),
        },
    )


def alerts_lapse(*, now: datetime | None = None) -> list[int]:
    """Offers older than the window that were not bought lapse (their units go to the next people).
    Returns the options that freed units."""
    now = now or timezone.now()
    stale = StockAlert.objects.filter(
        state=A.OFFERED, offered_at__lte=now - timedelta(minutes=settings.ALERT_OFFER_MINUTES)
    )
    variant_pks = sorted(set(stale.values_list("variant_id", flat=True)))
    if variant_pks:
        stale.update(state=A.LAPSED, closed_at=now)
    return variant_pks


def alerts_expire_unconfirmed(*, now: datetime | None = None) -> int:
    """Guests' sign-ups never confirmed while their link worked are dropped (they may ask again)."""
    now = now or timezone.now()
    return StockAlert.objects.filter(state=A.PENDING, created_at__lt=now - timedelta(seconds=CONFIRM_MAX_AGE)).update(
        state=A.CANCELLED, closed_at=now
    )


@transaction.atomic
def alerts_cancel(*, alert_pks: list[int]) -> int:
    """Staff close these alerts (the admin's action): nobody is told of them any more."""
    alerts = StockAlert.objects.filter(pk__in=alert_pks, state__in=StockAlert.OPEN)
    variant_pks = sorted(set(alerts.values_list("variant_id", flat=True)))
    closed = alerts.update(state=A.CANCELLED, closed_at=timezone.now())
    if closed:
        demand_changed(variant_pks)
    return closed


def alerts_offer_due(*, now: datetime | None = None) -> int:
    """Periodic: lapse old offers, then offer every option with stock and people waiting; how many told."""
    now = now or timezone.now()
    alerts_expire_unconfirmed(now=now)
    alerts_lapse(now=now)
    return sum(len(alerts_offer_variant(variant_pk=pk, now=now)) for pk in variants_to_offer())


def alerts_close_for_order(*, order: Order) -> int:
    """The person bought the options they waited for (their order is paid): their alerts are done.

    Runs inside the payment's transaction. Matches the order's account, or a guest's address."""
    variant_pks = [pk for pk in order.lines.values_list("variant_id", flat=True) if pk is not None]
    if not variant_pks:
        return 0
    who = Q(user_id=order.user_id) if order.user_id else Q(user__isnull=True, email__iexact=order.email)
    closed = StockAlert.objects.filter(who, variant_id__in=variant_pks, state__in=StockAlert.OPEN).update(
        state=A.BOUGHT, closed_at=timezone.now()
    )
    if closed:
        demand_changed(variant_pks)
    return closed
