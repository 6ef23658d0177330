"""What the alert tests share (a plain module: test modules import from here, never from each other)."""

from commerce.accounts.models import User
from commerce.alerts import services
from commerce.alerts.models import StockAlert
from commerce.catalog.models import Variant
from commerce.notifications.models import Notification
from tests.factories import UserFactory, VariantFactory


def sold_out(**kwargs: object) -> Variant:
    defaults: dict[str, object] = {"stock": 0, "name": "M / Navy", "product__name": "Harbour Tee", "sku": "HT-M"}
    return VariantFactory(**(defaults | kwargs))


def waiting(variant: Variant, *emails: str) -> list[User]:
    """Signed-in people on the variant's list, in this order."""
    people = [UserFactory(email=email) for email in emails]
    for person in people:
        services.alert_subscribe(variant=variant, user=person, email="")
    return people


def told(variant: Variant | None = None) -> list[str]:
    """Who got a back-in-stock email (the outbox), in the order they were told."""
    rows = Notification.objects.filter(event="back_in_stock", channel="email").order_by("pk")
    if variant is not None:
        rows = rows.filter(
            idempotency_key__in=[f"alert:{a.pk}:back_in_stock:email" for a in variant.stock_alerts.all()]
        )
    return [row.recipient for row in rows]


def states(variant: Variant) -> dict[str, str]:
    return dict(StockAlert.objects.filter(variant=variant).values_list("email", "state"))
