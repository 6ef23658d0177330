"""The guest cart a browser session created, as the session remembers it."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commerce.cart.models import SESSION_KEY, Cart, CartLine
from commerce.cart.session import session_cart_pk
from tests.factories import UserFactory, VariantFactory


@pytest.mark.parametrize(
    ("stored", "pk"),
    [(12, 12), ("12", 12), (None, None), ("", None), ("x", None), (0, None), (-3, None), ([12], None)],
)
def test_the_sessions_cart_is_a_positive_number_or_none(stored, pk):
    assert session_cart_pk({SESSION_KEY: stored}) == pk


def test_a_session_without_a_cart_has_none():
    assert session_cart_pk({}) is None


@pytest.mark.django_db
class TestTheCartAPageShows:
    """Every page's header shows the visitor's cart: one read per answer, lines and cart together."""

    def page(self, client, url: str = "/") -> tuple[str, list[str]]:
        with CaptureQueriesContext(connection) as queries:
            html = client.get(url).content.decode()
        return html, [q["sql"] for q in queries.captured_queries]

    def test_a_returning_guest_with_lines_costs_one_read_of_the_cart(self, client):
        variant = VariantFactory(product__name="Ferry Mug", name="Blue", price="12.00", stock=5)
        client.post("/cart/add/", {"variant": variant.pk, "quantity": 2})

        html, sql = self.page(client)

        assert re.search(r'id="cart-count"[^>]*>2<', html)
        assert "Ferry Mug <small>Blue</small>" in html  # the mini cart's line
        assert sum('"cart_cart"' in q or '"cart_cartline"' in q for q in sql) == 1  # the cart joined to its lines

    def test_an_empty_cart_and_another_guests_cart_show_nothing(self, client):
        variant = VariantFactory(stock=5)
        client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})
        client.post(f"/cart/items/{variant.pk}/remove/")
        other = client.__class__()
        other.post("/cart/add/", {"variant": variant.pk, "quantity": 3})
        session = client.session
        session[SESSION_KEY] = other.session[SESSION_KEY] + 1000  # no such cart
        session.save()

        html, _ = self.page(client)

        assert re.search(r'id="cart-count"[^>]*>0<', html)
        assert "Your cart is empty." in html

    def test_a_signed_in_shoppers_cart_is_theirs(self, client):
        user = UserFactory()
        variant = VariantFactory(product__name="Pier Tote", stock=5)
        CartLine.objects.create(cart=Cart.objects.create(user=user), variant=variant, quantity=4)
        client.force_login(user)

        html, sql = self.page(client)

        assert re.search(r'id="cart-count"[^>]*>4<', html)
        assert "Pier Tote" in html
        assert sum('FROM "cart_cartline"' in q for q in sql) == 1
