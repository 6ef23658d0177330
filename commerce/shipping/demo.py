"""The demo store's shipping (ARCHITECTURE.md, public contract): a US zone and the rest of the world."""

from decimal import Decimal

from django.db import transaction

from .models import ShippingMethod, ShippingZone

# (name, price, free over, delivery estimate)
US_METHODS = [
    ("Standard", "5.00", "75.00", "3–5 business days"),
    ("Express", "15.00", None, "1–2 business days"),
]
WORLD_METHODS = [("International", "20.00", None, "7–14 business days")]


@transaction.atomic
def seed_shipping() -> None:
    """Create the demo zones and methods that are missing; what a shop owner changed since is kept."""
    us_zone = next((zone for zone in ShippingZone.objects.all() if "US" in zone.countries), None)
    if us_zone is None:
        us_zone = ShippingZone.objects.create(name="United States", countries=["US"])
    world_zone = ShippingZone.objects.filter(is_rest_of_world=True).first()
    if world_zone is None:
        world_zone = ShippingZone.objects.create(name="Rest of the world", is_rest_of_world=True)
    for zone, methods in ((us_zone, US_METHODS), (world_zone, WORLD_METHODS)):
        for position, (name, price, free_over, estimate) in enumerate(methods):
            ShippingMethod.objects.get_or_create(
                zone=zone,
                name=name,
                defaults={
                    "price": Decimal(price),
                    "free_over": None if free_over is None else Decimal(free_over),
                    "estimate": estimate,
                    "position": position,
                },
            )
