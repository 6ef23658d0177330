import threading

import pytest
from django.db import connection
from django.utils import timezone

from commerce.cart import services
from commerce.cart.errors import CartError
from commerce.cart.models import Cart, CartLine
from commerce.discounts.errors import DiscountError
from tests.factories import CartFactory, CartLineFactory, DiscountCodeFactory, UserFactory, VariantFactory

pytestmark = pytest.mark.django_db


def quantities(cart: Cart) -> dict[str, int]:
    return {line.variant.sku: line.quantity for line in cart.lines.select_related("variant")}


class TestAdd:
    def test_add_creates_a_line_then_adds_up(self, variant):
        cart = CartFactory()

        services.cart_line_add(cart=cart, variant_pk=variant.pk, quantity=2)
        services.cart_line_add(cart=cart, variant_pk=variant.pk, quantity=3)

        assert quantities(cart) == {variant.sku: 5}

    def test_add_beyond_stock_is_refused_and_changes_nothing(self, variant):
        cart = CartFactory()
        services.cart_line_add(cart=cart, variant_pk=variant.pk, quantity=4)

        with pytest.raises(CartError) as err:
            services.cart_line_add(cart=cart, variant_pk=variant.pk, quantity=2)

        assert err.value.code == "insufficient_stock"
        assert err.value.message == "Only 5 of Harbour Tee — M / Navy left, and you already have 4 in your cart."
        assert quantities(cart) == {variant.sku: 4}
        variant.refresh_from_db()
        assert variant.stock == 5

    def test_sold_out_variant_is_refused(self):
        variant = VariantFactory(stock=0)
        cart = CartFactory()

        with pytest.raises(CartError) as err:
            services.cart_line_add(cart=cart, variant_pk=variant.pk, quantity=1)

        assert err.value.code == "sold_out"
        assert not cart.lines.exists()

    @pytest.mark.parametrize("quantity", [0, -1, 100])
    def test_quantity_out_of_range_is_refused(self, variant, quantity):
        cart = CartFactory()

        with pytest.raises(CartError) as err:
            services.cart_line_add(cart=cart, variant_pk=variant.pk, quantity=quantity)

        assert err.value.code == "bad_quantity"
        assert not cart.lines.exists()

    def test_deleted_product_or_inactive_variant_is_unavailable(self):
        gone = VariantFactory(product__deleted_at=timezone.now())
        inactive = VariantFactory(is_active=False)
        cart = CartFactory()

        for variant in (gone, inactive):
            with pytest.raises(CartError) as err:
                services.cart_line_add(cart=cart, variant_pk=variant.pk, quantity=1)
            assert err.value.code == "unavailable"
        assert not cart.lines.exists()


class TestSetQuantityAndRemove:
    def test_set_quantity_within_stock(self, variant):
        line = CartLineFactory(variant=variant, quantity=1)

        services.cart_line_set_quantity(cart=line.cart, variant_pk=variant.pk, quantity=5)

        assert quantities(line.cart) == {variant.sku: 5}

    def test_set_quantity_above_stock_is_refused(self, variant):
        line = CartLineFactory(variant=variant, quantity=2)

        with pytest.raises(CartError) as err:
            services.cart_line_set_quantity(cart=line.cart, variant_pk=variant.pk, quantity=6)

        assert err.value.message == "Only 5 of Harbour Tee — M / Navy left."
        assert quantities(line.cart) == {variant.sku: 2}

    def test_lowering_is_allowed_when_stock_fell_below_the_line(self, variant):
        line = CartLineFactory(variant=variant, quantity=5)
        variant.stock = 1
        variant.save()

        services.cart_line_set_quantity(cart=line.cart, variant_pk=variant.pk, quantity=3)

        assert quantities(line.cart) == {variant.sku: 3}

    def test_set_quantity_of_a_line_not_in_the_cart(self, variant):
        cart = CartFactory()

        with pytest.raises(CartError) as err:
            services.cart_line_set_quantity(cart=cart, variant_pk=variant.pk, quantity=1)

        assert err.value.code == "not_in_cart"

    def test_remove_twice_removes_once(self, variant):
        line = CartLineFactory(variant=variant, quantity=2)
        other = CartLineFactory(cart=line.cart)

        services.cart_line_remove(cart=line.cart, variant_pk=variant.pk)
        services.cart_line_remove(cart=line.cart, variant_pk=variant.pk)

        assert quantities(line.cart) == {other.variant.sku: 1}


class TestMerge:
    def test_guest_cart_becomes_the_users_when_they_have_none(self, variant):
        user = UserFactory()
        guest = CartLineFactory(variant=variant, quantity=2).cart
        session = {services.SESSION_KEY: guest.pk}

        result = services.cart_adopt_on_login(user=user, guest_cart_pk=guest.pk, session=session)

        assert result is not None
        assert result.cart.pk == guest.pk
        assert Cart.objects.get(user=user).pk == guest.pk
        assert session == {}

    def test_quantities_add_up_capped_by_stock(self):
        user = UserFactory()
        shared = VariantFactory(stock=5, sku="SHARED")
        only_guest = VariantFactory(stock=3, sku="GUEST")
        only_user = VariantFactory(stock=9, sku="USER")
        user_cart = CartFactory(user=user)
        CartLineFactory(cart=user_cart, variant=shared, quantity=3)
        CartLineFactory(cart=user_cart, variant=only_user, quantity=1)
        guest = CartFactory()
        CartLineFactory(cart=guest, variant=shared, quantity=4)
        CartLineFactory(cart=guest, variant=only_guest, quantity=3)

        result = services.cart_adopt_on_login(user=user, guest_cart_pk=guest.pk, session={})

        assert result is not None
        assert quantities(user_cart) == {"SHARED": 5, "GUEST": 3, "USER": 1}
        assert result.capped == [str(shared)]
        assert not Cart.objects.filter(pk=guest.pk).exists()

    def test_sold_out_guest_lines_are_dropped(self):
        user = UserFactory()
        user_cart = CartFactory(user=user)
        sold_out = VariantFactory(stock=0, sku="GONE")
        guest = CartLineFactory(variant=sold_out, quantity=2).cart

        services.cart_adopt_on_login(user=user, guest_cart_pk=guest.pk, session={})

        assert quantities(user_cart) == {}

    def test_another_users_cart_is_never_adopted(self, variant):
        owner = UserFactory()
        thief = UserFactory()
        owners_cart = CartLineFactory(cart=CartFactory(user=owner), variant=variant).cart

        result = services.cart_adopt_on_login(user=thief, guest_cart_pk=owners_cart.pk, session={})

        assert result is None
        assert Cart.objects.get(pk=owners_cart.pk).user == owner
        assert not Cart.objects.filter(user=thief).exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_adds_from_two_tabs_never_exceed_stock():
    """Two tabs add the last units at once: the cart lock makes one wait, then fail cleanly."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    variant = VariantFactory(stock=5)
    cart = CartFactory()
    barrier = threading.Barrier(4)
    errors: list[str] = []

    def add() -> None:
        barrier.wait()
        try:
            services.cart_line_add(cart=cart, variant_pk=variant.pk, quantity=2)
        except CartError as exc:
            errors.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=add) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert CartLine.objects.get(cart=cart).quantity == 4
    assert errors == ["insufficient_stock", "insufficient_stock"]


class TestCode:
    def test_apply_stores_the_code_in_capitals_and_pushes_the_cart(self, variant, clock, capture_broadcasts):
        DiscountCodeFactory(code="WELCOME10")
        cart = CartLineFactory(variant=variant, quantity=2).cart

        with capture_broadcasts() as sent:
            applied = services.cart_code_apply(cart=cart, text=" welcome10", user=None, now=clock.now)

        assert (applied.code.code, str(applied.amount)) == ("WELCOME10", "2.50")
        assert Cart.objects.get(pk=cart.pk).discount_code == "WELCOME10"
        assert [topic for topic, _ in sent] == [f"cart.{cart.pk}"]
        assert '<span data-amount="discount">−$2.50</span>' in sent[0][1]
        assert 'id="cart-body" class="cart" hx-swap-oob="true"' in sent[0][1]

    def test_applying_the_same_code_again_pushes_nothing(self, variant, clock, capture_broadcasts):
        DiscountCodeFactory(code="WELCOME10")
        cart = CartLineFactory(variant=variant).cart
        services.cart_code_apply(cart=cart, text="WELCOME10", user=None, now=clock.now)

        with capture_broadcasts() as sent:
            services.cart_code_apply(cart=cart, text="welcome10", user=None, now=clock.now)

        assert sent == []

    def test_a_customer_who_used_up_their_uses_is_refused(self, clock, order):
        from commerce.discounts.services import discount_redeem

        code = DiscountCodeFactory(code="ONCE", per_customer_limit=1)
        discount_redeem(code=code, order=order, user=order.user, email=order.email)
        cart, _ = Cart.objects.get_or_create(user=order.user)
        CartLineFactory(cart=cart, variant=VariantFactory())

        with pytest.raises(DiscountError) as caught:
            services.cart_code_apply(cart=cart, text="ONCE", user=order.user, now=clock.now)

        assert caught.value.code == "already_used"
        assert Cart.objects.get(pk=cart.pk).discount_code == ""

    def test_an_empty_code_is_refused(self, variant, clock):
        cart = CartLineFactory(variant=variant).cart

        with pytest.raises(CartError) as caught:
            services.cart_code_apply(cart=cart, text="  ", user=None, now=clock.now)

        assert caught.value.message == "Enter a code."

    def test_remove_pushes_once_and_twice_is_no_error(self, variant, capture_broadcasts):
        cart = CartLineFactory(cart=CartFactory(discount_code="WELCOME10"), variant=variant).cart

        with capture_broadcasts() as sent:
            services.cart_code_remove(cart=cart)
            services.cart_code_remove(cart=cart)

        assert Cart.objects.get(pk=cart.pk).discount_code == ""
        assert [topic for topic, _ in sent] == [f"cart.{cart.pk}"]


class TestEstimatePlace:
    def test_set_saves_and_pushes_the_new_figures(self, variant, capture_broadcasts):
        from tests.commerce.shipping.factories import ShippingMethodFactory, ShippingZoneFactory

        ShippingMethodFactory(zone=ShippingZoneFactory(countries=["US"]))
        cart = CartLineFactory(variant=variant).cart

        with capture_broadcasts() as sent:
            services.cart_estimate_set(cart=cart, country="GB", region="")
            services.cart_estimate_set(cart=cart, country="GB", region="")

        cart.refresh_from_db()
        assert (cart.estimate_country, cart.estimate_region) == ("GB", "")
        assert [topic for topic, _ in sent] == [f"cart.{cart.pk}"]
        assert "We do not ship to United Kingdom yet." in sent[0][1]

    def test_a_guests_code_and_place_come_along_at_sign_in(self, variant):
        user = UserFactory()
        user_cart = CartLineFactory(cart=CartFactory(user=user), variant=variant).cart
        guest = CartLineFactory(
            cart=CartFactory(discount_code="WELCOME10", estimate_country="CA", estimate_region="ON")
        ).cart

        services.cart_adopt_on_login(user=user, guest_cart_pk=guest.pk, session={})

        user_cart.refresh_from_db()
        assert (user_cart.discount_code, user_cart.estimate_country, user_cart.estimate_region) == (
            "WELCOME10",
            "CA",
            "ON",
        )

    def test_the_users_own_code_and_place_win_at_sign_in(self, variant):
        user = UserFactory()
        user_cart = CartLineFactory(
            cart=CartFactory(user=user, discount_code="MINE", estimate_country="US"), variant=variant
        ).cart
        guest = CartLineFactory(
            cart=CartFactory(discount_code="THEIRS", estimate_country="CA", estimate_region="ON")
        ).cart

        services.cart_adopt_on_login(user=user, guest_cart_pk=guest.pk, session={})

        user_cart.refresh_from_db()
        assert (user_cart.discount_code, user_cart.estimate_country, user_cart.estimate_region) == ("MINE", "US", "")
