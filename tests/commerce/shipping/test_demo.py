"""The demo store ships as the public contract says (ARCHITECTURE.md), however often it is seeded."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from commerce.shipping.demo import seed_shipping
from commerce.shipping.models import ShippingMethod, ShippingZone
from commerce.shipping.selectors import methods_for

pytestmark = pytest.mark.django_db


def shipping_rows() -> list[tuple[object, ...]]:
    zones = list(ShippingZone.objects.values_list("pk", "name", "countries", "regions", "is_rest_of_world"))
    fields = ("pk", "zone", "name", "price", "free_over", "estimate", "is_active", "position")
    return zones + list(ShippingMethod.objects.order_by("pk").values_list(*fields))


def offered(country: str, subtotal: str) -> list[tuple[str, Decimal, str, str]]:
    quotes = methods_for(country=country, subtotal=Decimal(subtotal), weight=1200)
    return [(q.name, q.price, q.estimate, q.free_reason) for q in quotes]


def test_seed_demo_twice_gives_the_demo_shipping_once(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

    call_command("seed_demo")
    first = shipping_rows()
    call_command("seed_demo")

    assert shipping_rows() == first
    assert offered("US", "74.99") == [
        ("Standard", Decimal("5.00"), "3–5 business days", ""),
        ("Express", Decimal("15.00"), "1–2 business days", ""),
    ]
    assert offered("US", "75.00")[0] == (
        "Standard",
        Decimal("0.00"),
        "3–5 business days",
        "Free on orders of $75.00 or more",
    )
    assert offered("FR", "75.00") == [("International", Decimal("20.00"), "7–14 business days", "")]


def test_seeding_again_keeps_what_the_shop_owner_changed():
    seed_shipping()
    ShippingMethod.objects.filter(name="Standard").update(price=Decimal("6.50"))
    ShippingZone.objects.filter(name="United States").update(name="USA")
    before = shipping_rows()

    seed_shipping()

    assert shipping_rows() == before
