"""The product list's shared part is cached by catalog version: never stale after a committed
change, never anyone else's per-person parts (commerce/catalog/cache.py)."""

import contextlib
import html as htmllib
import re
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from commerce.catalog import cache as catalog_cache
from commerce.catalog import views
from commerce.catalog.models import ProductImage, Variant
from commerce.inventory.errors import OutOfStock
from commerce.inventory.services import stock_return, stock_take
from commerce.orders.services import checkout_start, order_cancel
from realtime.topics import TopicTokenError, binding_for, verify_topics
from tests.factories import ADDRESS, CartFactory, CartLineFactory, CategoryFactory, UserFactory, VariantFactory

LIST = reverse("catalog:list")


def names(page: str) -> list[str]:
    return re.findall(r'<span class="product-card__name">([^<]+)</span>', page)


def stock(page: str, variant: Variant) -> int:
    found = re.search(rf'id="stock-{variant.pk}" class="[^"]*" data-stock="(\d+)"', page)
    assert found, f"no figure for variant {variant.pk}"
    return int(found[1])


STOCK_FIGURES = 'SELECT id, stock FROM "catalog_variant" WHERE id = ANY'


def catalog_queries(client: Client, path: str = LIST, **params: str) -> tuple[str, int]:
    """The page, and how many of its queries read catalog tables, besides the one that reads the
    stock figures every time (none when the grid comes from the cache)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, params)
    assert response.status_code == 200
    figures = [q["sql"] for q in queries if q["sql"].startswith(STOCK_FIGURES)]
    assert len(figures) == 1, [q["sql"][:120] for q in queries]  # the figures are read once, always
    return response.content.decode(), sum('"catalog_' in q["sql"] for q in queries) - 1


def rolled_back(*saves) -> None:  # type: ignore[no-untyped-def]
    """Make these saves in a transaction (or savepoint) that then rolls back."""
    with contextlib.suppress(RuntimeError), transaction.atomic():
        for save in saves:
            save()
        raise RuntimeError


@pytest.fixture
def tee(db):  # type: ignore[no-untyped-def]
    return VariantFactory(product__name="Harbour Tee", product__category__name="Tees", stock=5, price="24.00")


@pytest.mark.django_db(transaction=True)
class TestFreshAfterCommit:
    """Each change below is committed; the next page load shows it, though the page before it was cached."""

    def warm(self, client: Client) -> str:
        client.get(LIST)
        page, reads = catalog_queries(client)
        assert reads == 0, "the second load comes from the cache"
        return page

    def test_stock_take_and_return(self, client, tee):
        assert stock(self.warm(client), tee) == 5

        with transaction.atomic():
            stock_take(quantities=[(tee.pk, 2)])
        page, reads = catalog_queries(client)
        assert stock(page, tee) == 3
        assert reads == 0  # the same cached grid, with the figure of the moment

        with transaction.atomic():
            stock_return(quantities=[(tee.pk, 2)])
        assert stock(client.get(LIST).content.decode(), tee) == 5

    def test_selling_the_last_one_shows_sold_out(self, client, tee):
        self.warm(client)

        with transaction.atomic():
            stock_take(quantities=[(tee.pk, 5)])

        page = client.get(LIST).content.decode()
        assert stock(page, tee) == 0
        assert '<li class="product-card product-card--out">' in page

    def test_a_failed_take_rolls_back_and_the_page_keeps_the_figure(self, client, tee):
        self.warm(client)

        with pytest.raises(OutOfStock), transaction.atomic():
            stock_take(quantities=[(tee.pk, 6)])

        assert stock(client.get(LIST).content.decode(), tee) == 5

    @pytest.mark.parametrize("in_database", [True, False], ids=["database-checkout", "python-checkout"])
    def test_a_checkout_then_its_cancel(self, client, tee, settings, in_database):
        settings.CHECKOUT_IN_DATABASE = in_database
        buyer = UserFactory(email="buyer@example.com")
        CartLineFactory(cart=CartFactory(user=buyer), variant=tee, quantity=2)
        self.warm(client)

        order = checkout_start(cart=buyer.cart, user=buyer, email=buyer.email, address=ADDRESS)
        assert stock(client.get(LIST).content.decode(), tee) == 3

        order_cancel(order=order, actor=None)
        assert stock(client.get(LIST).content.decode(), tee) == 5

    def test_product_and_variant_edits(self, client, tee):
        self.warm(client)

        product = tee.product
        product.name = "Harbour Tee II"
        product.save()
        tee.price = Decimal("19.50")
        tee.save()

        page = client.get(LIST).content.decode()
        assert names(page) == ["Harbour Tee II"]
        assert "from $19.50" in page

    def test_new_product_appears(self, client, tee):
        self.warm(client)

        VariantFactory(product__name="Dune Tee", product__category=tee.product.category, stock=2)

        assert names(client.get(LIST).content.decode()) == ["Dune Tee", "Harbour Tee"]

    def test_unpublished_and_deleted_products_disappear(self, client, tee):
        dune = VariantFactory(product__name="Dune Tee", product__category=tee.product.category).product
        reef = VariantFactory(product__name="Reef Tee", product__category=tee.product.category).product
        self.warm(client)

        dune.is_published = False
        dune.save()
        assert names(client.get(LIST).content.decode()) == ["Reef Tee", "Harbour Tee"]

        reef.delete()
        assert names(client.get(LIST).content.decode()) == ["Harbour Tee"]

    def test_admin_delete_and_restore_actions(self, client, tee):
        staff = Client()
        staff.force_login(UserFactory(is_staff=True, is_superuser=True))
        changelist = reverse("admin:catalog_product_changelist")
        self.warm(client)

        staff.post(changelist, {"action": "soft_delete", "_selected_action": [tee.product_id]})
        assert names(client.get(LIST).content.decode()) == []

        staff.post(changelist, {"action": "restore", "_selected_action": [tee.product_id]})
        assert names(client.get(LIST).content.decode()) == ["Harbour Tee"]

    def test_category_rename(self, client, tee):
        self.warm(client)

        category = tee.product.category
        category.name = "T-shirts"
        category.save()

        page = client.get(category.get_absolute_url()).content.decode()
        assert "<title>T-shirts · Live Store</title>" in page
        assert '<h1 id="results-title">T-shirts</h1>' in page
        assert ">T-shirts</a></li>" in client.get(LIST).content.decode()

    def test_a_render_that_raced_a_change_is_not_served_after_it(self, client, tee, monkeypatch):
        """The render reads the old name, the rename commits, then the render stores its page."""
        render = views._listing_render
        product = tee.product

        def render_then_rename(**kwargs):  # type: ignore[no-untyped-def]
            entry = render(**kwargs)
            product.name = "Harbour Tee II"
            product.save()
            return entry

        monkeypatch.setattr(views, "_listing_render", render_then_rename)
        assert "Harbour Tee II" not in client.get(LIST).content.decode()  # rendered before the rename
        monkeypatch.undo()

        assert "Harbour Tee II" in client.get(LIST).content.decode()

    def test_a_sale_keeps_the_cached_grid_and_the_page_shows_the_figure_of_the_moment(self, client, tee):
        other = VariantFactory(product=tee.product, name="L", stock=1)  # a second option
        self.warm(client)
        version = catalog_cache.catalog_version()

        with transaction.atomic():
            stock_take(quantities=[(tee.pk, 5)])
        page = client.get(LIST).content.decode()

        assert catalog_cache.catalog_version() == version  # the grid was not rendered again
        assert (stock(page, tee), stock(page, other)) == (0, 1)
        assert "product-card--out" not in page  # one option left
        with transaction.atomic():
            stock_take(quantities=[(other.pk, 1)])
        page = client.get(LIST).content.decode()
        assert 'class="product-card product-card--out"' in page
        assert 'class="stock stock--out product-card__soldout">Sold out' in page  # no longer hidden
        assert "\x00" not in page


@pytest.mark.django_db(transaction=True)
class TestVersion:
    @pytest.fixture
    def bumps(self, monkeypatch):  # type: ignore[no-untyped-def]
        """How many times the version moved on."""
        calls: list[None] = []
        changed = catalog_cache.catalog_changed
        monkeypatch.setattr(catalog_cache, "catalog_changed", lambda: (calls.append(None), changed()))
        return calls

    @pytest.mark.parametrize("model", ["category", "product", "variant", "image"])
    def test_every_catalog_write_moves_the_version_on_commit_only(self, tee, model):
        before = catalog_cache.catalog_version()
        with transaction.atomic():
            if model == "category":
                tee.product.category.save()
            elif model == "product":
                tee.product.save()
            elif model == "variant":
                tee.delete()
            else:
                ProductImage.objects.create(product=tee.product, image="products/harbour.png")
            assert catalog_cache.catalog_version() == before, "not before the commit"
        assert catalog_cache.catalog_version() != before

    def test_nothing_moves_when_the_transaction_rolls_back(self, tee):
        before = catalog_cache.catalog_version()
        rolled_back(tee.product.save)

        assert catalog_cache.catalog_version() == before

    def test_once_per_transaction(self, tee, bumps):
        with transaction.atomic():
            tee.save()
            tee.product.save()
            stock_take(quantities=[(tee.pk, 1)])

        assert len(bumps) == 1

    def test_a_savepoint_rolled_back_keeps_the_bump_of_other_changes(self, tee, bumps):
        with transaction.atomic():
            tee.save()  # registers the bump
            rolled_back(tee.product.save)
        with transaction.atomic():
            rolled_back(tee.save)  # registers the bump, then loses it with the savepoint
            tee.product.save()  # so this one registers it again

        assert len(bumps) == 2


@pytest.mark.django_db
class TestPerPerson:
    def test_a_cached_page_carries_each_shoppers_own_cart_csrf_and_live_token(self, client, tee):
        alice = client
        alice.post(reverse("cart:add"), {"variant": tee.pk, "quantity": 2})
        alice_page = alice.get(LIST).content.decode()  # rendered and stored while serving Alice
        bob = Client()

        bob_page, reads = catalog_queries(bob)

        assert reads == 0, "Bob gets the cached grid"
        assert re.search(r'id="cart-count"[^>]*>2<', alice_page)
        assert re.search(r'id="cart-count"[^>]*>0<', bob_page)
        assert "Your cart is empty." in bob_page
        assert "Harbour Tee <small>" not in bob_page  # Alice's mini-cart line
        alice_csrf, bob_csrf = (re.search(r'"X-CSRFToken": "([^"]+)"', p)[1] for p in (alice_page, bob_page))
        assert _unmask_cipher_token(bob_csrf) == bob.cookies["csrftoken"].value  # the secret, unmasked
        assert _unmask_cipher_token(bob_csrf) != _unmask_cipher_token(alice_csrf)
        bob_token, alice_token = (
            htmllib.unescape(re.search(r'ws-connect="/ws/live/\?t=([^"]+)"', p)[1]) for p in (bob_page, alice_page)
        )
        # Bob's first visit follows the grid's stock only (public: no session made for it); Alice's
        # page follows her cart too, which only her session may.
        assert verify_topics(bob_token, binding="s:") == [f"stock.{tee.pk}"]
        alice_binding = binding_for(user_pk=None, session_key=alice.session.session_key)
        assert f"cart.{alice.session['cart_pk']}" in verify_topics(alice_token, binding=alice_binding)
        with pytest.raises(TopicTokenError):
            verify_topics(alice_token, binding=binding_for(user_pk=None, session_key="bob"))

    def test_signed_in_and_guest_headers_around_the_same_grid(self, client, tee):
        client.get(LIST)
        member = Client()
        member.force_login(UserFactory(email="pat@example.com"))

        page, reads = catalog_queries(member)

        assert reads == 0
        assert "Sign out" in page
        assert "Sign out" not in client.get(LIST).content.decode()


@pytest.mark.django_db
class TestKeys:
    @pytest.fixture
    def shelves(self):  # type: ignore[no-untyped-def]
        tees, mugs = CategoryFactory(name="Tees", slug="tees"), CategoryFactory(name="Mugs", slug="mugs")
        now = timezone.now()
        for name, category, price in [
            ("Alpha Tee", tees, "30.00"),
            ("Bravo Tee", tees, "20.00"),
            ("Cocoa Mug", mugs, "9.00"),
        ]:
            VariantFactory(product__name=name, product__category=category, product__created_at=now, price=price)
            now -= timedelta(days=1)

    def test_category_sort_page_and_partial_are_cached_apart(self, client, settings, shelves):
        settings.CATALOG_PAGE_SIZE = 2
        mugs, tees = reverse("catalog:category", args=["mugs"]), reverse("catalog:category", args=["tees"])
        cases = [
            (LIST, {}, ["Alpha Tee", "Bravo Tee"]),
            (mugs, {}, ["Cocoa Mug"]),
            (tees, {"sort": "price"}, ["Bravo Tee", "Alpha Tee"]),
            (LIST, {"sort": "-price"}, ["Alpha Tee", "Bravo Tee"]),
            (LIST, {"sort": "price"}, ["Cocoa Mug", "Bravo Tee"]),
            (LIST, {"page": "2"}, ["Cocoa Mug"]),
        ]
        for path, params, _ in cases:
            client.get(path, params)  # each stored under its own key
        for path, params, expected in cases:
            page, reads = catalog_queries(client, path, **params)
            assert (names(page), reads) == (expected, 0), (path, params)
            partial = Client(HTTP_HX_REQUEST="true").get(path, params).content.decode()
            assert partial.lstrip().startswith('<section id="results"')
            assert names(partial) == expected

    def test_pages_past_the_end_and_odd_numbers_show_what_they_did_and_are_not_stored(self, client, settings, shelves):
        settings.CATALOG_PAGE_SIZE = 2

        assert names(client.get(LIST, {"page": "99"}).content.decode()) == ["Cocoa Mug"]
        assert names(client.get(LIST, {"page": "abc"}).content.decode()) == ["Alpha Tee", "Bravo Tee"]
        assert names(client.get(LIST, {"page": "0"}).content.decode()) == ["Cocoa Mug"]
        assert catalog_queries(client, page="99")[1] > 0

    def test_links_carry_the_query_not_other_parameters_of_the_first_visitor(self, client, settings, shelves):
        settings.CATALOG_PAGE_SIZE = 1
        tees = reverse("catalog:category", args=["tees"])
        client.get(tees, {"utm_source": "mail", "sort": "price"})

        page, reads = catalog_queries(Client(), tees, sort="price")

        assert reads == 0
        assert 'href="?sort=price&amp;page=2"' in page
        assert "utm_source" not in page

    def test_unknown_category_is_404_every_time(self, client, shelves):
        assert client.get(LIST, {"category": "nope"}).status_code == 404
        assert client.get(LIST, {"category": "nope"}).status_code == 404

    def test_a_cache_outage_renders_the_page_without_it(self, client, shelves, monkeypatch):
        class Down:
            def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
                raise ConnectionError("redis is down")

        monkeypatch.setattr(catalog_cache, "django_cache", Down())
        monkeypatch.setattr(catalog_cache, "_down_until", 0.0)

        assert names(client.get(LIST).content.decode()) == ["Alpha Tee", "Bravo Tee", "Cocoa Mug"]
        assert catalog_cache.enabled() is False  # the next requests skip the cache for a while
        assert names(client.get(LIST).content.decode()) == ["Alpha Tee", "Bravo Tee", "Cocoa Mug"]

    def test_off_when_cache_seconds_is_zero(self, client, settings, shelves):
        settings.CATALOG_CACHE_SECONDS = 0
        client.get(LIST)

        assert catalog_queries(client)[1] > 0


class TestOneRenderAtATime:
    def test_requests_arriving_together_after_a_change_share_one_render(self, monkeypatch):
        renders: list[dict] = []

        def slow_render(**kwargs):  # type: ignore[no-untyped-def]
            renders.append(kwargs)
            time.sleep(0.2)
            return {"title": "", "filters": "", "results": "the grid", "topics": [], "number": 1}

        monkeypatch.setattr(views, "_listing_render", slow_render)
        catalog_cache.catalog_changed()

        with ThreadPoolExecutor(4) as pool:
            entries = list(pool.map(lambda _: views._listing(category_slug=None, sort=None, page=None), range(4)))

        assert len(renders) == 1
        assert [entry["results"] for entry in entries] == ["the grid"] * 4
