"""A guest's saved products join the account's list on sign-in (the real login view, and the sign-up link)."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from commerce.accounts.models import User
from commerce.wishlist.models import WishlistItem
from commerce.wishlist.services import wishlist_adopt_on_login
from tests.factories import ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")


def save(client, product_pk: int) -> None:  # type: ignore[no-untyped-def]
    assert client.post(reverse("wishlist:save", args=[product_pk])).status_code == 302


def names(user: User) -> list[str]:
    return [item.product.name for item in WishlistItem.objects.filter(user=user).select_related("product")]


@pytest.fixture
def products(db):  # type: ignore[no-untyped-def]
    made = {}
    for name, stock in [("Anchor Cap", 3), ("Buoy Bag", 0), ("Cove Scarf", 2)]:
        made[name] = VariantFactory(product=ProductFactory(name=name), stock=stock).product
    return made


def test_signing_in_joins_the_guests_list_to_the_accounts_once(client, shopper, products):
    WishlistItem.objects.create(user=shopper, product=products["Cove Scarf"], price_seen="10.00")
    save(client, products["Anchor Cap"].pk)
    save(client, products["Buoy Bag"].pk)
    save(client, products["Cove Scarf"].pk)  # already on the account's list

    response = client.post(LOGIN, {"username": "shopper@example.com", "password": "shopper-pass-123"})

    assert response.status_code == 302
    # The guest's newest first, then what the account had; the duplicate once.
    assert names(shopper) == ["Buoy Bag", "Anchor Cap", "Cove Scarf"]
    assert "wishlist" not in client.session
    bag = WishlistItem.objects.get(user=shopper, product=products["Buoy Bag"])
    assert bag.waiting_restock is True  # saved while sold out: its return is worth telling
    page = client.get(reverse("wishlist:detail")).content.decode()
    assert re.findall(r'class="wishlist-item__name" href="[^"]+">([^<]+)</a>', page) == [
        "Buoy Bag",
        "Anchor Cap",
        "Cove Scarf",
    ]


def test_adopting_twice_adds_nothing_more(shopper, products):
    session = {"wishlist": [products["Anchor Cap"].pk, 999999]}  # a product gone since: skipped

    assert wishlist_adopt_on_login(user=shopper, session=session) == 1
    session["wishlist"] = [products["Anchor Cap"].pk]
    assert wishlist_adopt_on_login(user=shopper, session=session) == 0

    assert names(shopper) == ["Anchor Cap"]
    assert session == {}


def test_a_guest_with_nothing_saved_signs_in_as_before(client, shopper, products):
    WishlistItem.objects.create(user=shopper, product=products["Anchor Cap"], price_seen="10.00")

    client.post(LOGIN, {"username": "shopper@example.com", "password": "shopper-pass-123"})

    assert names(shopper) == ["Anchor Cap"]


def test_the_sign_up_link_keeps_what_the_guest_saved(client, products):
    save(client, products["Anchor Cap"].pk)
    password = "a-long-pass-phrase"
    data = {"email": "new@example.com", "first_name": "", "password1": password, "password2": password}
    client.post(reverse("accounts:signup"), data)
    link = re.search(r"https?://[^/\s]+(/accounts/signup/confirm/[^\s]+/)", str(mail.outbox[0].body))
    assert link

    assert client.post(link.group(1)).status_code == 302

    assert names(User.objects.get(email="new@example.com")) == ["Anchor Cap"]
    assert "wishlist" not in client.session
