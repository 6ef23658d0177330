import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from commerce.accounts.models import Address
from commerce.cart.models import Cart, CartLine
from tests.commerce.shipping.factories import ShippingMethodFactory, ShippingZoneFactory
from tests.commerce.tax.factories import TaxRateFactory
from tests.factories import ADDRESS, CartFactory, CartLineFactory, DiscountCodeFactory, UserFactory, VariantFactory

pytestmark = pytest.mark.django_db

ADD = reverse("cart:add")


def badge(html: str) -> str:
    match = re.search(r'<span id="cart-count"[^>]*>(\d+)</span>', html)
    assert match, "no #cart-count in the response"
    return match.group(1)


def guest_cart(client: Client) -> Cart:
    return Cart.objects.get(pk=client.session["cart_pk"])


class TestAddToCart:
    def test_htmx_add_returns_the_message_and_the_badge_out_of_band(self, htmx_client, variant):
        response = htmx_client.post(ADD, {"variant": variant.pk, "quantity": 2})

        html = response.content.decode()
        assert response.status_code == 200
        assert "Added 2 × Harbour Tee — M / Navy to your cart." in html
        assert 'id="cart-count" class="badge" aria-live="polite" hx-swap-oob="true">2<' in html
        assert "<html" not in html
        assert guest_cart(htmx_client).lines.get().quantity == 2

    def test_plain_post_redirects_to_the_cart(self, client, variant):
        response = client.post(ADD, {"variant": variant.pk, "quantity": 1}, follow=True)

        assert response.redirect_chain == [(reverse("cart:detail"), 302)]
        assert badge(response.content.decode()) == "1"
        assert "Added to your cart." in response.content.decode()

    @pytest.mark.parametrize(
        ("quantity", "message"),
        [
            ("0", "Choose a quantity between 1 and 99."),
            ("-3", "Choose a quantity between 1 and 99."),
            ("two", "Choose a quantity between 1 and 99."),
            ("", "Choose a quantity between 1 and 99."),
            ("6", "Only 5 of Harbour Tee — M / Navy left."),
        ],
    )
    def test_bad_quantity_is_a_clear_422_and_changes_nothing(self, htmx_client, variant, quantity, message):
        response = htmx_client.post(ADD, {"variant": variant.pk, "quantity": quantity})

        assert response.status_code == 422
        assert message in response.content.decode()
        assert badge(response.content.decode()) == "0"
        assert not CartLine.objects.exists()
        variant.refresh_from_db()
        assert variant.stock == 5

    def test_unknown_deleted_or_garbage_variant(self, htmx_client):
        deleted = VariantFactory(product__deleted_at=timezone.now())

        assert htmx_client.post(ADD, {"variant": 999999, "quantity": 1}).status_code == 404
        assert htmx_client.post(ADD, {"variant": deleted.pk, "quantity": 1}).status_code == 404
        assert htmx_client.post(ADD, {"variant": "x' OR 1=1", "quantity": 1}).status_code == 422
        assert not CartLine.objects.exists()

    def test_price_in_the_form_is_ignored(self, client, variant):
        client.post(ADD, {"variant": variant.pk, "quantity": 2, "price": "0.01", "unit_price": "0.01"})

        response = client.get(reverse("cart:detail"))
        assert "$25.00" in response.content.decode()  # 2 × 12.50 from the database

    def test_get_is_not_allowed(self, client, variant):
        assert client.get(ADD, {"variant": variant.pk, "quantity": 1}).status_code == 405

    def test_csrf_is_enforced(self, variant):
        client = Client(enforce_csrf_checks=True)

        response = client.post(ADD, {"variant": variant.pk, "quantity": 1})

        assert response.status_code == 403
        assert not CartLine.objects.exists()

    def test_unsafe_next_is_not_followed(self, client):
        sold_out = VariantFactory(stock=0)

        response = client.post(ADD, {"variant": sold_out.pk, "quantity": 1, "next": "https://evil.example/"})

        assert response.status_code == 302
        assert response["Location"] == reverse("cart:detail")


class TestCartPage:
    def test_empty_cart(self, client):
        response = client.get(reverse("cart:detail"))

        assert response.status_code == 200
        assert "Your cart is empty." in response.content.decode()
        assert badge(response.content.decode()) == "0"

    def test_lines_totals_and_stock_note(self, client, variant):
        other = VariantFactory(price="3.00", stock=10, name="Mug")
        client.post(ADD, {"variant": variant.pk, "quantity": 4})
        client.post(ADD, {"variant": other.pk, "quantity": 2})
        variant.stock = 2  # someone else bought some meanwhile
        variant.save()

        html = client.get(reverse("cart:detail")).content.decode()

        assert badge(html) == "6"
        assert '<span id="cart-subtotal" data-amount="subtotal">$56.00</span>' in html
        assert '<span data-amount="shipping">Free</span>' in html  # a store without shipping zones charges none
        assert "Only 2 left: lower the quantity to 2 or fewer." in html
        assert f'id="stock-{variant.pk}" class="stock stock--low" data-stock="2">Only 2 left<' in html

    def test_a_line_on_sale_shows_the_price_before_it_struck_through(self, client, variant):
        variant.compare_at_price = "15.00"
        variant.save()
        client.post(ADD, {"variant": variant.pk, "quantity": 2})

        html = client.get(reverse("cart:detail")).content.decode()

        assert (
            'M / Navy · <s class="price-was"><span class="visually-hidden">Was </span>$15.00</s>'
            ' <span class="visually-hidden">now </span>$12.50 each'
        ) in html
        # The sale price is what is charged.
        assert '<span id="cart-subtotal" data-amount="subtotal">$25.00</span>' in html

    def test_update_via_htmx_returns_the_cart_body_and_badge(self, htmx_client, variant):
        htmx_client.post(ADD, {"variant": variant.pk, "quantity": 1})

        response = htmx_client.post(reverse("cart:update", args=[variant.pk]), {"quantity": 3})

        html = response.content.decode()
        assert response.status_code == 200
        assert html.lstrip().startswith('<div id="cart-body"')
        assert '<span id="cart-subtotal" data-amount="subtotal">$37.50</span>' in html
        assert badge(html) == "3"

    @pytest.mark.parametrize("quantity", ["0", "-1", "abc", "1000"])
    def test_bad_update_shows_the_error_and_keeps_the_line(self, htmx_client, variant, quantity):
        htmx_client.post(ADD, {"variant": variant.pk, "quantity": 2})

        response = htmx_client.post(reverse("cart:update", args=[variant.pk]), {"quantity": quantity})

        assert response.status_code == 422
        assert "Choose a quantity between 1 and 99." in response.content.decode()
        assert guest_cart(htmx_client).lines.get().quantity == 2

    def test_update_above_stock(self, htmx_client, variant):
        htmx_client.post(ADD, {"variant": variant.pk, "quantity": 2})

        response = htmx_client.post(reverse("cart:update", args=[variant.pk]), {"quantity": 9})

        assert response.status_code == 422
        assert "Only 5 of Harbour Tee — M / Navy left." in response.content.decode()
        assert guest_cart(htmx_client).lines.get().quantity == 2

    def test_remove(self, htmx_client, variant):
        htmx_client.post(ADD, {"variant": variant.pk, "quantity": 2})

        response = htmx_client.post(reverse("cart:remove", args=[variant.pk]))

        assert "Your cart is empty." in response.content.decode()
        assert badge(response.content.decode()) == "0"
        assert not CartLine.objects.exists()

    def test_plain_update_redirects_with_the_error(self, client, variant):
        client.post(ADD, {"variant": variant.pk, "quantity": 2})

        response = client.post(reverse("cart:update", args=[variant.pk]), {"quantity": 0}, follow=True)

        assert "Choose a quantity between 1 and 99." in response.content.decode()

    def test_cannot_touch_a_line_in_someone_elses_cart(self, client, variant):
        victim = CartLineFactory(cart=CartFactory(), variant=variant, quantity=2)
        client.post(ADD, {"variant": VariantFactory().pk, "quantity": 1})  # the attacker has a cart of their own

        update = client.post(reverse("cart:update", args=[variant.pk]), {"quantity": 1})
        remove = client.post(reverse("cart:remove", args=[variant.pk]))

        assert update.status_code == 404
        assert remove.status_code == 302  # removing what you don't have is a no-op
        victim.refresh_from_db()
        assert victim.quantity == 2

    def test_update_without_a_cart_is_404(self, client, variant):
        assert client.post(reverse("cart:update", args=[variant.pk]), {"quantity": 1}).status_code == 404


# --- The discount code and the estimate -----------------------------------------------------------

DISCOUNT = reverse("cart:discount")
DISCOUNT_REMOVE = reverse("cart:discount_remove")
ESTIMATE = reverse("cart:estimate")


def cart_state(cart: Cart) -> tuple[dict[str, object], list[dict[str, object]]]:
    """Every column of the cart row and of its lines: what "unchanged" means."""
    row = Cart.objects.filter(pk=cart.pk).values().get()
    return row, list(CartLine.objects.filter(cart=cart).order_by("pk").values())


@pytest.fixture
def cart_with_tee(htmx_client, variant):  # type: ignore[no-untyped-def]
    """A guest's cart holding 2 × the $12.50 tee (subtotal $25.00), in a store without zones or rates."""
    htmx_client.post(ADD, {"variant": variant.pk, "quantity": 2})
    return guest_cart(htmx_client)


class TestDiscountCode:
    def test_apply_shows_the_discount_line_and_the_new_total(self, htmx_client, cart_with_tee, clock):
        DiscountCodeFactory(code="WELCOME10")

        response = htmx_client.post(DISCOUNT, {"code": " welcome10 "})

        html = response.content.decode()
        assert response.status_code == 200
        assert html.lstrip().startswith('<div id="cart-body"')
        assert '<small>WELCOME10 (10% off)</small></span> <span data-amount="discount">−$2.50</span>' in html
        assert '<span data-amount="total">$22.50</span>' in html
        assert "<strong>WELCOME10</strong>\n            <span>applied</span>" in html
        cart_with_tee.refresh_from_db()
        assert cart_with_tee.discount_code == "WELCOME10"

    def test_plain_post_redirects_to_the_cart_with_a_message(self, client, variant, clock):
        DiscountCodeFactory(code="WELCOME10")
        client.post(ADD, {"variant": variant.pk, "quantity": 2})

        response = client.post(DISCOUNT, {"code": "WELCOME10"}, follow=True)

        assert response.redirect_chain == [(reverse("cart:detail"), 302)]
        html = response.content.decode()
        assert "The code WELCOME10 is applied." in html
        assert '<span data-amount="discount">−$2.50</span>' in html

    @pytest.mark.parametrize(
        ("fields", "typed", "message"),
        [
            ({"code": "WELCOME10"}, "NOPE", "“NOPE” is not a discount code we know. Check the spelling."),
            ({"code": "WELCOME10", "is_active": False}, "WELCOME10", "is not a discount code we know"),
            ({"code": "LATE", "ends_at": "past"}, "late", "The code LATE has expired."),
            ({"code": "SOON", "starts_at": "future"}, "SOON", "The code SOON cannot be used yet."),
            ({"code": "GONE", "usage_limit": 1, "times_used": 1}, "GONE", "has been used as many times as it allows"),
            ({"code": "BIG", "min_subtotal": "50.00"}, "BIG", "Spend $25.00 more to use the code BIG"),
            (
                {"code": "MUGS", "restrict_to": "other"},
                "MUGS",
                "The code MUGS does not apply to anything in your cart.",
            ),
            ({"code": "WELCOME10"}, "", "Enter a code."),
            ({"code": "WELCOME10"}, "   ", "Enter a code."),
        ],
    )
    def test_a_code_that_cannot_be_used_is_a_422_beside_the_field_and_changes_nothing(
        self, htmx_client, cart_with_tee, clock, fields, typed, message
    ):
        fields = dict(fields)
        if fields.pop("ends_at", None):
            fields["ends_at"] = clock.now - timedelta(minutes=1)
        if fields.pop("starts_at", None):
            fields["starts_at"] = clock.now + timedelta(minutes=1)
        if fields.pop("restrict_to", None):
            fields["restrict_to"] = [VariantFactory().product]
        DiscountCodeFactory(**fields)
        before = cart_state(cart_with_tee)

        response = htmx_client.post(DISCOUNT, {"code": typed})

        html = response.content.decode()
        assert response.status_code == 422
        assert message in html
        assert 'aria-invalid="true" aria-describedby="discount-code-error"' in html
        assert '<p class="field__error" id="discount-code-error" role="alert">' in html
        assert 'data-amount="discount"' not in html
        assert cart_state(cart_with_tee) == before

    def test_a_bad_code_leaves_the_applied_one(self, htmx_client, cart_with_tee, clock):
        DiscountCodeFactory(code="WELCOME10")
        htmx_client.post(DISCOUNT, {"code": "WELCOME10"})
        before = cart_state(cart_with_tee)

        response = htmx_client.post(DISCOUNT, {"code": "NOPE"})

        assert response.status_code == 422
        assert '<span data-amount="discount">−$2.50</span>' in response.content.decode()
        assert cart_state(cart_with_tee) == before

    def test_remove(self, htmx_client, cart_with_tee, clock):
        DiscountCodeFactory(code="WELCOME10")
        htmx_client.post(DISCOUNT, {"code": "WELCOME10"})

        response = htmx_client.post(DISCOUNT_REMOVE)

        html = response.content.decode()
        assert response.status_code == 200
        assert 'data-amount="discount"' not in html
        assert '<span data-amount="total">$25.00</span>' in html
        cart_with_tee.refresh_from_db()
        assert cart_with_tee.discount_code == ""

    def test_a_code_that_stopped_applying_shows_why_and_is_not_counted(self, client, cart_with_tee, clock):
        code = DiscountCodeFactory(code="WELCOME10", ends_at=clock.now + timedelta(hours=1))
        Cart.objects.filter(pk=cart_with_tee.pk).update(discount_code=code.code)
        clock.advance(hours=1)

        html = client.get(reverse("cart:detail")).content.decode()

        assert "The code WELCOME10 has expired. It is not counted." in html
        assert 'data-amount="discount"' not in html
        assert '<span data-amount="total">$25.00</span>' in html

    def test_without_a_cart_is_404(self, client):
        assert client.post(DISCOUNT, {"code": "WELCOME10"}).status_code == 404
        assert client.post(DISCOUNT_REMOVE).status_code == 404
        assert client.post(ESTIMATE, {"country": "US"}).status_code == 404

    def test_get_is_not_allowed(self, client):
        assert client.get(DISCOUNT).status_code == 405

    def test_csrf_is_enforced(self, variant, clock):
        DiscountCodeFactory(code="WELCOME10")
        user = UserFactory()
        cart = CartLineFactory(cart=CartFactory(user=user), variant=variant).cart
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        before = cart_state(cart)

        assert client.post(DISCOUNT, {"code": "WELCOME10"}).status_code == 403
        assert client.post(ESTIMATE, {"country": "FR"}).status_code == 403
        assert client.post(DISCOUNT_REMOVE).status_code == 403
        assert cart_state(cart) == before


class TestEstimate:
    def test_the_cart_estimates_for_the_store_country_by_the_cheapest_method(self, client, variant, settings):
        settings.STORE_COUNTRY = "US"
        zone = ShippingZoneFactory(countries=["US"])
        ShippingMethodFactory(zone=zone, name="Express", price="15.00")
        ShippingMethodFactory(zone=zone, name="Standard", price="5.00")
        TaxRateFactory(country="US", rate="8")
        client.post(ADD, {"variant": variant.pk, "quantity": 2})

        html = client.get(reverse("cart:detail")).content.decode()

        assert '<span>Shipping <small>Standard</small></span> <span data-amount="shipping">$5.00</span>' in html
        assert '<span>Estimated tax <small>Sales tax (8%)</small></span> <span data-amount="tax">$2.00</span>' in html
        assert '<span>Estimated total</span> <span data-amount="total">$32.00</span>' in html
        assert "Shipping and tax estimated for United States;" in html
        assert '<option value="US" selected>United States</option>' in html

    def test_changing_the_place_saves_it_and_answers_the_new_figures(self, htmx_client, cart_with_tee):
        ShippingMethodFactory(zone=ShippingZoneFactory(countries=["US"]), name="Standard", price="5.00")

        response = htmx_client.post(ESTIMATE, {"country": "FR", "region": ""})

        html = response.content.decode()
        assert response.status_code == 200
        assert "We do not ship to France yet." in html
        assert 'data-amount="shipping"' not in html
        assert '<option value="FR" selected>France</option>' in html
        cart_with_tee.refresh_from_db()
        assert (cart_with_tee.estimate_country, cart_with_tee.estimate_region) == ("FR", "")

    @pytest.mark.parametrize("region", ["ny", "US-NY", " NY "])
    def test_the_region_is_read_as_its_code(self, htmx_client, cart_with_tee, region):
        htmx_client.post(ESTIMATE, {"country": "US", "region": region})

        cart_with_tee.refresh_from_db()
        assert (cart_with_tee.estimate_country, cart_with_tee.estimate_region) == ("US", "NY")

    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"country": "ZZ"}, "Select a valid choice. ZZ is not one of the available choices."),
            ({"country": "US", "region": "N!"}, "Enter the code of a state: NY, ON, NSW."),
            ({"country": "US", "region": "NEWYORK"}, "Ensure this value has at most 6 characters"),
        ],
    )
    def test_a_bad_place_is_a_422_and_changes_nothing(self, htmx_client, cart_with_tee, fields, message):
        before = cart_state(cart_with_tee)

        response = htmx_client.post(ESTIMATE, fields)

        assert response.status_code == 422
        assert message in response.content.decode()
        assert cart_state(cart_with_tee) == before

    def test_plain_post_redirects(self, client, variant):
        client.post(ADD, {"variant": variant.pk, "quantity": 1})

        response = client.post(ESTIMATE, {"country": "CA", "region": "ON"})

        assert (response.status_code, response["Location"]) == (302, reverse("cart:detail"))
        assert (guest_cart(client).estimate_country, guest_cart(client).estimate_region) == ("CA", "ON")

    def test_a_signed_in_shopper_starts_from_their_latest_address(self, client, variant):
        user = UserFactory()
        Address.objects.create(user=user, **ADDRESS | {"country": "CA", "region": "QC"})
        CartLineFactory(cart=CartFactory(user=user), variant=variant)
        client.force_login(user)

        html = client.get(reverse("cart:detail")).content.decode()

        assert '<option value="CA" selected>Canada</option>' in html
        assert 'value="QC"' in html
        assert "Shipping and tax estimated for Canada (QC);" in html
