"""A shop owner sets up zones, methods and weight brackets in the admin, and is stopped on nonsense."""

from decimal import Decimal

import pytest
from django.urls import reverse

from commerce.shipping.models import ShippingMethod, ShippingZone, WeightBracket
from tests.commerce.shipping.factories import ShippingZoneFactory, WeightBracketFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
ADD_ZONE = reverse("admin:shipping_shippingzone_add")


@pytest.fixture
def owner_client(client):  # type: ignore[no-untyped-def]
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def inline(prefix: str, rows: list[dict[str, str]], initial: int = 0) -> dict[str, str]:
    """A formset's POST data: its management form and one set of fields per row."""
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": str(initial)}
    data |= {f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}
    for index, row in enumerate(rows):
        data |= {f"{prefix}-{index}-{field}": value for field, value in row.items()}
    return data


def zone_form(countries: str = "US", price: str = "5.00", free_over: str = "75.00", **extra: str) -> dict[str, str]:
    method = {"name": "Standard", "price": price, "free_over": free_over, "estimate": "3–5 business days"}
    return {"name": "United States", "countries": countries, "regions": "", **extra} | inline(
        "methods", [method | {"is_active": "on", "position": "0"}]
    )


def test_a_zone_and_its_method_are_set_up_in_one_page(owner_client):
    response = owner_client.post(ADD_ZONE, zone_form(countries="us, ca"))

    assert response.status_code == 302
    zone = ShippingZone.objects.get()
    assert (zone.countries, zone.regions, zone.is_rest_of_world) == (["CA", "US"], [], False)
    method = zone.methods.get()
    assert (method.name, method.price, method.free_over) == ("Standard", Decimal("5.00"), Decimal("75.00"))

    listed = owner_client.get(reverse("admin:shipping_shippingzone_changelist")).content.decode()
    assert "CA, US" in listed
    assert "Standard ($5.00)" in listed


@pytest.mark.parametrize(
    ("form", "message"),
    [
        (
            zone_form(countries="US, XX"),
            "Not an ISO 3166-1 country code: XX. Use two letters, such as US, GB or DE.",
        ),
        (
            zone_form(countries="", regions="Hawaii"),
            "Not an ISO 3166-2 region code: HAWAII. Write the country, a hyphen and the region, such as US-HI or "
            "CA-QC.",
        ),
        (
            zone_form(countries="FR", is_rest_of_world="on"),
            "A rest-of-the-world zone serves every country no other zone names: leave its countries and regions empty.",
        ),
        (zone_form(price="-5.00"), "An amount cannot be negative."),
        (zone_form(price="100000.01"), "An amount above 100,000 is surely a typo."),
        (zone_form(free_over="-1"), "An amount cannot be negative."),
    ],
)
def test_bad_values_are_shown_and_nothing_is_saved(owner_client, form, message):
    response = owner_client.post(ADD_ZONE, form)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ShippingZone.objects.exists()
    assert not ShippingMethod.objects.exists()


def test_a_country_already_in_a_zone_is_refused(owner_client):
    ShippingZoneFactory(name="North America", countries=["CA", "US"])

    response = owner_client.post(ADD_ZONE, zone_form(countries="US"))

    assert "US already belongs to the zone “North America”: a country or region can be in one zone only." in (
        response.content.decode()
    )
    assert list(ShippingZone.objects.values_list("name", flat=True)) == ["North America"]


def test_a_second_method_of_the_same_name_in_a_zone_is_refused(owner_client):
    form = zone_form()
    rows = [
        {"name": "Standard", "price": "5.00", "position": "0"},
        {"name": "Standard", "price": "7.00", "position": "1"},
    ]
    form |= inline("methods", rows)

    response = owner_client.post(ADD_ZONE, form)

    assert (
        "Two methods have the same name: shoppers could not tell them apart. Rename one." in response.content.decode()
    )
    assert not ShippingZone.objects.exists()


def bracket_form(method: ShippingMethod, rows: list[dict[str, str]]) -> dict[str, str]:
    fields = {"zone": str(method.zone.pk), "name": method.name, "price": str(method.price), "estimate": ""}
    return fields | {"is_active": "on", "position": "0"} | inline("brackets", rows)


def test_weight_brackets_are_added_on_the_methods_page_and_listed(owner_client):
    method = WeightBracketFactory(up_to=1000, price=Decimal("6.00")).method
    WeightBracket.objects.all().delete()
    url = reverse("admin:shipping_shippingmethod_change", args=[method.pk])

    response = owner_client.post(
        url, bracket_form(method, [{"up_to": "1000", "price": "6.00"}, {"up_to": "5000", "price": "9.00"}])
    )

    assert response.status_code == 302
    assert list(method.brackets.values_list("up_to", "price")) == [(1000, Decimal("6.00")), (5000, Decimal("9.00"))]
    listed = owner_client.get(reverse("admin:shipping_shippingmethod_changelist")).content.decode()
    assert "by weight: up to 1,000 g $6.00; up to 5,000 g $9.00" in listed


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([{"up_to": "0", "price": "6.00"}], "A bracket goes up to 1 gram at least."),
        ([{"up_to": "2000000", "price": "6.00"}], "A bracket above 1,000,000 g (a tonne) is surely a typo."),
        ([{"up_to": "1000", "price": "-6.00"}], "An amount cannot be negative."),
        (
            [{"up_to": "1000", "price": "6.00"}, {"up_to": "1000", "price": "8.00"}],
            "Two brackets go up to the same weight: keep one price per weight.",
        ),
    ],
)
def test_bad_brackets_are_shown_and_nothing_is_saved(owner_client, rows, message):
    method = WeightBracketFactory().method
    WeightBracket.objects.all().delete()
    url = reverse("admin:shipping_shippingmethod_change", args=[method.pk])

    response = owner_client.post(url, bracket_form(method, rows))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not WeightBracket.objects.exists()
