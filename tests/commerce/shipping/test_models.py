"""Zones a shop owner cannot get wrong: codes checked, one zone per place, amounts within reason."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from commerce.shipping.models import ShippingMethod, ShippingZone, WeightBracket
from tests.commerce.shipping.factories import ShippingMethodFactory, ShippingZoneFactory, WeightBracketFactory

pytestmark = pytest.mark.django_db


def errors_of(instance) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as refused:
        instance.full_clean()
    return refused.value.message_dict


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (
            {"countries": ["US", "XX", "EU"]},
            {"countries": ["Not an ISO 3166-1 country code: XX, EU. Use two letters, such as US, GB or DE."]},
        ),
        (
            {"countries": [], "regions": ["HI", "US-HAWAII", "XX-1"]},
            {
                "regions": [
                    "Not an ISO 3166-2 region code: HI, US-HAWAII, XX-1. Write the country, a hyphen and the region, "
                    "such as US-HI or CA-QC."
                ]
            },
        ),
        (
            {"countries": []},
            {"__all__": ["Name at least one country or region, or make this the rest-of-the-world zone."]},
        ),
        (
            {"countries": ["FR"], "is_rest_of_world": True},
            {
                "__all__": [
                    "A rest-of-the-world zone serves every country no other zone names: leave its countries and "
                    "regions empty."
                ]
            },
        ),
    ],
)
def test_a_zone_names_real_places_or_the_rest_of_the_world(fields, errors):
    assert errors_of(ShippingZone(name="Somewhere", **{"countries": ["US"], **fields})) == errors


def test_a_country_or_region_belongs_to_one_zone():
    ShippingZoneFactory(name="North America", countries=["CA", "US"], regions=["MX-BCN"])
    zone = ShippingZone(name="Neighbours", countries=["US", "CA", "GB"], regions=["MX-BCN", "MX-SON"])

    assert errors_of(zone) == {
        "countries": [
            "US, CA already belong to the zone “North America”: a country or region can be in one zone only."
        ],
        "regions": ["MX-BCN already belongs to the zone “North America”: a country or region can be in one zone only."],
    }


def test_a_zone_may_be_saved_again_with_its_own_countries():
    zone = ShippingZoneFactory(name="North America", countries=["CA", "US"])

    zone.full_clean()


def test_there_is_one_rest_of_the_world_zone():
    ShippingZoneFactory(name="World", countries=[], is_rest_of_world=True)

    assert errors_of(ShippingZone(name="Elsewhere", is_rest_of_world=True)) == {
        "__all__": ["There is already a rest-of-the-world zone."]
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        ShippingZone.objects.create(name="Elsewhere", is_rest_of_world=True)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("price", Decimal("-0.01"), "An amount cannot be negative."),
        ("price", Decimal("100000.01"), "An amount above 100,000 is surely a typo."),
        ("free_over", Decimal("-5"), "An amount cannot be negative."),
        ("free_over", Decimal("250000"), "An amount above 100,000 is surely a typo."),
    ],
)
def test_a_method_refuses_negative_or_absurd_amounts(field, value, message):
    method = ShippingMethod(zone=ShippingZoneFactory(), name="Standard", price=Decimal("5.00"))
    setattr(method, field, value)

    assert errors_of(method) == {field: [message]}


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"up_to": 0}, {"up_to": ["A bracket goes up to 1 gram at least."]}),
        ({"up_to": 1_000_001}, {"up_to": ["A bracket above 1,000,000 g (a tonne) is surely a typo."]}),
        ({"price": Decimal("-1")}, {"price": ["An amount cannot be negative."]}),
        ({"up_to": 1000}, {"__all__": ["This method already has a bracket up to that weight."]}),
    ],
)
def test_a_bracket_refuses_nonsense(fields, errors):
    existing = WeightBracketFactory(up_to=1000)

    bracket = WeightBracket(method=existing.method, **{"up_to": 2000, "price": Decimal("9.00"), **fields})

    assert errors_of(bracket) == errors


@pytest.mark.parametrize(
    ("model", "field"),
    [(ShippingMethod, "price"), (ShippingMethod, "free_over"), (WeightBracket, "price"), (WeightBracket, "up_to")],
)
def test_the_database_refuses_negative_amounts_written_past_validation(model, field):
    row = WeightBracketFactory(method=ShippingMethodFactory(free_over=Decimal("75.00")))
    pk = row.pk if model is WeightBracket else row.method.pk

    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.filter(pk=pk).update(**{field: -1 if field != "up_to" else 0})
