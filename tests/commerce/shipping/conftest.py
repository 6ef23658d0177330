from decimal import Decimal
from types import SimpleNamespace

import pytest

from tests.commerce.shipping.factories import ShippingMethodFactory, ShippingZoneFactory


@pytest.fixture
def zones(db):  # type: ignore[no-untyped-def]
    """The demo's zones and methods, plus Alaska and Hawaii shipped on their own."""
    us = ShippingZoneFactory(name="United States", countries=["US"])
    islands = ShippingZoneFactory(name="Alaska and Hawaii", countries=[], regions=["US-AK", "US-HI"])
    world = ShippingZoneFactory(name="Rest of the world", countries=[], is_rest_of_world=True)
    return SimpleNamespace(
        us=us,
        islands=islands,
        world=world,
        standard=ShippingMethodFactory(
            zone=us, name="Standard", price=Decimal("5.00"), free_over=Decimal("75.00"), estimate="3–5 business days"
        ),
        express=ShippingMethodFactory(zone=us, name="Express", price=Decimal("15.00"), estimate="1–2 business days"),
        island=ShippingMethodFactory(
            zone=islands, name="Island Post", price=Decimal("12.00"), estimate="5–8 business days"
        ),
        international=ShippingMethodFactory(
            zone=world, name="International", price=Decimal("20.00"), estimate="7–14 business days"
        ),
    )
