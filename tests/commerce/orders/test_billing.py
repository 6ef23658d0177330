"""A billing address apart from the shipping address: asked at checkout when the shopper unticks
"Bill to the shipping address", shown on review, stored on the order (both checkout paths), shown
on the order and ops pages, and used by the invoice."""

import pytest
from django.test import Client
from django.urls import reverse

from commerce.orders.models import Order
from tests.factories import ADDRESS, VariantFactory

pytestmark = pytest.mark.django_db

CHECKOUT = reverse("orders:checkout")
REVIEW = reverse("orders:review")
PLACE = reverse("orders:place")
BILLING = {
    "full_name": "Kim Accounts",
    "line1": "9 Ledger Lane",
    "line2": "",
    "city": "Boston",
    "postal_code": "02108",
    "region": "MA",
    "country": "US",
    "phone": "",
}


@pytest.fixture
def shopper(client: Client) -> Client:
    variant = VariantFactory(price="24.00", stock=5)
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 1})
    return client


def address_step(client: Client, *, billing: dict[str, str] | None):  # type: ignore[no-untyped-def]
    data = {"email": "kim@example.com", **ADDRESS}
    if billing is None:
        data["billing_same"] = "on"
    else:
        data |= {f"billing-{name}": value for name, value in billing.items()}
    return client.post(CHECKOUT, data)


@pytest.mark.parametrize("path", ["database", "python"])
def test_a_billing_address_apart_is_reviewed_and_stored(shopper, settings, path):
    settings.CHECKOUT_IN_DATABASE = path == "database"
    assert address_step(shopper, billing=BILLING).status_code == 302

    review = shopper.get(REVIEW).content.decode()
    assert "Bill to" in review
    assert "9 Ledger Lane" in review

    shopper.post(PLACE)
    order = Order.objects.get()
    assert order.billing_address == BILLING
    assert order.shipping_address == ADDRESS
    assert "9 Ledger Lane" in shopper.get(order.get_absolute_url()).content.decode()


def test_billing_to_the_shipping_address_stores_none(shopper):
    address_step(shopper, billing=None)

    assert "The shipping address." in shopper.get(REVIEW).content.decode()
    shopper.post(PLACE)
    assert Order.objects.get().billing_address is None


def test_an_incomplete_billing_address_is_refused_and_nothing_is_kept(shopper):
    response = address_step(shopper, billing={**BILLING, "line1": "", "region": ""})

    assert response.status_code == 422
    page = response.content.decode()
    assert "This field is required." in page
    assert "Enter the state." in page
    assert shopper.get(REVIEW).status_code == 302  # no checkout details were kept


def test_the_billing_fields_are_labelled_apart_from_the_shipping_ones(shopper):
    page = shopper.get(CHECKOUT).content.decode()

    assert '<label for="id_billing-line1">Billing address</label>' in page
    assert '<label for="id_line1">Address</label>' in page
    assert 'name="billing_same"' in page
    assert "checked" in page.split('name="billing_same"')[1].split(">")[0]
