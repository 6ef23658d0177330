"""The cart's totals: the order's figures for the place the cart estimates for, by the cheapest method."""

from datetime import timedelta
from decimal import Decimal

import pytest

from commerce.accounts.models import Address
from commerce.cart.estimate import cart_estimate, estimate_place
from commerce.orders.totals import cart_breakdown
from tests.commerce.shipping.factories import ShippingMethodFactory, ShippingZoneFactory
from tests.commerce.tax.factories import TaxRateFactory
from tests.factories import ADDRESS, CartFactory, CartLineFactory, DiscountCodeFactory, UserFactory, VariantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def us_shipping(db):  # type: ignore[no-untyped-def]
    zone = ShippingZoneFactory(name="United States", countries=["US"])
    ShippingMethodFactory(zone=zone, name="Express", price=Decimal("15.00"), position=0)
    return ShippingMethodFactory(zone=zone, name="Standard", price=Decimal("5.00"), free_over=Decimal("75.00"))


def cart_of(*lines: tuple[str, int], **fields: object):  # type: ignore[no-untyped-def]
    cart = CartFactory(**fields)
    for price, quantity in lines:
        CartLineFactory(cart=cart, variant=VariantFactory(price=price, stock=50), quantity=quantity)
    return cart


def figures(estimate) -> tuple[Decimal, ...]:  # type: ignore[no-untyped-def]
    b = estimate.breakdown
    return (b.subtotal, b.discount, b.shipping, b.tax, b.total)


class TestPlace:
    def test_the_store_country_when_nothing_is_known(self, settings):
        settings.STORE_COUNTRY = "CA"

        assert estimate_place(CartFactory()) == ("CA", "")
        assert estimate_place(None) == ("CA", "")

    def test_the_owners_latest_saved_address(self):
        user = UserFactory()
        older = Address.objects.create(user=user, **ADDRESS | {"country": "GB", "region": ""})
        Address.objects.create(user=user, **ADDRESS | {"country": "US", "region": "NY"})
        Address.objects.filter(pk=older.pk).update(created_at=older.created_at - timedelta(days=1))

        assert estimate_place(CartFactory(user=user)) == ("US", "NY")

    def test_the_owners_default_address_before_a_newer_one(self):
        user = UserFactory()
        Address.objects.create(user=user, default_shipping=True, **ADDRESS | {"country": "GB", "region": ""})
        Address.objects.create(user=user, **ADDRESS | {"country": "US", "region": "NY"})

        assert estimate_place(CartFactory(user=user)) == ("GB", "")

    def test_the_place_saved_on_the_cart_comes_first(self):
        user = UserFactory()
        Address.objects.create(user=user, **ADDRESS)

        assert estimate_place(CartFactory(user=user, estimate_country="DE", estimate_region="")) == ("DE", "")


class TestFigures:
    def test_cheapest_method_code_and_tax(self, us_shipping, now):
        TaxRateFactory(country="US", rate=Decimal("8"))
        DiscountCodeFactory(code="WELCOME10")
        cart = cart_of(("20.00", 2), ("10.00", 1), discount_code="WELCOME10", estimate_country="US")

        estimate = cart_estimate(cart, now=now)

        # 50.00 - 5.00 off; Standard 5.00 (under 75); tax 8% of 45.00 = 3.60 (shipping untaxed).
        assert figures(estimate) == (
            Decimal("50.00"),
            Decimal("5.00"),
            Decimal("5.00"),
            Decimal("3.60"),
            Decimal("53.60"),
        )
        assert (estimate.quote.name, estimate.breakdown.discount_label) == ("Standard", "WELCOME10 (10% off)")
        assert (estimate.not_shipped, estimate.code_error) == ("", None)

    def test_the_same_figures_as_checkouts_breakdown(self, us_shipping, now):
        TaxRateFactory(country="US", region="NY", name="NY sales tax", rate=Decimal("8.875"), applies_to_shipping=True)
        DiscountCodeFactory(code="FIVE", kind="fixed", value=Decimal("5.00"))
        user = UserFactory()
        cart = cart_of(("19.99", 3), ("7.25", 2), user=user, discount_code="FIVE", estimate_country="US")
        cart.estimate_region = "NY"
        cart.save()

        estimate = cart_estimate(cart, now=now)

        assert estimate.breakdown == cart_breakdown(
            cart,
            country="US",
            region="NY",
            shipping_method_pk=us_shipping.pk,
            code="FIVE",
            user=user,
            email=user.email,
            now=now,
        )

    def test_a_store_without_zones_charges_no_shipping(self, now):
        estimate = cart_estimate(cart_of(("12.50", 2)), now=now)

        assert figures(estimate) == (
            Decimal("25.00"),
            Decimal("0.00"),
            Decimal("0.00"),
            Decimal("0.00"),
            Decimal("25.00"),
        )
        assert (estimate.quote, estimate.not_shipped) == (None, "")

    def test_a_country_no_zone_serves_says_so(self, us_shipping, now):
        estimate = cart_estimate(cart_of(("12.50", 2), estimate_country="FR"), now=now)

        assert estimate.not_shipped == "We do not ship to France yet."
        assert estimate.breakdown.shipping == Decimal("0.00")

    def test_a_parcel_no_method_takes_says_so(self, now):
        method = ShippingMethodFactory(zone=ShippingZoneFactory(countries=["US"]), name="Light")
        method.brackets.create(up_to=100, price=Decimal("3.00"))
        cart = cart_of(estimate_country="US")
        CartLineFactory(cart=cart, variant=VariantFactory(weight=500))

        assert cart_estimate(cart, now=now).not_shipped == (
            "No shipping method of ours takes this order to United States."
        )

    def test_a_code_that_no_longer_applies_is_kept_but_not_counted(self, us_shipping, now):
        DiscountCodeFactory(code="GONE", ends_at=now)
        cart = cart_of(("20.00", 1), discount_code="GONE")

        estimate = cart_estimate(cart, now=now)

        assert estimate.code_error is not None
        assert estimate.code_error.message == "The code GONE has expired."
        assert figures(estimate) == (
            Decimal("20.00"),
            Decimal("0.00"),
            Decimal("5.00"),
            Decimal("0.00"),
            Decimal("25.00"),
        )
        cart.refresh_from_db()
        assert cart.discount_code == "GONE"

    def test_free_shipping_code_and_free_over_read_after_the_discount(self, us_shipping, now):
        DiscountCodeFactory(code="TENOFF", kind="fixed", value=Decimal("10.00"))
        cart = cart_of(("80.00", 1), discount_code="TENOFF")

        estimate = cart_estimate(cart, now=now)

        # 80 - 10 = 70, under Standard's free-over of 75: Standard costs 5.00.
        assert (estimate.quote.name, estimate.breakdown.shipping) == ("Standard", Decimal("5.00"))


@pytest.fixture
def now(clock):  # type: ignore[no-untyped-def]
    return clock.now
