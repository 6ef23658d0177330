"""What a shopper is offered for shipping, and what is refused, for an address and a cart."""

from decimal import Decimal

import pytest

from commerce.shipping.errors import ShippingError
from commerce.shipping.selectors import Quote, methods_for, quote, zone_for
from tests.commerce.shipping.factories import ShippingMethodFactory, WeightBracketFactory

pytestmark = pytest.mark.django_db


def offered(country: str, region: str = "", subtotal: str = "20.00", weight: int = 0) -> list[tuple[str, Decimal]]:
    return [
        (q.name, q.price)
        for q in methods_for(country=country, region=region, subtotal=Decimal(subtotal), weight=weight)
    ]


# Rates


def test_flat_rates_come_cheapest_first_with_their_estimates(zones):
    quotes = methods_for(country="US", subtotal=Decimal("20.00"), weight=0)

    assert quotes == [
        Quote(zones.standard.pk, "Standard", Decimal("5.00"), "3–5 business days"),
        Quote(zones.express.pk, "Express", Decimal("15.00"), "1–2 business days"),
    ]


@pytest.mark.parametrize(
    ("subtotal", "price", "reason"),
    [
        ("74.99", Decimal("5.00"), ""),
        ("75.00", Decimal("0.00"), "Free on orders of $75.00 or more"),
        ("75.01", Decimal("0.00"), "Free on orders of $75.00 or more"),
    ],
)
def test_standard_is_free_from_75_dollars(zones, subtotal, price, reason):
    offer = quote(zones.standard.pk, country="US", subtotal=Decimal(subtotal), weight=0)

    assert (offer.price, offer.free_reason) == (price, reason)
    assert quote(zones.express.pk, country="US", subtotal=Decimal(subtotal), weight=0).price == Decimal("15.00")


def test_a_free_method_moves_to_the_top(zones):
    assert offered("US", subtotal="80.00") == [("Standard", Decimal("0.00")), ("Express", Decimal("15.00"))]


@pytest.fixture
def ground(zones):  # type: ignore[no-untyped-def]
    """A carrier's table: up to 1 kg $6.00, up to 5 kg $9.00, nothing heavier."""
    method = ShippingMethodFactory(zone=zones.us, name="Ground", price=Decimal("0.00"), free_over=Decimal("200.00"))
    WeightBracketFactory(method=method, up_to=5000, price=Decimal("9.00"))
    WeightBracketFactory(method=method, up_to=1000, price=Decimal("6.00"))
    return method


@pytest.mark.parametrize(
    ("weight", "price"),
    [(0, Decimal("6.00")), (1000, Decimal("6.00")), (1001, Decimal("9.00")), (5000, Decimal("9.00"))],
)
def test_by_weight_a_parcel_pays_the_first_bracket_it_fits_edges_included(ground, weight, price):
    assert quote(ground.pk, country="US", subtotal=Decimal("20.00"), weight=weight).price == price
    assert ("Ground", price) in offered("US", weight=weight)


def test_a_parcel_heavier_than_the_last_bracket_is_not_offered_that_method(ground):
    assert offered("US", weight=5001) == [("Standard", Decimal("5.00")), ("Express", Decimal("15.00"))]

    with pytest.raises(ShippingError) as refused:
        quote(ground.pk, country="US", subtotal=Decimal("20.00"), weight=5001)

    assert refused.value.code == "shipping_too_heavy"
    assert refused.value.status == 422
    assert refused.value.message == (
        "Ground takes parcels of up to 5 kg, and this order weighs more. Please choose another shipping method."
    )


def test_a_method_by_weight_is_free_over_its_threshold_too(ground):
    offer = quote(ground.pk, country="US", subtotal=Decimal("200.00"), weight=4000)

    assert (offer.price, offer.free_reason) == (Decimal("0.00"), "Free on orders of $200.00 or more")


def test_prices_are_rounded_to_the_store_currency(zones, settings):
    settings.STORE_CURRENCY = "JPY"
    zones.express.price = Decimal("1500.40")
    zones.express.save()

    assert quote(zones.express.pk, country="US", subtotal=Decimal("20"), weight=0).price == Decimal("1500")


# Which zone serves which address


@pytest.mark.parametrize(
    ("country", "region", "zone"),
    [
        ("US", "", "us"),
        ("US", "CA", "us"),
        ("us", " ", "us"),
        ("US", "HI", "islands"),
        ("US", "us-ak", "islands"),
        ("FR", "", "world"),
        ("FR", "75", "world"),
    ],
)
def test_a_region_zone_wins_over_its_country_which_wins_over_the_rest_of_the_world(zones, country, region, zone):
    assert zone_for(country=country, region=region) == getattr(zones, zone)


def test_a_posted_choice_is_quoted_as_is(zones):
    offer = quote(f" {zones.express.pk}", country="US", subtotal=Decimal("20.00"), weight=0)

    assert (offer.name, offer.price) == ("Express", Decimal("15.00"))


def test_each_address_is_offered_its_own_zones_methods(zones):
    assert offered("US", "HI") == [("Island Post", Decimal("12.00"))]
    assert offered("GB") == [("International", Decimal("20.00"))]


def test_without_a_rest_of_the_world_zone_other_countries_get_nothing(zones):
    zones.world.delete()

    assert offered("FR") == []
    assert offered("US") == [("Standard", Decimal("5.00")), ("Express", Decimal("15.00"))]


@pytest.mark.parametrize("country", ["", "XX", "USA", "EU"])
def test_a_country_that_is_not_one_gets_nothing(zones, country):
    assert zone_for(country=country) is None
    assert offered(country) == []


def test_inactive_methods_are_not_offered(zones):
    zones.express.is_active = False
    zones.express.save()

    assert offered("US") == [("Standard", Decimal("5.00"))]


# Refusals


@pytest.mark.parametrize(
    ("method", "country", "region", "message"),
    [
        ("express", "FR", "", "Express does not ship to France. Please choose another shipping method."),
        (
            "international",
            "US",
            "",
            "International does not ship to United States. Please choose another shipping method.",
        ),
        (
            "standard",
            "US",
            "HI",
            "Standard does not ship to United States (HI). Please choose another shipping method.",
        ),
        (
            "island",
            "US",
            "CA",
            "Island Post does not ship to United States (CA). Please choose another shipping method.",
        ),
    ],
)
def test_a_method_that_does_not_serve_the_address_is_refused(zones, method, country, region, message):
    with pytest.raises(ShippingError) as refused:
        quote(getattr(zones, method).pk, country=country, region=region, subtotal=Decimal("20.00"), weight=0)

    assert (refused.value.code, refused.value.status, refused.value.message) == ("shipping_not_served", 422, message)


def test_a_method_no_longer_offered_or_never_offered_is_refused(zones):
    zones.express.is_active = False
    zones.express.save()

    for pk in (zones.express.pk, zones.express.pk + 1000, "", "abc", "-1", "²"):
        with pytest.raises(ShippingError) as refused:
            quote(pk, country="US", subtotal=Decimal("20.00"), weight=0)

        assert refused.value.code == "unknown_shipping_method"
        assert refused.value.message == "This shipping method is no longer offered. Please choose another."
