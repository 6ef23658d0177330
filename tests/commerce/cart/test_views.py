import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from commerce.cart.models import Cart, CartLine
from tests.factories import CartFactory, CartLineFactory, VariantFactory

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
        assert '<span data-amount="shipping">Free</span>' in html  # what checkout charges today
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
