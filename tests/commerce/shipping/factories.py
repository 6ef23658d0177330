"""Shipping zones, methods and weight brackets for tests (a support module: any area's tests may import it)."""

from decimal import Decimal

import factory

from commerce.shipping.models import ShippingMethod, ShippingZone, WeightBracket


class ShippingZoneFactory(factory.django.DjangoModelFactory[ShippingZone]):
    class Meta:
        model = ShippingZone

    name = factory.Sequence(lambda n: f"Zone {n}")
    countries = factory.LazyFunction(lambda: ["US"])


class ShippingMethodFactory(factory.django.DjangoModelFactory[ShippingMethod]):
    class Meta:
        model = ShippingMethod

    zone = factory.SubFactory(ShippingZoneFactory)
    name = factory.Sequence(lambda n: f"Method {n}")
    price = Decimal("5.00")
    estimate = "3–5 business days"


class WeightBracketFactory(factory.django.DjangoModelFactory[WeightBracket]):
    class Meta:
        model = WeightBracket

    method = factory.SubFactory(ShippingMethodFactory)
    up_to = 1000
    price = Decimal("6.00")
