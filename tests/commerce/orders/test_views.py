import re

import pytest
from django.test import Client
from django.urls import reverse

from commerce.accounts.models import Address
from commerce.catalog.models import Variant
from commerce.orders.models import Order
from commerce.orders.selectors import order_access_token
from tests.factories import ADDRESS, OrderFactory, UserFactory, VariantFactory

pytestmark = pytest.mark.django_db

CHECKOUT = reverse("orders:checkout")
REVIEW = reverse("orders:review")
PLACE = reverse("orders:place")


def form_data(**overrides: str) -> dict[str, str]:
    return {"email": "guest@example.com", **{k: v for k, v in ADDRESS.items()}, **overrides}


@pytest.fixture
def guest(client: Client) -> Client:
    """A guest with 2 × Tee (24.00, stock 5) in the cart."""
    variant = VariantFactory(product__name="Tee", name="M", sku="TEE-M", price="24.00", stock=5)
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 2})
    return client


def test_guest_checkout_address_review_place(guest):
    assert guest.get(CHECKOUT).status_code == 200

    response = guest.post(CHECKOUT, form_data())
    assert response.status_code == 302
    assert response["Location"] == REVIEW

    review = guest.get(REVIEW).content.decode()
    assert "1 Harbour Road" in review
    assert "guest@example.com" in review
    assert "Pay $48.00" in review

    placed = guest.post(PLACE)
    order = Order.objects.get()
    assert placed.status_code == 302
    assert placed["Location"] == reverse("payments:pay", kwargs={"number": order.number})
    assert order.email == "guest@example.com"
    assert order.user is None
    assert Variant.objects.get(sku="TEE-M").stock == 3
    # The guest session may see its own order.
    page = guest.get(order.get_absolute_url())
    assert page.status_code == 200
    assert re.search(
        r'id="order-status" class="status status--pending_payment" data-status="pending_payment"', page.content.decode()
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"email": "not-an-email"}, "Enter a valid email address."),
        ({"line1": ""}, "This field is required."),
        ({"country": "XX"}, "Select a valid choice. XX is not one of the available choices."),
        ({"region": ""}, "Enter the state."),
        ({"region": "", "country": "CA"}, "Enter the province."),
        ({"region": "Maine"}, "Enter the code of a state: NY, ON, NSW."),
    ],
)
def test_bad_address_is_a_422_and_nothing_is_stored(guest, overrides, message):
    response = guest.post(CHECKOUT, form_data(**overrides))

    assert response.status_code == 422
    assert message in response.content.decode()
    assert "checkout" not in guest.session
    assert not Order.objects.exists()


@pytest.mark.parametrize(("region", "country", "kept"), [("me", "US", "ME"), ("US-NY", "US", "NY"), ("", "FR", "")])
def test_the_region_is_kept_as_its_code_and_asked_only_where_needed(guest, region, country, kept):
    assert guest.post(CHECKOUT, form_data(region=region, country=country)).status_code == 302

    guest.post(PLACE)

    assert Order.objects.get().shipping_address["region"] == kept
    if kept:
        assert f"{kept}, {country}" in guest.get(Order.objects.get().get_absolute_url()).content.decode()


def test_empty_cart_cannot_check_out(client):
    response = client.get(CHECKOUT)

    assert response.status_code == 302
    assert response["Location"] == reverse("cart:detail")
    assert client.post(PLACE).status_code == 302
    assert not Order.objects.exists()


def test_place_without_address_goes_back_to_step_one(guest):
    response = guest.post(PLACE)

    assert response["Location"] == CHECKOUT
    assert not Order.objects.exists()


def test_out_of_stock_at_place_names_the_line(guest):
    guest.post(CHECKOUT, form_data())
    Variant.objects.filter(sku="TEE-M").update(stock=1)

    response = guest.post(PLACE)

    assert response.status_code == 409
    assert "Only 1 of Tee — M left (you wanted 2)." in response.content.decode()
    assert not Order.objects.exists()
    assert Variant.objects.get(sku="TEE-M").stock == 1


def test_signed_in_shopper_saves_and_reuses_an_address(client):
    user = UserFactory(email="sam@example.com")
    client.force_login(user)
    variant = VariantFactory(stock=5)
    client.post(reverse("cart:add"), {"variant": variant.pk, "quantity": 1})

    client.post(CHECKOUT, form_data(email="sam@example.com", save_address="on"))
    saved = Address.objects.get(user=user)
    assert saved.line1 == "1 Harbour Road"

    html = client.get(CHECKOUT).content.decode()
    assert 'name="saved_address"' in html
    response = client.post(CHECKOUT, {"email": "sam@example.com", "saved_address": saved.pk})
    assert response["Location"] == REVIEW
    assert Address.objects.filter(user=user).count() == 1


def test_someone_elses_saved_address_is_refused(client):
    other = Address.objects.create(user=UserFactory(), **{k: v for k, v in ADDRESS.items()})
    user = UserFactory()
    Address.objects.create(user=user, **{**ADDRESS, "line1": "Mine"})
    client.force_login(user)
    client.post(reverse("cart:add"), {"variant": VariantFactory().pk, "quantity": 1})

    response = client.post(CHECKOUT, {"email": "me@example.com", "saved_address": other.pk})

    assert response.status_code == 422


class TestOrderPagePermissions:
    @pytest.fixture
    def order(self, filled_cart, buyer):  # type: ignore[no-untyped-def]
        return OrderFactory(cart=filled_cart, user=buyer)

    def test_owner_sees_status_and_timeline(self, client, order, buyer):
        client.force_login(buyer)

        html = client.get(order.get_absolute_url()).content.decode()

        assert 'data-status="pending_payment"' in html
        assert "Order placed" in html
        assert "2 × Tee" in html

    def test_another_shopper_gets_404(self, client, order):
        client.force_login(UserFactory())

        assert client.get(order.get_absolute_url()).status_code == 404

    def test_anonymous_gets_404_and_a_signed_link_works_for_guest_orders(self, client, order):
        assert client.get(order.get_absolute_url()).status_code == 404
        # A signed link opens only guest orders of its own number.
        Order.objects.filter(pk=order.pk).update(user=None)
        token = order_access_token(order)
        assert client.get(order.get_absolute_url(), {"k": token}).status_code == 200
        assert client.get(order.get_absolute_url()).status_code == 200  # this browser opened the link: remembered
        assert client.__class__().get(order.get_absolute_url(), {"k": token + "x"}).status_code == 404  # forged
        Order.objects.filter(pk=order.pk).update(user=UserFactory())
        assert client.get(order.get_absolute_url(), {"k": token}).status_code == 200  # the link is the grant

    @pytest.mark.parametrize(("roles", "status"), [((), 404), (("support",), 200), (("ops",), 200)])
    def test_staff_see_customers_orders_only_in_a_role(self, client, order, roles, status):
        from django.contrib.auth.models import Group

        member = UserFactory(is_staff=True)
        for role in roles:
            member.groups.add(Group.objects.get_or_create(name=role)[0])
        client.force_login(member)

        assert client.get(order.get_absolute_url()).status_code == status

    def test_unknown_number_is_404(self, client):
        assert client.get(reverse("orders:detail", kwargs={"number": "LS-0000-0000"})).status_code == 404

    def test_account_lists_the_order(self, client, order, buyer):
        client.force_login(buyer)

        html = client.get(reverse("accounts:account")).content.decode()

        assert f'data-order="{order.number}"' in html
        assert "$62.00" in html


def test_the_hold_ends_at_a_time_in_the_stores_zone_labelled_with_it(client, settings):
    """The order page said "until 17:05 UTC" with the time already in the store's zone."""
    from datetime import UTC, datetime

    from commerce.inventory.models import StockHold

    settings.TIME_ZONE = "America/New_York"
    buyer = UserFactory()
    order = OrderFactory(user=buyer)
    StockHold.objects.filter(order=order).update(expires_at=datetime(2026, 7, 1, 21, 5, tzinfo=UTC))
    client.force_login(buyer)

    html = client.get(reverse("orders:detail", kwargs={"number": order.number})).content.decode()

    assert "the items are held until 17:05 EDT." in html
