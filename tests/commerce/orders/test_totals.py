"""An order's figures worked out once: the code per line, then shipping, then tax per line, rounded.

The breakdown's inputs are built by hand (lines, a quote, a code worked out as discount_check does);
the tax comes from rate rows, as the store's provider reads them. cart_breakdown is then tested on
carts in the database, with real codes and shipping methods.
"""

from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commerce.discounts.errors import DiscountError
from commerce.discounts.models import DiscountCode, DiscountRedemption
from commerce.discounts.pricing import ZERO, AppliedDiscount, allocate, amount_off
from commerce.orders.models import Order
from commerce.orders.totals import (
    Breakdown,
    PricedLine,
    breakdown,
    cart_breakdown,
    cart_lines,
    discounted_amounts,
    parcel_weight,
    shipping_subtotal,
)
from commerce.shipping.errors import ShippingError
from commerce.shipping.selectors import Quote
from commerce.tax.calculation import TaxLine
from commerce.tax.models import TaxRate
from tests.commerce.shipping.factories import ShippingMethodFactory, ShippingZoneFactory
from tests.commerce.tax.factories import TaxRateFactory
from tests.factories import ADDRESS, CartFactory, CartLineFactory, DiscountCodeFactory, VariantFactory

pytestmark = pytest.mark.django_db
D = Decimal
K = DiscountCode.Kind
STANDARD = Quote(1, "Standard", D("5.00"), "3–5 business days")
EXPRESS = Quote(2, "Express", D("15.00"), "1–2 business days")


@pytest.fixture
def rates(db):  # type: ignore[no-untyped-def]
    """8% in the US, not on shipping; 8.875% in New York, on shipping too; 20% VAT in the UK, on shipping."""
    TaxRateFactory(country="US", name="Sales tax", rate=D("8"))
    TaxRateFactory(country="US", region="NY", name="NY sales tax", rate=D("8.875"), applies_to_shipping=True)
    TaxRateFactory(country="GB", name="VAT", rate=D("20"), applies_to_shipping=True)


def line(pk: int, quantity: int, price: str, *, weight: int = 0) -> PricedLine:
    """A line of variant `pk`, its product pk×10 and category pk×100 (so codes can name them)."""
    return PricedLine(pk, pk * 10, pk * 100, quantity, D(price), weight)


def code(lines: list[PricedLine], kind: str = K.PERCENT, value: str = "10", *, text: str = "WELCOME10", only=()):  # type: ignore[no-untyped-def]
    """What discount_check answers for these lines, worked out the same way without the database;
    `only` names the variant pks a restricted code covers."""
    found = DiscountCode(code=text, kind=kind, value=D(value))
    looked = [item.for_discount() for item in lines]
    eligible = [item for item in looked if not only or item.variant_pk in only]
    subtotal = sum((item.total for item in looked), D(0))
    amount = amount_off(found, eligible_total=sum((item.total for item in eligible), D(0)), subtotal=subtotal)
    allocation = {item.variant_pk: ZERO for item in looked} | allocate(amount, eligible)
    return AppliedDiscount(found, amount, kind == K.FREE_SHIPPING, allocation)


def figures(result: Breakdown) -> tuple[Decimal, ...]:
    return (result.subtotal, result.discount, result.shipping, result.tax, result.total)


def adds_up(result: Breakdown) -> bool:
    return result.total == result.subtotal - result.discount + result.shipping + result.tax_on_top


class TestRounding:
    def test_a_percent_code_then_new_york_tax_on_the_discounted_line(self, rates):
        lines = [line(1, 3, "3.33")]

        result = breakdown(lines, country="US", region="NY", shipping=None, discount=code(lines))

        # 9.99 - 0.999 (1.00) = 8.99; tax 8.99 × 8.875% = 0.7978625 (0.80)
        assert figures(result) == (D("9.99"), D("1.00"), D("0.00"), D("0.80"), D("9.79"))
        assert result.tax_lines == (TaxLine("NY sales tax", D("8.875"), D("8.99"), D("0.80")),)
        assert (result.shipping_method, result.prices_include_tax, result.total_minor) == (None, False, 979)
        assert (result.discount_code, result.discount_label) == ("WELCOME10", "WELCOME10 (10% off)")

    def test_tax_is_rounded_per_discounted_line_not_on_the_sum(self, rates):
        lines = [line(1, 3, "3.33"), line(2, 1, "3.33")]
        applied = code(lines)  # 1.332 -> 1.33, spread 1.00 + 0.33

        result = breakdown(lines, country="US", region="NY", shipping=STANDARD, discount=applied)

        assert discounted_amounts(lines, applied) == {1: D("8.99"), 2: D("3.00")}
        # 0.7978625 (0.80) + 0.26625 (0.27), not 11.99 × 8.875% = 1.0641 (1.06); shipping 0.44375 (0.44)
        assert figures(result) == (D("13.32"), D("1.33"), D("5.00"), D("1.51"), D("18.50"))
        assert result.tax_lines == (TaxLine("NY sales tax", D("8.875"), D("16.99"), D("1.51")),)

    def test_a_yen_store_works_in_whole_yen(self, settings, db):
        settings.STORE_CURRENCY = "JPY"
        TaxRateFactory(country="JP", name="Consumption tax", rate=D("10"), applies_to_shipping=True)
        lines = [line(1, 3, "333")]

        result = breakdown(lines, country="JP", shipping=Quote(1, "Yamato", D("500"), ""), discount=code(lines))

        # 999 - 99.9 (100) = 899; tax 89.9 (90) + shipping's 50
        assert [str(amount) for amount in figures(result)] == ["999", "100", "500", "140", "1539"]
        assert result.total_minor == 1539
        assert result.tax_lines == (TaxLine("Consumption tax", D("10"), D("1399"), D("140")),)


@pytest.mark.parametrize(
    ("inclusive", "tax", "total", "tax_line"),
    [
        # 21.60 × 20% = 4.32, shipping 6.00 × 20% = 1.20: added on top
        pytest.param(False, "5.52", "33.12", TaxLine("VAT", D("20"), D("27.60"), D("5.52")), id="exclusive"),
        # 21.60 holds 3.60 (base 18.00), 6.00 holds 1.00 (base 5.00): the shopper pays the prices
        pytest.param(True, "4.60", "27.60", TaxLine("VAT", D("20"), D("23.00"), D("4.60")), id="inclusive"),
    ],
)
def test_tax_is_on_top_of_exclusive_prices_and_inside_inclusive_ones(settings, rates, inclusive, tax, total, tax_line):
    settings.PRICES_INCLUDE_TAX = inclusive
    lines = [line(1, 2, "12.00")]
    six = Quote(1, "Royal Mail", D("6.00"), "2–3 days")

    result = breakdown(lines, country="GB", shipping=six, discount=code(lines))

    assert figures(result) == (D("24.00"), D("2.40"), D("6.00"), D(tax), D(total))
    assert result.prices_include_tax is inclusive
    assert result.tax_on_top == (D("0.00") if inclusive else D(tax))
    assert result.tax_lines == (tax_line,)
    assert adds_up(result)


@pytest.mark.parametrize(
    ("region", "tax", "total"),
    [
        pytest.param("NY", "1.33", "16.33", id="new-york-taxes-shipping"),  # 0.8875 (0.89) + 0.44375 (0.44)
        pytest.param("TX", "0.80", "15.80", id="the-us-rate-does-not"),
    ],
)
def test_shipping_is_taxed_only_where_the_rate_says_so(rates, region, tax, total):
    result = breakdown([line(1, 1, "10.00")], country="US", region=region, shipping=STANDARD, discount=None)

    assert figures(result) == (D("10.00"), D("0.00"), D("5.00"), D(tax), D(total))
    assert result.shipping_method == STANDARD
    assert adds_up(result)


class TestShipping:
    def test_a_free_shipping_code_makes_the_chosen_method_free_and_says_so(self, rates):
        lines = [line(1, 1, "10.00")]

        result = breakdown(
            lines,
            country="US",
            region="NY",
            shipping=EXPRESS,
            discount=code(lines, K.FREE_SHIPPING, "0", text="SHIPFREE"),
        )

        assert figures(result) == (D("10.00"), D("0.00"), D("0.00"), D("0.89"), D("10.89"))
        assert result.shipping_method == Quote(
            2, "Express", D("0.00"), "1–2 business days", "Free with the code SHIPFREE"
        )
        assert result.discount_label == "SHIPFREE (Free shipping)"

    def test_a_method_free_over_its_threshold_keeps_its_own_reason(self, rates):
        free = Quote(1, "Standard", D("0.00"), "3–5 business days", "Free on orders of $75.00 or more")
        lines = [line(1, 1, "80.00")]

        result = breakdown(
            lines, country="US", shipping=free, discount=code(lines, K.FREE_SHIPPING, "0", text="SHIPFREE")
        )

        assert result.shipping_method == free

    def test_the_threshold_is_compared_with_the_subtotal_after_the_code(self):
        lines = [line(1, 1, "80.00", weight=400), line(2, 2, "5.00", weight=250)]

        assert shipping_subtotal(lines, None) == D("90.00")
        assert shipping_subtotal(lines, code(lines, value="20")) == D("72.00")
        assert parcel_weight(lines) == 900


class TestNeverBelowZero:
    def test_a_fixed_code_above_what_it_covers_takes_that_and_no_more(self, rates):
        lines = [line(1, 2, "24.00"), line(2, 1, "14.00")]
        mugs_only = code(lines, K.FIXED, "50.00", text="MUGFIFTY", only={2})

        result = breakdown(lines, country="US", region="TX", shipping=None, discount=mugs_only)

        assert discounted_amounts(lines, mugs_only) == {1: D("48.00"), 2: D("0.00")}
        assert figures(result) == (D("62.00"), D("14.00"), D("0.00"), D("3.84"), D("51.84"))

    def test_a_fixed_code_above_the_whole_cart_leaves_it_at_zero(self, rates):
        lines = [line(2, 1, "14.00")]

        result = breakdown(lines, country="US", region="NY", shipping=None, discount=code(lines, K.FIXED, "50.00"))

        assert figures(result) == (D("14.00"), D("14.00"), D("0.00"), D("0.00"), D("0.00"))

    def test_a_share_above_its_line_lowers_the_line_to_zero_and_no_further(self, rates):
        lines = [line(2, 1, "14.00")]
        stale = AppliedDiscount(
            DiscountCode(code="OLD", kind=K.FIXED, value=D("20")), D("20.00"), False, {2: D("20.00")}
        )

        result = breakdown(lines, country="US", shipping=STANDARD, discount=stale)

        assert figures(result) == (D("14.00"), D("14.00"), D("5.00"), D("0.00"), D("5.00"))

    def test_figures_that_do_not_add_up_are_refused(self):
        with pytest.raises(ValueError, match="total"):
            Breakdown(D("10.00"), D("0.00"), D("0.00"), D("0.80"), D("10.00"), prices_include_tax=False)
        with pytest.raises(ValueError, match="negative"):
            Breakdown(D("10.00"), D("11.00"), D("0.00"), D("0.00"), D("-1.00"), prices_include_tax=False)

    def test_two_lines_of_one_variant_are_refused_rather_than_one_going_uncounted(self, rates):
        with pytest.raises(ValueError, match="one line"):
            breakdown([line(1, 1, "5.00"), line(1, 2, "5.00")], country="US", shipping=None, discount=None)


# Lines of 0.00 to 999.99 at any quantity a cart allows, a code of each kind, a rate up to 30%.
priced_lines = st.lists(st.tuples(st.integers(1, 99), st.integers(0, 99_999)), min_size=0, max_size=4).map(
    lambda drawn: [line(pk, quantity, f"{cents / 100:.2f}") for pk, (quantity, cents) in enumerate(drawn, 1)]
)
codes = st.one_of(
    st.none(),
    st.tuples(st.just(K.PERCENT), st.integers(1, 100).map(str)),
    st.tuples(st.just(K.FIXED), st.integers(1, 50_000).map(lambda cents: f"{cents / 100:.2f}")),
    st.tuples(st.just(K.FREE_SHIPPING), st.just("0")),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lines=priced_lines,
    drawn_code=codes,
    covered=st.sets(st.integers(1, 4)),
    rate=st.integers(0, 300_000).map(lambda ten_thousandths: D(ten_thousandths).scaleb(-4)),
    on_shipping=st.booleans(),
    shipping=st.one_of(st.none(), st.integers(0, 5_000).map(lambda cents: D(cents).scaleb(-2))),
    inclusive=st.booleans(),
)
def test_any_cart_adds_up_and_never_goes_below_zero(
    db, lines, drawn_code, covered, rate, on_shipping, shipping, inclusive
):  # type: ignore[no-untyped-def]
    TaxRate.objects.update_or_create(
        country="US",
        region="",
        active=True,
        defaults={"name": "Sales tax", "rate": rate, "applies_to_shipping": on_shipping},
    )
    applied = None
    if drawn_code is not None and any(item.variant_pk in covered for item in lines):
        applied = code(lines, *drawn_code, only=covered)
    quote = None if shipping is None else Quote(1, "Standard", shipping, "")

    with override_settings(PRICES_INCLUDE_TAX=inclusive):
        result = breakdown(lines, country="US", shipping=quote, discount=applied)

    assert result.total >= 0
    assert 0 <= result.discount <= result.subtotal
    assert result.subtotal == sum((item.total for item in lines), D(0))
    assert adds_up(result)
    assert result.tax == sum((tax_line.amount for tax_line in result.tax_lines), D(0))
    if applied is not None and not applied.free_shipping:
        assert result.discount == applied.amount
    if inclusive:
        assert result.tax <= result.total


# --- From the database: a cart, its codes and the store's shipping methods ----------------------


@pytest.fixture
def standard(db):  # type: ignore[no-untyped-def]
    """Standard (5.00, free from 75.00) and Express (15.00), across the US."""
    us = ShippingZoneFactory(name="United States", countries=["US"])
    ShippingMethodFactory(zone=us, name="Express", price=D("15.00"), estimate="1–2 business days")
    return ShippingMethodFactory(
        zone=us, name="Standard", price=D("5.00"), free_over=D("75.00"), estimate="3–5 business days"
    )


def cart_of(*lines: tuple[str, int]):  # type: ignore[no-untyped-def]
    cart = CartFactory()
    for price, quantity in lines:
        CartLineFactory(cart=cart, variant=VariantFactory(price=price, stock=20), quantity=quantity)
    return cart


def test_a_cart_at_todays_prices_with_a_code_standard_shipping_and_new_york_tax(rates, standard, filled_cart, buyer):
    DiscountCodeFactory(code="WELCOME10", value="10")

    result = cart_breakdown(
        filled_cart,
        country="US",
        region="NY",
        shipping_method_pk=str(standard.pk),  # as the radio posts it
        code=" welcome10 ",
        user=buyer,
        email=buyer.email,
        now=timezone.now(),
    )

    # 2 × 24.00 + 14.00 = 62.00; 10% off = 6.20 (4.80 + 1.40); 55.80 is below 75.00: 5.00 shipping;
    # tax 43.20 × 8.875% = 3.834 (3.83), 12.60 → 1.11825 (1.12), shipping 0.44375 (0.44)
    assert figures(result) == (D("62.00"), D("6.20"), D("5.00"), D("5.39"), D("66.19"))
    assert result.tax_lines == (TaxLine("NY sales tax", D("8.875"), D("60.80"), D("5.39")),)
    assert result.shipping_method == Quote(standard.pk, "Standard", D("5.00"), "3–5 business days")
    assert result.discount_label == "WELCOME10 (10% off)"


def test_without_a_cart_a_method_or_a_code_everything_is_zero(rates):
    result = cart_breakdown(None, country="US", region="NY", shipping_method_pk="", code="  ", now=timezone.now())

    assert figures(result) == (D("0.00"),) * 5
    assert (result.shipping_method, result.applied_discount) == (None, None)


@pytest.mark.parametrize(
    ("price", "shipping", "reason"),
    [
        pytest.param("74.99", "5.00", "", id="below"),
        pytest.param("75.00", "0.00", "Free on orders of $75.00 or more", id="at"),
        pytest.param("75.01", "0.00", "Free on orders of $75.00 or more", id="above"),
    ],
)
def test_standard_is_free_from_its_threshold(standard, price, shipping, reason):
    result = cart_breakdown(
        cart_of((price, 1)), country="US", region="ME", shipping_method_pk=standard.pk, now=timezone.now()
    )

    assert (result.shipping, result.shipping_method.free_reason) == (D(shipping), reason)
    assert result.total == D(price) + D(shipping)  # Maine: no rate here


@pytest.mark.parametrize(
    ("price", "shipping"),
    [
        pytest.param("80.00", "5.00", id="a-code-below-the-threshold-pays-shipping"),  # 72.00 after 10%
        pytest.param("85.00", "0.00", id="still-above-after-the-code-ships-free"),  # 76.50
    ],
)
def test_the_threshold_counts_the_code(standard, price, shipping):
    DiscountCodeFactory(code="WELCOME10", value="10")

    result = cart_breakdown(
        cart_of((price, 1)), country="US", shipping_method_pk=standard.pk, code="WELCOME10", now=timezone.now()
    )

    assert result.shipping == D(shipping)


def test_a_free_shipping_code_ships_express_free(standard):
    express = standard.zone.methods.get(name="Express")
    DiscountCodeFactory(code="SHIPFREE", kind=K.FREE_SHIPPING, value="0")

    result = cart_breakdown(
        cart_of(("20.00", 1)), country="US", shipping_method_pk=express.pk, code="shipfree", now=timezone.now()
    )

    assert figures(result) == (D("20.00"), D("0.00"), D("0.00"), D("0.00"), D("20.00"))
    assert result.shipping_method.free_reason == "Free with the code SHIPFREE"


def test_a_code_comes_off_the_sale_price_not_the_price_before_the_sale(rates):
    on_sale = VariantFactory(price="20.00", compare_at_price="25.00")
    cart = CartFactory()
    CartLineFactory(cart=cart, variant=on_sale, quantity=2)
    DiscountCodeFactory(code="WELCOME10", value="10")

    result = cart_breakdown(cart, country="US", region="TX", code="WELCOME10", now=timezone.now())

    assert [(item.unit_price, item.total) for item in cart_lines(cart)] == [(D("20.00"), D("40.00"))]
    # 10% of 40.00 (not of 50.00); 36.00 × 8% = 2.88
    assert figures(result) == (D("40.00"), D("4.00"), D("0.00"), D("2.88"), D("38.88"))


@pytest.mark.parametrize("signed_in", [True, False], ids=["account", "guest-with-the-same-email"])
def test_a_code_used_up_by_this_customer_is_refused(filled_cart, buyer, signed_in):
    once = DiscountCodeFactory(code="ONCE10", value="10", per_customer_limit=1)
    earlier = Order.objects.create(
        email=buyer.email, user=buyer, shipping_address=ADDRESS, subtotal=D("40.00"), total=D("40.00")
    )
    DiscountRedemption.objects.create(code=once, order=earlier, user=buyer, email=buyer.email)

    with pytest.raises(DiscountError) as refused:
        cart_breakdown(
            filled_cart,
            country="US",
            code="ONCE10",
            user=buyer if signed_in else None,
            email=buyer.email.upper(),
            now=timezone.now(),
        )

    assert refused.value.code == "already_used"


def test_a_method_that_does_not_ship_there_is_refused(standard, filled_cart):
    with pytest.raises(ShippingError) as refused:
        cart_breakdown(filled_cart, country="GB", shipping_method_pk=standard.pk, now=timezone.now())

    assert refused.value.code == "shipping_not_served"
