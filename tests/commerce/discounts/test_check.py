"""Whether a code applies to a cart, what it takes off, and why it is refused."""

from datetime import timedelta
from decimal import Decimal

import pytest

from commerce.discounts.errors import DiscountError
from commerce.discounts.models import DiscountCode, DiscountRedemption
from commerce.discounts.pricing import DiscountLine
from commerce.discounts.selectors import discount_check
from tests.factories import CategoryFactory, DiscountCodeFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db
K = DiscountCode.Kind


@pytest.fixture
def cart():  # type: ignore[no-untyped-def]
    """Two tees (2 × 12.50) and a mug (9.00): 34.00."""
    tees, mugs = CategoryFactory(name="Tees"), CategoryFactory(name="Mugs")
    tee, mug = ProductFactory(category=tees), ProductFactory(category=mugs)
    lines = [
        DiscountLine(variant_pk=11, product_pk=tee.pk, category_pk=tees.pk, total=Decimal("25.00")),
        DiscountLine(variant_pk=22, product_pk=mug.pk, category_pk=mugs.pk, total=Decimal("9.00")),
    ]
    return {"lines": lines, "tee": tee, "mug": mug, "tees": tees, "mugs": mugs}


def check(text: str, cart, *, now, user=None, email="guest@example.com", subtotal=None):  # type: ignore[no-untyped-def]
    lines = cart["lines"]
    total = sum((line.total for line in lines), Decimal(0)) if subtotal is None else Decimal(subtotal)
    return discount_check(text, lines=lines, subtotal=total, user=user, email=email, now=now)


def refusal(text: str, cart, **kwargs) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    with pytest.raises(DiscountError) as caught:
        check(text, cart, **kwargs)
    assert caught.value.status == 422
    return caught.value.code, caught.value.message


class TestApplies:
    def test_percent_off_the_whole_cart_typed_in_any_case(self, cart, clock):
        DiscountCodeFactory(code="WELCOME10", value="10")

        applied = check("  welcome10 ", cart, now=clock.now)

        assert (applied.code.code, applied.amount, applied.free_shipping) == ("WELCOME10", Decimal("3.40"), False)
        assert applied.allocation == {11: Decimal("2.50"), 22: Decimal("0.90")}
        assert applied.label == "WELCOME10 (10% off)"

    def test_fixed_off_capped_at_what_it_covers(self, cart, clock):
        DiscountCodeFactory(code="MUGFIVER", kind=K.FIXED, value="50.00", restrict_to=[cart["mugs"]])

        applied = check("MUGFIVER", cart, now=clock.now)

        assert applied.amount == Decimal("9.00")
        assert applied.allocation == {11: Decimal("0.00"), 22: Decimal("9.00")}
        assert applied.label == "MUGFIVER ($50.00 off)"

    def test_restricted_to_a_product_or_a_category(self, cart, clock):
        DiscountCodeFactory(code="TEEHALF", value="50", restrict_to=[cart["tee"]])

        applied = check("TEEHALF", cart, now=clock.now)

        assert applied.amount == Decimal("12.50")
        assert applied.allocation == {11: Decimal("12.50"), 22: Decimal("0.00")}

    def test_free_shipping_takes_nothing_off_the_items(self, cart, clock):
        DiscountCodeFactory(code="SHIPFREE", kind=K.FREE_SHIPPING, value="0")

        applied = check("shipfree", cart, now=clock.now)

        assert (applied.amount, applied.free_shipping, applied.label) == (
            Decimal("0.00"),
            True,
            "SHIPFREE (Free shipping)",
        )

    def test_a_sale_price_stacks_the_code_applies_to_the_price_charged(self, cart, clock):
        """The lines carry the price charged (a sale price, when there is one): 10% of that."""
        DiscountCodeFactory(code="WELCOME10", value="10")

        assert check("WELCOME10", cart, now=clock.now).allocation[11] == Decimal("2.50")  # 10% of 25.00, not more

    def test_usable_from_its_start_until_just_before_its_end(self, cart, clock):
        DiscountCodeFactory(code="WEEKEND", starts_at=clock.now, ends_at=clock.now + timedelta(days=2))

        assert check("WEEKEND", cart, now=clock.now).amount == Decimal("3.40")
        assert check("WEEKEND", cart, now=clock.advance(days=2, microseconds=-1)).amount == Decimal("3.40")

    def test_exactly_the_minimum_is_enough(self, cart, clock):
        DiscountCodeFactory(code="BIGSPEND", min_subtotal="34.00")

        assert check("BIGSPEND", cart, now=clock.now).amount == Decimal("3.40")

    def test_never_more_than_the_subtotal(self, cart, clock):
        DiscountCodeFactory(code="HUNDRED", kind=K.FIXED, value="100.00")

        assert check("HUNDRED", cart, now=clock.now).amount == Decimal("34.00")


class TestRefused:
    def test_unknown_or_inactive(self, cart, clock):
        DiscountCodeFactory(code="OLDCODE", is_active=False)

        assert refusal("NOPE", cart, now=clock.now) == (
            "unknown_code",
            "“NOPE” is not a discount code we know. Check the spelling.",
        )
        assert refusal("oldcode", cart, now=clock.now)[0] == "unknown_code"
        assert refusal("   ", cart, now=clock.now)[0] == "unknown_code"

    def test_not_started_yet(self, cart, clock):
        DiscountCodeFactory(code="SOON", starts_at=clock.now + timedelta(seconds=1))

        assert refusal("SOON", cart, now=clock.now) == ("not_started", "The code SOON cannot be used yet.")

    def test_expired_at_its_end(self, cart, clock):
        DiscountCodeFactory(code="GONE", ends_at=clock.now)

        assert refusal("GONE", cart, now=clock.now) == ("expired", "The code GONE has expired.")

    def test_used_up(self, cart, clock):
        DiscountCodeFactory(code="FIFTY", usage_limit=50, times_used=50)

        assert refusal("FIFTY", cart, now=clock.now) == (
            "used_up",
            "The code FIFTY has been used as many times as it allows.",
        )

    def test_below_the_minimum_says_how_much_more(self, cart, clock):
        DiscountCodeFactory(code="BIGSPEND", min_subtotal="50.00")

        assert refusal("BIGSPEND", cart, now=clock.now) == (
            "below_minimum",
            "Spend $16.00 more to use the code BIGSPEND (it needs a subtotal of $50.00).",
        )

    def test_applies_to_nothing_in_the_cart(self, cart, clock):
        DiscountCodeFactory(code="POSTERS", restrict_to=[CategoryFactory(name="Posters"), ProductFactory()])

        assert refusal("POSTERS", cart, now=clock.now) == (
            "nothing_eligible",
            "The code POSTERS does not apply to anything in your cart.",
        )
        cart["lines"] = []
        assert refusal("POSTERS", cart, now=clock.now, subtotal="0")[0] == "nothing_eligible"


class TestPerCustomer:
    @pytest.fixture
    def once(self, order_row):  # type: ignore[no-untyped-def]
        code = DiscountCodeFactory(code="ONCE", per_customer_limit=1, times_used=1)
        return code

    def test_a_guest_is_counted_by_email_whatever_its_case(self, cart, clock, once, order_row):
        DiscountRedemption.objects.create(code=once, order=order_row("ann@example.com"), email="ann@example.com")

        assert refusal("ONCE", cart, now=clock.now, email="Ann@Example.COM ") == (
            "already_used",
            "You have already used the code ONCE as many times as it allows.",
        )
        assert check("ONCE", cart, now=clock.now, email="bob@example.com").amount == Decimal("3.40")

    def test_an_account_is_counted_by_account_and_by_its_email(self, cart, clock, once, order_row):
        ann, bob = UserFactory(email="ann@example.com"), UserFactory(email="bob@example.com")
        DiscountRedemption.objects.create(code=once, order=order_row("ann@example.com", ann), user=ann, email="a@x.io")

        assert refusal("ONCE", cart, now=clock.now, user=ann, email="new@example.com")[0] == "already_used"
        # Bob used it as a guest first, then signed up with that email.
        DiscountRedemption.objects.create(code=once, order=order_row("bob@example.com"), email="bob@example.com")
        assert refusal("ONCE", cart, now=clock.now, user=bob, email="bob@example.com")[0] == "already_used"

    def test_a_use_given_back_does_not_count(self, cart, clock, once, order_row):
        DiscountRedemption.objects.create(
            code=once, order=order_row("ann@example.com"), email="ann@example.com", released_at=clock.now
        )

        assert check("ONCE", cart, now=clock.now, email="ann@example.com").amount == Decimal("3.40")
