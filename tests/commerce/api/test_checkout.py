"""Checkout through the API: the address checked by the page's forms, the quote, placing the order."""

import pytest

from commerce.cart.models import Cart
from commerce.catalog.models import Variant
from commerce.orders.models import Order
from tests.commerce.shipping.factories import ShippingMethodFactory, ShippingZoneFactory
from tests.factories import ADDRESS, CartFactory, CartLineFactory, DiscountCodeFactory, VariantFactory

QUOTE = "/api/v1/checkout/quote"
PLACE = "/api/v1/checkout/orders"


@pytest.fixture
def tee(db):  # type: ignore[no-untyped-def]
    return VariantFactory(product__name="Tee", name="M", sku="TEE-M", price="24.00", stock=5)


@pytest.fixture
def headers(shopper, bearer, tee):  # type: ignore[no-untyped-def]
    """A token of the shopper, whose cart holds 2 × Tee (24.00, stock 5)."""
    CartLineFactory(cart=CartFactory(user=shopper), variant=tee, quantity=2)
    return {"content_type": "application/json", **bearer(shopper, "shop:read", "shop:write")}


def body(**address: str) -> dict[str, object]:
    return {"email": "shopper@example.com", "address": {**ADDRESS, **address}}


@pytest.fixture
def us_shipping(db):  # type: ignore[no-untyped-def]
    us = ShippingZoneFactory(name="United States", countries=["US"])
    standard = ShippingMethodFactory(zone=us, name="Standard", price="5.00", free_over="75.00")
    express = ShippingMethodFactory(zone=us, name="Express", price="15.00")
    return standard, express


def test_the_quote_offers_the_methods_serving_the_address(api, headers, us_shipping):
    standard, express = us_shipping
    response = api.post(QUOTE, {**body(), "shipping_method": express.pk}, **headers)
    assert response.status_code == 200
    quote = response.json()
    assert [(m["id"], m["name"], m["price"]) for m in quote["methods"]] == [
        (standard.pk, "Standard", "5.00"),
        (express.pk, "Express", "15.00"),
    ]
    assert quote["shipping_method"] == express.pk
    assert quote["totals"]["subtotal"] == "48.00"
    assert quote["totals"]["shipping"] == "15.00"
    assert quote["totals"]["shipping_method"] == "Express"
    assert quote["totals"]["total"] == "63.00"
    assert quote["can_place"] is True
    assert quote["address"]["city"] == "Portland"
    assert quote["billing_address"] is None
    # Where no zone ships, the quote says so and placing is refused.
    abroad = api.post(QUOTE, body(country="FR", region=""), **headers).json()
    assert abroad["methods"] == []
    assert abroad["can_place"] is False
    assert abroad["shipping_error"] != ""


def test_placing_holds_the_stock_and_answers_the_order(api, shopper, headers, tee, us_shipping):
    billing = {**ADDRESS, "full_name": "Accounts Dept", "city": "Bangor"}
    response = api.post(PLACE, {**body(), "billing_address": billing}, **headers)
    assert response.status_code == 201
    order = Order.objects.get()
    answer = response.json()
    assert answer["number"] == order.number
    assert answer["status"] == "pending_payment"
    assert answer["status_label"] == "Awaiting payment"
    assert answer["email"] == "shopper@example.com"
    assert answer["totals"]["total"] == "53.00"
    assert answer["totals"]["shipping_method"] == "Standard"
    assert answer["lines"] == [
        {
            "variant": tee.pk,
            "sku": "TEE-M",
            "product": "Tee",
            "name": "M",
            "unit_price": "24.00",
            "quantity": 2,
            "line_total": "48.00",
        }
    ]
    assert answer["billing_address"]["full_name"] == "Accounts Dept"
    assert answer["hold_expires_at"] is not None
    assert [event["kind"] for event in answer["timeline"]] == ["placed"]
    assert order.user == shopper
    assert order.billing_address["city"] == "Bangor"
    assert Variant.objects.get(pk=tee.pk).stock == 3


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({"email": "not-an-email"}, {"email": ["Enter a valid email address."]}),
        ({"address": {**ADDRESS, "line1": ""}}, {"address.line1": ["This field is required."]}),
        ({"address": {**ADDRESS, "region": ""}}, {"address.region": ["Enter the state."]}),
        (
            {"address": {**ADDRESS, "country": "XX"}},
            {"address.country": ["Select a valid choice. XX is not one of the available choices."]},
        ),
        (
            {"billing_address": {**ADDRESS, "region": "Maine"}},
            {"billing_address.region": ["Enter the code of a state: NY, ON, NSW."]},
        ),
        ({"address": {**ADDRESS, "city": "a\x00b"}}, {"address.city": ["Null characters are not allowed."]}),
    ],
)
def test_a_bad_address_is_422_with_its_fields_and_nothing_changes(api, headers, tee, data, fields):
    response = api.post(PLACE, {**body(), **data}, **headers)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    assert response.json()["fields"] == fields
    assert api.post(QUOTE, {**body(), **data}, **headers).json()["fields"] == fields
    assert not Order.objects.exists()
    assert Variant.objects.get(pk=tee.pk).stock == 5


def test_a_missing_field_is_named(api, headers):
    response = api.post(PLACE, {"email": "shopper@example.com", "address": {"city": "Portland"}}, **headers)
    assert response.status_code == 422
    assert sorted(response.json()["fields"]) == [
        "address.country",
        "address.full_name",
        "address.line1",
        "address.postal_code",
    ]


def test_refusals_change_nothing(api, shopper, headers, tee):
    Variant.objects.filter(pk=tee.pk).update(stock=1)
    response = api.post(PLACE, body(), **headers)
    assert response.status_code == 409
    assert response.json()["code"] == "insufficient_stock"
    assert not Order.objects.exists()
    Variant.objects.filter(pk=tee.pk).update(stock=5)
    Cart.objects.filter(user=shopper).update(discount_code=DiscountCodeFactory(usage_limit=1, times_used=1).code)
    response = api.post(PLACE, body(), **headers)
    assert response.status_code == 422
    assert not Order.objects.exists()


def test_an_empty_cart_cannot_check_out(api, shopper, bearer):
    headers = {"content_type": "application/json", **bearer(shopper, "shop:read", "shop:write")}
    response = api.post(PLACE, body(), **headers)
    assert response.status_code == 422
    assert response.json()["code"] == "empty_cart"
    assert api.post(QUOTE, body(), **headers).json()["code"] == "empty_cart"


def test_a_guest_checks_out_and_the_session_remembers_the_order(api, tee):
    api.post("/api/v1/cart/lines", {"variant": tee.pk, "quantity": 1}, content_type="application/json")
    response = api.post(PLACE, {**body(), "email": "guest@example.com"}, content_type="application/json")
    assert response.status_code == 201
    number = response.json()["number"]
    assert Order.objects.get(number=number).user is None
    assert api.session["order_numbers"] == [number]
    assert api.get(f"/api/v1/orders/{number}").json()["email"] == "guest@example.com"


def test_a_read_only_token_cannot_place(api, shopper, bearer, tee):
    CartLineFactory(cart=CartFactory(user=shopper), variant=tee, quantity=1)
    response = api.post(PLACE, body(), content_type="application/json", **bearer(shopper, "shop:read"))
    assert response.status_code == 403
    assert response.json()["code"] == "scope_missing"
    assert not Order.objects.exists()
