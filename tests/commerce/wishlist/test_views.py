"""Saving, removing, the /wishlist/ page and moving to the cart, for guests and signed-in people;
nobody sees or changes another person's list."""

import re

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from commerce.cart.models import Cart, CartLine
from commerce.wishlist.models import MAX_ITEMS, WishlistItem
from tests.factories import ProductFactory, UserFactory, VariantFactory

pytestmark = pytest.mark.django_db

DETAIL = reverse("wishlist:detail")


def save(client: Client, product_pk: int, where: str = "page"):  # type: ignore[no-untyped-def]
    return client.post(reverse("wishlist:save", args=[product_pk]), {"where": where})


def remove(client: Client, product_pk: int, where: str = "page"):  # type: ignore[no-untyped-def]
    return client.post(reverse("wishlist:remove", args=[product_pk]), {"where": where})


def move(client: Client, product_pk: int, variant_pk: int | str):  # type: ignore[no-untyped-def]
    return client.post(reverse("wishlist:move", args=[product_pk]), {"variant": variant_pk})


def shown(client: Client) -> list[str]:
    """The product names the wishlist page lists, in order."""
    html = client.get(DETAIL).content.decode()
    return re.findall(r'class="wishlist-item__name" href="[^"]+">([^<]+)</a>', html)


def badge(html: str) -> str:
    match = re.search(r'<span id="cart-count"[^>]*>(\d+)</span>', html)
    assert match, "no #cart-count in the response"
    return match.group(1)


@pytest.fixture
def tee(variant):  # type: ignore[no-untyped-def]
    """Harbour Tee: M / Navy ($12.50, 5 in stock) and L / Navy ($14.00, sold out)."""
    VariantFactory(product=variant.product, name="L / Navy", price="14.00", stock=0)
    return variant.product


class TestSaveAndRemove:
    def test_a_guest_saves_and_removes_in_the_session(self, htmx_client, tee):
        response = save(htmx_client, tee.pk)

        html = response.content.decode()
        assert response.status_code == 200
        assert 'aria-pressed="true"' in html
        assert ">Saved" in html
        assert "<html" not in html
        assert htmx_client.session["wishlist"] == [tee.pk]
        assert shown(htmx_client) == ["Harbour Tee"]

        response = remove(htmx_client, tee.pk)
        assert 'aria-pressed="false"' in response.content.decode()
        assert htmx_client.session["wishlist"] == []
        assert shown(htmx_client) == []

    def test_a_signed_in_person_saves_rows_newest_first(self, htmx_client, shopper, tee):
        older = ProductFactory(name="Dock Mug")
        VariantFactory(product=older)
        htmx_client.force_login(shopper)

        save(htmx_client, older.pk)
        save(htmx_client, tee.pk)

        assert shown(htmx_client) == ["Harbour Tee", "Dock Mug"]
        item = WishlistItem.objects.get(user=shopper, product=tee)
        assert (str(item.price_seen), item.waiting_restock) == ("12.50", False)
        assert "wishlist" not in htmx_client.session

    def test_saving_twice_keeps_one(self, htmx_client, shopper, tee):
        save(htmx_client, tee.pk)
        save(htmx_client, tee.pk)
        assert htmx_client.session["wishlist"] == [tee.pk]

        htmx_client.force_login(shopper)
        save(htmx_client, tee.pk)
        response = save(htmx_client, tee.pk)

        assert response.status_code == 200
        assert WishlistItem.objects.filter(user=shopper).count() == 1

    def test_removing_what_is_not_saved_is_not_an_error(self, htmx_client, shopper, tee):
        htmx_client.force_login(shopper)

        response = remove(htmx_client, tee.pk)

        assert response.status_code == 200
        assert not WishlistItem.objects.exists()

    def test_a_card_answers_with_the_cards_button(self, htmx_client, tee):
        html = save(htmx_client, tee.pk, where="card").content.decode()

        assert html.strip().startswith('<div class="product-card__save">')
        assert 'aria-pressed="true"' in html
        assert 'Saved<span class="visually-hidden"> Harbour Tee</span>' in html
        assert reverse("wishlist:remove", args=[tee.pk]) in html

    def test_without_javascript_saving_goes_back_to_the_product(self, client, tee):
        response = save(client, tee.pk)

        assert response.status_code == 302
        assert response["Location"] == tee.get_absolute_url()
        assert "Saved to your wishlist." in client.get(response["Location"]).content.decode()

    def test_unknown_hidden_or_unpublished_products_are_refused(self, htmx_client, shopper):
        hidden = VariantFactory(product__deleted_at=timezone.now()).product
        draft = VariantFactory(product__is_published=False).product
        no_options = ProductFactory()
        htmx_client.force_login(shopper)

        for pk in (999999, hidden.pk, draft.pk, no_options.pk):
            assert save(htmx_client, pk).status_code == 404
        assert not WishlistItem.objects.exists()

    def test_a_full_list_refuses_one_more_and_says_why(self, htmx_client, tee):
        save(htmx_client, VariantFactory().product_id)
        session = htmx_client.session
        session["wishlist"] = list(range(1_000_000, 1_000_000 + MAX_ITEMS))
        session.save()

        response = save(htmx_client, tee.pk)

        assert response.status_code == 422
        assert f"Your wishlist holds up to {MAX_ITEMS} products." in response.content.decode()
        assert tee.pk not in htmx_client.session["wishlist"]

    def test_garbage_in_the_session_is_ignored(self, htmx_client, tee):
        save(htmx_client, tee.pk)
        session = htmx_client.session
        session["wishlist"] = ["<script>", None, True, -4, tee.pk]
        session.save()

        assert shown(htmx_client) == ["Harbour Tee"]


class TestPages:
    def test_the_product_page_shows_this_persons_state(self, client, shopper, tee):
        page = client.get(tee.get_absolute_url()).content.decode()
        assert 'aria-pressed="false"' in page
        assert reverse("wishlist:save", args=[tee.pk]) in page

        client.force_login(shopper)
        save(client, tee.pk)
        page = client.get(tee.get_absolute_url()).content.decode()

        assert 'aria-pressed="true"' in page
        assert reverse("wishlist:remove", args=[tee.pk]) in page

    def test_a_product_with_nothing_for_sale_has_no_save_button(self, client):
        retired = VariantFactory(is_active=False).product

        page = client.get(retired.get_absolute_url()).content.decode()

        assert "This product is not for sale right now." in page
        assert 'id="wishlist-toggle"' not in page

    def test_viewing_pages_creates_no_session(self, client, tee):
        client.get(tee.get_absolute_url())
        client.get(reverse("catalog:list"))
        client.get(DETAIL)
        assert not Session.objects.exists()

        save(client, tee.pk)
        assert Session.objects.count() == 1

    def test_cards_carry_a_save_button(self, client, tee):
        html = client.get(reverse("catalog:list")).content.decode()

        assert f'hx-post="{reverse("wishlist:save", args=[tee.pk])}"' in html
        assert 'Save<span class="visually-hidden"> Harbour Tee</span>' in html

    def test_the_wishlist_page_shows_price_options_and_live_stock(self, client, shopper, tee):
        client.force_login(shopper)
        save(client, tee.pk)

        response = client.get(DETAIL)

        html = response.content.decode()
        navy_m, navy_l = tee.variants.order_by("pk")
        assert "from $12.50" in html
        assert f'id="stock-{navy_m.pk}" class="stock stock--low" data-stock="5">Only 5 left' in html
        assert f'id="stock-{navy_l.pk}" class="stock stock--out" data-stock="0">Sold out' in html
        assert f'value="{navy_m.pk}" checked>' in html
        assert f'value="{navy_l.pk}" disabled>' in html
        assert ">Move to cart<" in html.replace('<span class="button__spinner" aria-hidden="true"></span>', ">")
        followed = response.wsgi_request._live_topics  # type: ignore[attr-defined]
        assert {f"stock.{navy_m.pk}", f"stock.{navy_l.pk}"} <= set(followed)  # figures pushed live

    def test_empty_wishlist_says_so_and_links_to_the_shop(self, client):
        html = client.get(DETAIL).content.decode()

        assert "Your wishlist is empty." in html
        assert f'href="{reverse("catalog:list")}">Browse the shop</a>' in html

    def test_a_product_hidden_after_saving_is_not_shown(self, client, shopper, tee):
        client.force_login(shopper)
        save(client, tee.pk)
        tee.deleted_at = timezone.now()
        tee.save()

        assert shown(client) == []

    def test_names_are_escaped(self, client, shopper):
        product = VariantFactory(product__name="<b>Bold</b> Tee").product
        client.force_login(shopper)
        save(client, product.pk)

        html = client.get(DETAIL).content.decode()
        assert "&lt;b&gt;Bold&lt;/b&gt; Tee" in html
        assert "<b>Bold</b>" not in html


class TestOnlyYourOwn:
    def test_a_second_person_sees_and_changes_only_their_own_list(self, client, shopper, tee):
        client.force_login(shopper)
        save(client, tee.pk)
        other = UserFactory()
        theirs = Client()
        theirs.force_login(other)

        assert shown(theirs) == []
        assert "Harbour Tee" not in theirs.get(DETAIL).content.decode()
        remove(theirs, tee.pk)
        navy_m = tee.variants.order_by("pk").first()
        response = move(theirs, tee.pk, navy_m.pk)

        assert response.status_code == 302  # refused: nothing of theirs to move
        assert WishlistItem.objects.filter(user=shopper, product=tee).exists()
        assert not CartLine.objects.exists()
        assert shown(client) == ["Harbour Tee"]

    def test_a_guest_does_not_see_a_signed_in_persons_list(self, client, shopper, tee):
        client.force_login(shopper)
        save(client, tee.pk)

        assert shown(Client()) == []


class TestMoveToCart:
    def test_an_option_in_stock_goes_to_the_cart_and_leaves_the_list(self, htmx_client, shopper, tee):
        htmx_client.force_login(shopper)
        save(htmx_client, tee.pk)
        navy_m = tee.variants.order_by("pk").first()

        response = move(htmx_client, tee.pk, navy_m.pk)

        html = response.content.decode()
        assert response.status_code == 200
        assert "Moved Harbour Tee — M / Navy to your cart." in html
        assert badge(html) == "1"
        assert 'id="cart-count" class="badge" aria-live="polite" hx-swap-oob="true">1<' in html
        assert "Your wishlist is empty." in html
        assert Cart.objects.get(user=shopper).lines.get().variant == navy_m
        assert not WishlistItem.objects.exists()

    def test_a_guest_moves_to_a_new_cart(self, htmx_client, tee):
        save(htmx_client, tee.pk)
        navy_m = tee.variants.order_by("pk").first()

        html = move(htmx_client, tee.pk, navy_m.pk).content.decode()

        assert badge(html) == "1"
        assert 'id="live-refresh" hx-swap-oob="true"' in html  # the page follows its new cart
        assert Cart.objects.get(pk=htmx_client.session["cart_pk"]).lines.get().quantity == 1
        assert htmx_client.session["wishlist"] == []

    @pytest.mark.parametrize("signed_in", [True, False])
    def test_a_sold_out_option_is_refused_and_nothing_changes(self, htmx_client, shopper, tee, signed_in):
        if signed_in:
            htmx_client.force_login(shopper)
        save(htmx_client, tee.pk)
        navy_l = tee.variants.order_by("pk").last()

        response = move(htmx_client, tee.pk, navy_l.pk)

        assert response.status_code == 422
        assert "Harbour Tee — L / Navy is sold out." in response.content.decode()
        assert not Cart.objects.exists()
        assert shown(htmx_client) == ["Harbour Tee"]

    def test_an_option_of_another_product_or_no_option_is_refused(self, htmx_client, shopper, tee):
        htmx_client.force_login(shopper)
        save(htmx_client, tee.pk)
        stranger = VariantFactory()

        for variant_pk in (stranger.pk, 999999, "", "x"):
            response = move(htmx_client, tee.pk, variant_pk)
            assert response.status_code == 422
            assert "Choose an option" in response.content.decode()
        assert not CartLine.objects.exists()
        assert shown(htmx_client) == ["Harbour Tee"]

    def test_a_second_submit_adds_nothing_more(self, htmx_client, shopper, tee):
        htmx_client.force_login(shopper)
        save(htmx_client, tee.pk)
        navy_m = tee.variants.order_by("pk").first()
        move(htmx_client, tee.pk, navy_m.pk)

        response = move(htmx_client, tee.pk, navy_m.pk)

        assert response.status_code == 422
        assert "That product is no longer in your wishlist." in response.content.decode()
        assert CartLine.objects.get().quantity == 1
