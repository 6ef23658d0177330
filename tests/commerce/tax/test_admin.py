"""Staff enter rates in the admin; negative, absurd or ambiguous ones are refused with a message."""

from decimal import Decimal

import pytest
from django.urls import reverse

from commerce.tax.models import TaxRate
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
ADD = reverse("admin:tax_taxrate_add")


@pytest.fixture
def staff_client(client):  # type: ignore[no-untyped-def]
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def form(**fields: str) -> dict[str, str]:
    return {"country": "US", "region": "NY", "name": "NY sales tax", "rate": "8.875", "active": "on", **fields}


def test_a_rate_is_added_with_its_region_in_capitals(staff_client):
    response = staff_client.post(ADD, form(region="ny", applies_to_shipping="on"))

    assert response.status_code == 302
    rate = TaxRate.objects.get()
    assert (rate.country, rate.region, rate.rate, rate.applies_to_shipping) == ("US", "NY", Decimal("8.875"), True)
    assert str(rate) == "NY sales tax (US-NY, 8.875%)"
    assert (
        '<td class="field-percent">8.875%</td>'
        in staff_client.get(reverse("admin:tax_taxrate_changelist")).content.decode()
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        pytest.param({"rate": "-1"}, "A tax rate cannot be negative.", id="negative"),
        pytest.param({"rate": "150"}, "A tax rate is a percentage of the price: at most 100.", id="absurd"),
        pytest.param(
            {"rate": "1e3"}, "Ensure that there are no more than 3 digits before the decimal point.", id="exp"
        ),
        pytest.param({"rate": "0.088755"}, "Ensure that there are no more than 4 decimal places.", id="fraction"),
        pytest.param({"rate": "NaN"}, "Enter a number.", id="nan"),
        pytest.param({"rate": ""}, "This field is required.", id="empty"),
        pytest.param({"country": "XX"}, "Select a valid choice. XX is not one of the available choices.", id="country"),
        pytest.param({"country": "EU"}, "Select a valid choice. EU is not one of the available choices.", id="union"),
        pytest.param(
            {"region": "N Y"},
            "A region is the part of its ISO 3166-2 code after the country: NY for US-NY.",
            id="region",
        ),
    ],
)
def test_a_bad_rate_is_refused_with_a_message_and_nothing_is_saved(staff_client, fields, message):
    response = staff_client.post(ADD, form(**fields))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not TaxRate.objects.exists()


def test_a_second_active_rate_for_one_place_is_refused(staff_client, tax_rate):
    tax_rate(country="US", region="NY", name="NY sales tax", rate="8.875")

    response = staff_client.post(ADD, form(name="New York tax", rate="4"))

    assert "This place already has an active rate: change that one, or make it inactive." in response.content.decode()
    assert TaxRate.objects.count() == 1
    # An inactive one may wait beside it (tomorrow's rate, say).
    assert staff_client.post(ADD, form(name="New York tax", rate="4", active="")).status_code == 302
    assert TaxRate.objects.count() == 2


@pytest.mark.parametrize("rate", ["-0.0001", "100.0001"])
def test_the_database_refuses_a_rate_out_of_range_too(tax_rate, rate):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError, match="tax_rate_between_0_and_100"):
        tax_rate(rate=rate)
