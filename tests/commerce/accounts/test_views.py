import pytest
from django.urls import reverse

from commerce.cart.models import Cart
from tests.factories import CartFactory, CartLineFactory, VariantFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")


def test_login_page_has_username_and_password_fields(client):
    html = client.get(LOGIN).content.decode()

    assert 'name="username"' in html
    assert 'name="password"' in html


def test_login_with_email_in_any_case(client, shopper):
    response = client.post(LOGIN, {"username": "Shopper@Example.com", "password": "shopper-pass-123"})

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:account")
    assert client.get(reverse("accounts:account")).context["user"] == shopper


def test_wrong_password_is_refused(client, shopper):
    response = client.post(LOGIN, {"username": "shopper@example.com", "password": "nope"})

    assert response.status_code == 200
    assert "Please enter a correct email address and password." in response.content.decode()


def test_login_merges_the_guest_cart(client, shopper, variant):
    user_cart = CartFactory(user=shopper)
    CartLineFactory(cart=user_cart, variant=variant, quantity=4)
    other = VariantFactory(stock=3)
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 3})
    client.post(reverse("cart:add"), {"variant": other.pk, "quantity": 1})

    response = client.post(LOGIN, {"username": "shopper@example.com", "password": "shopper-pass-123"}, follow=True)

    html = response.content.decode()
    assert "Some quantities were lowered to what is in stock: Harbour Tee — M / Navy" in html
    assert {line.variant_id: line.quantity for line in user_cart.lines.all()} == {variant.pk: 5, other.pk: 1}
    assert Cart.objects.count() == 1
    assert '<span id="cart-count" class="badge" aria-live="polite">6</span>' in html


def test_account_page_needs_login(client):
    response = client.get(reverse("accounts:account"))

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_logout_is_post_only_and_empties_the_badge(client, shopper, variant):
    client.force_login(shopper)
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 1})

    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"), follow=True)

    assert '<span id="cart-count" class="badge" aria-live="polite">0</span>' in response.content.decode()
    assert Cart.objects.get(user=shopper).lines.count() == 1
