"""The cart through the API: a token's person's cart, a guest session's cart, the services' refusals."""

import pytest
from django.test import Client

from commerce.cart.models import Cart, CartLine
from tests.factories import CartFactory, CartLineFactory, DiscountCodeFactory, UserFactory, VariantFactory

URL = "/api/v1/cart"


@pytest.fixture
def tee(db):  # type: ignore[no-untyped-def]
    return VariantFactory(product__name="Tee", name="M", sku="TEE-M", price="24.00", stock=5)


def lines(cart: Cart) -> list[tuple[str, int]]:
    return [(line.variant.sku, line.quantity) for line in CartLine.objects.filter(cart=cart).order_by("pk")]


def test_an_empty_cart_reads_as_empty(api, shopper, bearer):
    response = api.get(URL, **bearer(shopper, "shop:read"))
    assert response.status_code == 200
    assert response.json() == {
        "currency": "USD",
        "count": 0,
        "subtotal": "0.00",
        "discount_code": "",
        "lines": [],
        "estimate": None,
    }


def test_a_token_adds_changes_and_removes_lines_of_its_persons_cart(api, shopper, bearer, tee, capture_broadcasts):
    headers = bearer(shopper, "shop:read", "shop:write")
    with capture_broadcasts() as sent:
        response = api.post(
            f"{URL}/lines", {"variant": tee.pk, "quantity": 2}, content_type="application/json", **headers
        )
    assert response.status_code == 200
    cart = Cart.objects.get(user=shopper)
    body = response.json()
    assert body["count"] == 2
    assert body["subtotal"] == "48.00"
    assert body["lines"] == [
        {
            "variant": tee.pk,
            "sku": "TEE-M",
            "product": "Tee",
            "name": "M",
            "unit_price": "24.00",
            "quantity": 2,
            "line_total": "48.00",
            "available": 5,
            "problem": "",
            "image": None,
        }
    ]
    assert body["estimate"]["country"] == "US"
    assert body["estimate"]["totals"]["subtotal"] == "48.00"
    assert body["estimate"]["totals"]["total"] == "48.00"
    # The cart's other tabs and devices follow (the service publishes the cart's topic).
    assert f"cart.{cart.pk}" in {topic for topic, _ in sent}

    response = api.patch(f"{URL}/lines/{tee.pk}", {"quantity": 3}, content_type="application/json", **headers)
    assert response.status_code == 200
    assert response.json()["count"] == 3
    assert lines(cart) == [("TEE-M", 3)]

    response = api.patch(f"{URL}/lines/{tee.pk}", {"quantity": 0}, content_type="application/json", **headers)
    assert response.status_code == 200
    assert response.json()["lines"] == []
    assert lines(cart) == []

    api.post(f"{URL}/lines", {"variant": tee.pk, "quantity": 1}, content_type="application/json", **headers)
    response = api.delete(f"{URL}/lines/{tee.pk}", **headers)
    assert response.status_code == 200
    assert response.json()["count"] == 0
    assert lines(cart) == []


def test_stock_and_limits_are_refused_and_nothing_changes(api, shopper, bearer, tee, settings):
    headers = bearer(shopper, "shop:write")
    post = {"content_type": "application/json", **headers}
    api.post(f"{URL}/lines", {"variant": tee.pk, "quantity": 4}, **post)
    response = api.post(f"{URL}/lines", {"variant": tee.pk, "quantity": 2}, **post)
    assert response.status_code == 422
    assert response.json() == {
        "code": "insufficient_stock",
        "message": "Only 5 of Tee — M left, and you already have 4 in your cart.",
        "fields": {},
    }
    response = api.post(f"{URL}/lines", {"variant": tee.pk, "quantity": 0}, **post)
    assert response.status_code == 422
    assert response.json()["code"] == "bad_quantity"
    response = api.patch(f"{URL}/lines/{tee.pk}", {"quantity": 6}, **post)
    assert response.status_code == 422
    assert response.json()["code"] == "insufficient_stock"
    response = api.patch(f"{URL}/lines/{tee.pk}", {"quantity": -1}, **post)
    assert response.status_code == 422
    assert response.json()["code"] == "bad_quantity"
    assert lines(Cart.objects.get(user=shopper)) == [("TEE-M", 4)]


def test_unknown_variants_are_404_and_bad_bodies_422(api, shopper, bearer, tee):
    post = {"content_type": "application/json", **bearer(shopper, "shop:write")}
    missing = api.post(f"{URL}/lines", {"variant": tee.pk + 1000, "quantity": 1}, **post)
    assert missing.status_code == 404
    assert missing.json()["fields"] == {"variant": ["No such product option."]}
    assert api.post(f"{URL}/lines", {"variant": 2**63, "quantity": 1}, **post).status_code == 422
    bad = api.post(f"{URL}/lines", {"variant": "tee", "quantity": 1}, **post)
    assert bad.status_code == 422
    assert list(bad.json()["fields"]) == ["variant"]
    assert api.patch(f"{URL}/lines/{tee.pk}", {"quantity": 1}, **post).status_code == 404  # no cart yet
    assert api.patch(f"{URL}/lines/{2**62}", {"quantity": 1}, **post).status_code == 404
    assert not CartLine.objects.exists()


def test_a_code_is_applied_and_taken_off(api, shopper, bearer, tee):
    DiscountCodeFactory(code="WELCOME10")
    post = {"content_type": "application/json", **bearer(shopper, "shop:read", "shop:write")}
    api.post(f"{URL}/lines", {"variant": tee.pk, "quantity": 2}, **post)

    unknown = api.post(f"{URL}/code", {"code": "NOPE"}, **post)
    assert unknown.status_code == 422
    assert unknown.json()["fields"] == {"code": [unknown.json()["message"]]}
    empty = api.post(f"{URL}/code", {"code": " "}, **post)
    assert empty.json() == {"code": "invalid", "message": "Enter a code.", "fields": {"code": ["Enter a code."]}}
    assert api.post(f"{URL}/code", {"code": "a\x00b"}, **post).status_code == 422

    response = api.post(f"{URL}/code", {"code": "welcome10"}, **post)
    assert response.status_code == 200
    body = response.json()
    assert body["discount_code"] == "WELCOME10"
    assert body["estimate"]["totals"]["discount"] == "4.80"
    assert body["estimate"]["totals"]["total"] == "43.20"

    response = api.delete(f"{URL}/code", **post)
    assert response.json()["discount_code"] == ""
    assert Cart.objects.get(user=shopper).discount_code == ""


def test_a_guest_session_has_its_own_cart_and_no_one_elses(api, tee):
    CartLineFactory(cart=CartFactory(user=UserFactory()), variant=tee, quantity=1)
    response = api.post(f"{URL}/lines", {"variant": tee.pk, "quantity": 1}, content_type="application/json")
    assert response.status_code == 200
    guest_cart = Cart.objects.get(user=None)
    assert api.session["cart_pk"] == guest_cart.pk
    assert api.get(URL).json()["count"] == 1
    # Another browser sees none of it.
    assert Client(HTTP_HOST="127.0.0.1").get(URL).json()["count"] == 0


def test_scopes_are_needed(api, shopper, bearer, tee):
    response = api.post(
        f"{URL}/lines",
        {"variant": tee.pk, "quantity": 1},
        content_type="application/json",
        **bearer(shopper, "shop:read"),
    )
    assert response.status_code == 403
    assert response.json()["code"] == "scope_missing"
    assert api.get(URL, **bearer(shopper, "shop:write")).json()["code"] == "scope_missing"
    assert not CartLine.objects.exists()


def test_a_session_write_needs_the_csrf_header(shopper, tee):
    browser = Client(HTTP_HOST="127.0.0.1", enforce_csrf_checks=True)
    browser.force_login(shopper)
    browser.get("/")  # the page sets the CSRF cookie
    body = {"variant": tee.pk, "quantity": 1}
    refused = browser.post(f"{URL}/lines", body, content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed"
    assert not CartLine.objects.exists()
    token = browser.cookies["csrftoken"].value
    done = browser.post(f"{URL}/lines", body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert done.status_code == 200
    assert lines(Cart.objects.get(user=shopper)) == [("TEE-M", 1)]


@pytest.mark.parametrize("quantity", [False, True, "2", 2.0, None])
def test_a_quantity_must_be_a_json_integer(api, shopper, bearer, quantity):
    variant = VariantFactory(stock=5)
    headers = bearer(shopper, "shop:read", "shop:write")
    added = api.post(
        "/api/v1/cart/lines", {"variant": variant.pk, "quantity": 1}, content_type="application/json", **headers
    )
    assert added.status_code == 200
    response = api.patch(
        f"/api/v1/cart/lines/{variant.pk}", {"quantity": quantity}, content_type="application/json", **headers
    )
    assert response.status_code == 422
    assert list(response.json()["fields"]) == ["quantity"]
    assert api.get("/api/v1/cart", **headers).json()["lines"][0]["quantity"] == 1
