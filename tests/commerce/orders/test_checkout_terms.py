"""Checkout with the shop's terms (issue 17): the review page offers the shipping methods serving
the address as `shipping_method` radios, shows the breakdown with the chosen one and the cart's
code, and placing stores it; a code or a method that no longer works is refused, changing nothing."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from commerce.cart.models import Cart
from commerce.catalog.models import Variant
from commerce.discounts.models import DiscountCode, DiscountRedemption
from commerce.orders.models import Order
from commerce.shipping.models import ShippingMethod, ShippingZone
from tests.commerce.shipping.factories import ShippingMethodFactory, ShippingZoneFactory
from tests.commerce.tax.factories import TaxRateFactory
from tests.factories import ADDRESS, DiscountCodeFactory, VariantFactory

pytestmark = pytest.mark.django_db

CHECKOUT = reverse("orders:checkout")
REVIEW = reverse("orders:review")
SHIPPING = reverse("orders:shipping")
PLACE = reverse("orders:place")
MARKED = re.compile(r'data-amount="(\w+)"[^>]*>([^<]*)<')


def figures(html: str) -> dict[str, str]:
    return dict(MARKED.findall(html))


@pytest.fixture
def terms(db):  # type: ignore[no-untyped-def]
    """Standard 5.00 (free over 75.00) and Express 15.00 in the US; 8% US tax on goods."""
    us = ShippingZoneFactory(name="United States", countries=["US"])
    standard = ShippingMethodFactory(zone=us, name="Standard", price="5.00", free_over="75.00", estimate="3–5 days")
    express = ShippingMethodFactory(zone=us, name="Express", price="15.00", estimate="1–2 days")
    TaxRateFactory(country="US", rate="8")
    return {"standard": standard, "express": express}


@pytest.fixture
def shopper(client: Client, terms) -> Client:  # type: ignore[no-untyped-def]
    """A guest with 2 × Tee (24.00) in the cart and the address step done (Maine, US)."""
    variant = VariantFactory(product__name="Tee", name="M", sku="TEE-M", price="24.00", stock=5)
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 2})
    response = client.post(CHECKOUT, {"email": "guest@example.com", **ADDRESS})
    assert response.status_code == 302
    return client


def with_code(**terms: object) -> DiscountCode:
    code = DiscountCodeFactory(code="WELCOME10", **terms)
    Cart.objects.update(discount_code=code.code)
    return code


def test_review_offers_the_methods_serving_the_address_cheapest_chosen(shopper, terms):
    page = shopper.get(REVIEW).content.decode()

    radios = re.findall(r'<input type="radio" id="[^"]+" name="shipping_method" value="(\d+)"( checked)?>', page)
    assert radios == [(str(terms["standard"].pk), " checked"), (str(terms["express"].pk), "")]
    assert "Standard" in page
    assert "3–5 days" in page
    assert "$15.00" in page
    assert figures(page) == {
        "subtotal": "$48.00",
        "shipping": "$5.00",
        "tax": "$3.84",
        "total": "$56.84",
    }
    assert "Pay $56.84" in page


def test_choosing_a_method_updates_the_figures_and_is_placed(shopper, terms):
    chosen = shopper.post(SHIPPING, {"shipping_method": terms["express"].pk}, HTTP_HX_REQUEST="true")

    assert chosen.status_code == 200
    assert figures(chosen.content.decode())["total"] == "$66.84"
    assert 'id="review-body"' in chosen.content.decode()
    assert figures(shopper.get(REVIEW).content.decode())["shipping"] == "$15.00"  # remembered

    shopper.post(PLACE, {"shipping_method": terms["express"].pk})
    order = Order.objects.get()
    assert (order.shipping_method_name, order.shipping_total, order.tax_total, order.total) == (
        "Express",
        Decimal("15.00"),
        Decimal("3.84"),
        Decimal("66.84"),
    )


def test_a_method_of_another_zone_is_refused_and_nothing_changes(shopper, terms):
    elsewhere = ShippingMethodFactory(zone__name="Canada", zone__countries=["CA"], name="Canada Post")

    chosen = shopper.post(SHIPPING, {"shipping_method": elsewhere.pk}, HTTP_HX_REQUEST="true")
    assert chosen.status_code == 422
    assert "This shipping method is no longer offered" in chosen.content.decode()

    placed = shopper.post(PLACE, {"shipping_method": elsewhere.pk})
    assert placed.status_code == 422
    assert "Canada Post does not ship to United States (ME)" in placed.content.decode()
    assert Order.objects.count() == 0
    assert Variant.objects.get(sku="TEE-M").stock == 5


def test_an_address_no_zone_serves_is_refused_at_review_and_place(client, terms):
    variant = VariantFactory(price="24.00", stock=5)
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 1})
    client.post(CHECKOUT, {"email": "guest@example.com", **ADDRESS, "country": "FR", "region": ""})

    page = client.get(REVIEW).content.decode()
    assert "We do not ship to France yet." in page
    assert "Pay $" not in page

    placed = client.post(PLACE)
    assert placed.status_code == 422
    assert Order.objects.count() == 0


def test_the_carts_code_is_shown_and_placed_with_its_use_taken(shopper):
    code = with_code()

    page = shopper.get(REVIEW).content.decode()
    # 48.00 - 4.80 = 43.20 (below 75.00: Standard is 5.00), 8% of 43.20 = 3.46.
    assert figures(page) == {
        "subtotal": "$48.00",
        "discount": "−$4.80",
        "shipping": "$5.00",
        "tax": "$3.46",
        "total": "$51.66",
    }
    assert "WELCOME10 (10% off)" in page

    shopper.post(PLACE)
    order = Order.objects.get()
    assert (order.discount_code, order.discount_total, order.total) == ("WELCOME10", Decimal("4.80"), Decimal("51.66"))
    code.refresh_from_db()
    assert code.times_used == 1
    assert DiscountRedemption.objects.get().order == order


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ends_at": timezone.now() - timedelta(minutes=1)}, "The code WELCOME10 has expired."),
        ({"usage_limit": 3, "times_used": 3}, "The code WELCOME10 has been used as many times as it allows."),
        ({"is_active": False}, "“WELCOME10” is not a discount code we know."),
    ],
    ids=["expired", "used_up", "withdrawn"],
)
def test_a_code_that_stopped_working_is_refused_with_its_reason(shopper, change, message):
    code = with_code()
    DiscountCode.objects.filter(pk=code.pk).update(**change)

    page = shopper.get(REVIEW).content.decode()
    assert message in page
    assert "Pay $" not in page
    assert "discount" not in figures(page)

    placed = shopper.post(PLACE)
    assert placed.status_code == 422
    assert message in placed.content.decode()
    assert Order.objects.count() == 0
    assert Variant.objects.get(sku="TEE-M").stock == 5
    assert Cart.objects.get().discount_code == "WELCOME10"  # the shopper decides, on the cart page


def test_free_shipping_code_makes_every_method_free(shopper):
    with_code(kind=DiscountCode.Kind.FREE_SHIPPING, value="0")

    page = shopper.get(REVIEW).content.decode()
    assert page.count("Free with the code WELCOME10") == 2
    assert figures(page)["shipping"] == "Free"


def test_a_store_with_no_zones_ships_free(client):
    assert not ShippingZone.objects.exists()
    assert not ShippingMethod.objects.exists()
    variant = VariantFactory(price="24.00", stock=5)
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 1})
    client.post(CHECKOUT, {"email": "guest@example.com", **ADDRESS})

    page = client.get(REVIEW).content.decode()
    assert 'name="shipping_method"' not in page
    assert figures(page) == {"subtotal": "$24.00", "shipping": "Free", "total": "$24.00"}
    client.post(PLACE)
    assert Order.objects.get().total == Decimal("24.00")


def test_the_address_step_shows_the_code_and_leaves_shipping_for_later(client, terms):
    variant = VariantFactory(price="24.00", stock=5)
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 2})
    with_code()

    page = client.get(CHECKOUT).content.decode()
    assert figures(page) == {"subtotal": "$48.00", "discount": "−$4.80", "total": "$43.20"}
    assert "Shipping and tax" in page
    assert "At the next step" in page


def test_the_review_page_and_a_method_change_read_the_cart_once(shopper, terms):
    """One read of the cart's lines serves the page's summary, the offer, the figures and, on a full
    page, the header's mini cart."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for request, reads in (
        (lambda: shopper.get(REVIEW), 1),
        (lambda: shopper.post(SHIPPING, {"shipping_method": terms["express"].pk}, HTTP_HX_REQUEST="true"), 1),
    ):
        with CaptureQueriesContext(connection) as queries:
            assert request().status_code == 200
        assert sum('FROM "cart_cartline"' in q["sql"] for q in queries.captured_queries) == reads
