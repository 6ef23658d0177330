"""Reads of the back-in-stock alerts: the waiting demand per option, a person's open alerts, the links."""

from django.core import signing
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse

from commerce.accounts.models import User
from commerce.catalog.models import Variant

from .models import StockAlert

A = StockAlert.State
CONFIRM_SALT = "alerts.confirm"
CONFIRM_MAX_AGE = 7 * 24 * 3600  # a guest's confirmation link works for a week


def waiting_count() -> Coalesce:
    """For a Variant queryset: how many people wait for that option (confirmed, not told yet)."""
    waiting = (
        StockAlert.objects.filter(variant=OuterRef("pk"), state=A.WAITING)
        .order_by()
        .values("variant")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(waiting, output_field=IntegerField()), 0)


def waiting_counts(variant_pks: list[int]) -> dict[int, int]:
    rows = (
        StockAlert.objects.filter(variant_id__in=variant_pks, state=A.WAITING)
        .order_by()
        .values_list("variant_id")
        .annotate(n=Count("pk"))
    )
    return {variant_pk: n for variant_pk, n in rows}


def variants_to_offer(variant_pks: list[int] | None = None) -> list[int]:
    """Options on sale with stock and someone waiting (of `variant_pks`, or all), by pk."""
    rows = StockAlert.objects.filter(
        state=A.WAITING,
        variant__stock__gt=0,
        variant__is_active=True,
        variant__product__is_published=True,
        variant__product__deleted_at__isnull=True,
    )
    if variant_pks is not None:
        rows = rows.filter(variant_id__in=variant_pks)
    return sorted(set(rows.values_list("variant_id", flat=True)))


def open_alert(*, variant: Variant, user: User | None, email: str) -> StockAlert | None:
    """This person's alert for this option that is still open (at most one: the unique constraints)."""
    who = Q(user=user) if user is not None else Q(user__isnull=True, email__iexact=email)
    return StockAlert.objects.filter(who, variant=variant, state__in=StockAlert.OPEN).first()


def open_alerts_of(*, user: User, variant_pks: list[int]) -> list[StockAlert]:
    """A signed-in person's open alerts among these options (the product page shows them)."""
    if not variant_pks:
        return []
    return list(
        StockAlert.objects.filter(user=user, variant_id__in=variant_pks, state__in=StockAlert.OPEN)
        .select_related("variant")
        .order_by("variant__position", "variant_id")
    )


def confirm_link(alert: StockAlert) -> str:
    """The path emailed to a guest: opening it (and confirming) puts the alert on the list."""
    token = signing.dumps({"a": alert.pk, "e": alert.email.lower()}, salt=CONFIRM_SALT)
    return reverse("alerts:confirm", args=[token])


def alert_from_link(token: str) -> StockAlert | None:
    """The guest's alert a link names, if the link is ours, fresh, and names the alert's address."""
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("a"), int) or not isinstance(data.get("e"), str):
        return None
    return (
        StockAlert.objects.select_related("variant__product")
        .filter(pk=data["a"], user__isnull=True, email__iexact=data["e"])
        .first()
    )
