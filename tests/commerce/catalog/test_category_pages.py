"""Category pages at /c/<slug>/: nested categories, breadcrumbs, SEO fields, the list's sort and pages,
the old `/?category=` address moved for good, loops refused in the admin."""

import html as htmllib
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from commerce.catalog.models import Category
from commerce.inventory.services import stock_take
from tests.factories import CategoryFactory, ProductFactory, UserFactory, VariantFactory

pytestmark = pytest.mark.django_db


def names(page: str) -> list[str]:
    return re.findall(r'<span class="product-card__name">([^<]+)</span>', page)


def breadcrumbs(page: str) -> list[tuple[str, str]]:
    """(href or "current", text) of each step of the page's breadcrumb trail."""
    nav = re.search(r'<nav class="breadcrumbs" aria-label="Breadcrumb">(.*?)</nav>', page, re.S)
    assert nav, "no breadcrumbs"
    steps = re.findall(r'<a href="([^"]+)">([^<]+)</a>|<span aria-current="page">([^<]+)</span>', nav[1])
    return [(href, text) if href else ("current", current) for href, text, current in steps]


def url(category: Category | str) -> str:
    return reverse("catalog:category", args=[getattr(category, "slug", category)])


@pytest.fixture
def shop():  # type: ignore[no-untyped-def]
    """Clothing > Tees > Vintage Tees, Clothing > Hoodies, Clothing > Scarves (nothing live), and Mugs."""
    clothing = CategoryFactory(
        name="Clothing", slug="clothing", description="Warm things & <cool> things.", seo_title="Clothing for the coast"
    )
    tees = CategoryFactory(name="Tees", slug="tees", parent=clothing, position=2)
    vintage = CategoryFactory(name="Vintage Tees", slug="vintage-tees", parent=tees, seo_description="Old tees, new.")
    hoodies = CategoryFactory(name="Hoodies", slug="hoodies", parent=clothing, position=1)
    scarves = CategoryFactory(name="Scarves", slug="scarves", parent=clothing)
    mugs = CategoryFactory(name="Mugs", slug="mugs")
    now = timezone.now()
    variants = {}
    for i, (name, category, price) in enumerate(
        [
            ("Harbour Tee", tees, "24.00"),
            ("Retro Tee", vintage, "30.00"),
            ("Fleece Hoodie", hoodies, "55.00"),
            ("Rain Jacket", clothing, "90.00"),
            ("Cocoa Mug", mugs, "9.00"),
        ]
    ):
        variants[name] = VariantFactory(
            product=ProductFactory(name=name, category=category, created_at=now - timedelta(days=i)), price=price
        )
    ProductFactory(name="Deleted Scarf", category=scarves, deleted_at=now)  # never shown
    VariantFactory(product__name="Hidden Scarf", product__category=scarves, product__is_published=False)
    return {"clothing": clothing, "tees": tees, "vintage": vintage, "hoodies": hoodies, "mugs": mugs, **variants}


class TestPage:
    def test_lists_the_products_of_the_category_and_of_every_category_under_it(self, client, shop):
        response = client.get(url(shop["clothing"]))

        page = response.content.decode()
        assert response.status_code == 200
        assert names(page) == ["Harbour Tee", "Retro Tee", "Fleece Hoodie", "Rain Jacket"]
        assert "4 products" in page
        assert names(client.get(url(shop["tees"])).content.decode()) == ["Harbour Tee", "Retro Tee"]
        assert names(client.get(url(shop["vintage"])).content.decode()) == ["Retro Tee"]
        assert names(client.get(url(shop["mugs"])).content.decode()) == ["Cocoa Mug"]

    def test_heading_description_subcategories_and_seo_title(self, client, shop):
        page = client.get(url(shop["clothing"])).content.decode()

        assert '<h1 id="results-title">Clothing</h1>' in page
        assert "<title>Clothing for the coast · Live Store</title>" in page
        assert '<meta name="description" content="Warm things &amp; &lt;cool&gt; things.">' in page
        assert '<p class="category-intro__description">Warm things &amp; &lt;cool&gt; things.</p>' in page
        # The children that have something to show, in position order; not the grandchild, not Scarves.
        subcategories = re.search(r'<nav class="category-intro__children"[^>]*>(.*?)</nav>', page, re.S)[1]
        assert re.findall(r'<a class="category-chip" href="([^"]+)">([^<]+)</a>', subcategories) == [
            ("/c/hoodies/", "Hoodies"),
            ("/c/tees/", "Tees"),
        ]

    def test_without_seo_fields_the_name_and_description_are_used(self, client, shop):
        tees = client.get(url(shop["tees"])).content.decode()
        vintage = client.get(url(shop["vintage"])).content.decode()

        assert "<title>Tees · Live Store</title>" in tees
        assert '<meta name="description" content="Shop Tees at Live Store: 2 products.">' in tees  # a summary
        assert "category-intro__children" in tees  # Vintage Tees
        assert "<title>Vintage Tees · Live Store</title>" in vintage
        assert '<meta name="description" content="Old tees, new.">' in vintage
        assert "category-intro__description" not in vintage

    def test_breadcrumbs_lead_from_the_shop_down_to_the_category(self, client, shop):
        page = client.get(url(shop["vintage"])).content.decode()

        assert breadcrumbs(page) == [
            ("/", "Shop"),
            ("/c/clothing/", "Clothing"),
            ("/c/tees/", "Tees"),
            ("current", "Vintage Tees"),
        ]
        assert breadcrumbs(client.get(url(shop["mugs"])).content.decode()) == [("/", "Shop"), ("current", "Mugs")]

    def test_product_page_breadcrumbs_show_the_category_path(self, client, shop):
        product = shop["Retro Tee"].product

        page = client.get(product.get_absolute_url()).content.decode()

        assert breadcrumbs(page) == [
            ("/", "Shop"),
            ("/c/clothing/", "Clothing"),
            ("/c/tees/", "Tees"),
            ("/c/vintage-tees/", "Vintage Tees"),
            ("current", "Retro Tee"),
        ]

    def test_sort_and_pages_as_on_the_list_and_htmx_gets_the_results(self, client, htmx_client, settings, shop):
        settings.CATALOG_PAGE_SIZE = 3

        first = client.get(url(shop["clothing"]), {"sort": "price"}).content.decode()
        second = client.get(url(shop["clothing"]), {"sort": "price", "page": "2"}).content.decode()
        partial = htmx_client.get(url(shop["clothing"]), {"sort": "-price", "page": "2"})

        assert names(first) == ["Harbour Tee", "Retro Tee", "Fleece Hoodie"]
        assert 'href="?sort=price&amp;page=2"' in first
        assert "Page 1 of 2" in first
        assert names(second) == ["Rain Jacket"]
        assert re.search(r'<form class="sort-form" method="get" action="/c/clothing/"\s+hx-get="/c/clothing/"', first)
        assert '<option value="price" selected>' in first
        body = partial.content.decode()
        assert body.lstrip().startswith('<section id="results"')
        assert names(body) == ["Harbour Tee"]
        assert "HX-Request" in partial["Vary"]

    def test_unknown_category_is_404(self, client, shop):
        assert client.get(url("no-such-thing")).status_code == 404
        assert client.get(reverse("catalog:list"), {"category": "no-such-thing"}).status_code == 404

    def test_a_category_with_nothing_live_has_an_empty_state(self, client, shop):
        page = client.get(url("scarves")).content.decode()

        assert names(page) == []
        assert "No products here yet." in page


class TestLinks:
    def test_the_filters_lead_to_the_category_pages_nested_and_keep_the_sort(self, client, shop):
        page = client.get(reverse("catalog:list"), {"sort": "name"}).content.decode()

        filters = re.search(r'<aside class="catalog__filters".*?</aside>', page, re.S)[0]
        links = re.findall(
            r'<li class="category-list__item category-list__item--indent-(\d)"><a href="([^"]+)"', filters
        )
        assert links == [
            ("0", "/c/clothing/?sort=name"),
            ("1", "/c/hoodies/?sort=name"),
            ("1", "/c/tees/?sort=name"),
            ("2", "/c/vintage-tees/?sort=name"),
            ("0", "/c/mugs/?sort=name"),
        ]  # Scarves has nothing live
        assert '<a href="/?sort=name"\n           aria-current="page">All products</a>' in filters

    def test_the_filter_of_the_category_shown_is_marked_current(self, client, shop):
        page = client.get(url(shop["tees"])).content.decode()

        current = re.findall(r'<a href="([^"]+)"\s+aria-current="page">', page)
        assert current == ["/c/tees/"]

    def test_get_absolute_url(self, shop):
        assert shop["vintage"].get_absolute_url() == "/c/vintage-tees/"

    def test_the_old_query_address_moves_for_good_keeping_sort_and_page(self, client, shop):
        response = client.get("/?category=tees&sort=price&page=2&utm_source=mail")

        assert response.status_code == 301
        assert response["Location"] == "/c/tees/?sort=price&page=2"
        plain = client.get("/?category=mugs")
        assert (plain.status_code, plain["Location"]) == (301, "/c/mugs/")
        assert names(client.get("/?category=mugs", follow=True).content.decode()) == ["Cocoa Mug"]


STOCK_FIGURES = 'SELECT id, stock FROM "catalog_variant" WHERE id = ANY'


def catalog_reads(client: Client, path: str) -> tuple[str, int]:
    """The page, and how many of its queries read catalog tables besides the stock figures (read every time)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    figures = [q["sql"] for q in queries if q["sql"].startswith(STOCK_FIGURES)]
    assert len(figures) == 1, [q["sql"][:120] for q in queries]
    return response.content.decode(), sum('"catalog_' in q["sql"] for q in queries) - 1


@pytest.mark.django_db(transaction=True)
class TestCache:
    def test_the_cached_grid_shows_the_stock_of_the_moment(self, client, shop):
        tee = shop["Harbour Tee"]
        client.get(url(shop["tees"]))
        page, reads = catalog_reads(client, url(shop["tees"]))
        assert reads == 0, "the second load comes from the cache"
        assert f'id="stock-{tee.pk}" class="stock stock--in" data-stock="10"' in page

        with transaction.atomic():  # a sale: the catalog's version stays
            stock_take(quantities=[(tee.pk, 10)])
        page, reads = catalog_reads(client, url(shop["tees"]))

        assert reads == 0
        assert f'id="stock-{tee.pk}" class="stock stock--out" data-stock="0"' in page
        assert names(page) == ["Harbour Tee", "Retro Tee"]

    def test_moving_a_category_shows_at_once_on_the_pages(self, client, shop):
        client.get(url(shop["clothing"]))
        client.get(url(shop["mugs"]))
        staff = Client()
        staff.force_login(UserFactory(is_staff=True, is_superuser=True))

        response = staff.post(
            reverse("admin:catalog_category_change", args=[shop["mugs"].pk]),
            form(shop["mugs"], parent=shop["clothing"].pk),
        )

        assert response.status_code == 302
        assert "Cocoa Mug" in names(client.get(url(shop["clothing"])).content.decode())
        assert breadcrumbs(client.get(url(shop["mugs"])).content.decode()) == [
            ("/", "Shop"),
            ("/c/clothing/", "Clothing"),
            ("current", "Mugs"),
        ]


def form(category: Category, **changes: object) -> dict[str, object]:
    data = {
        "name": category.name,
        "slug": category.slug,
        "parent": category.parent_id or "",
        "description": category.description,
        "position": category.position,
        "seo_title": category.seo_title,
        "seo_description": category.seo_description,
    }
    return {**data, **changes}


class TestLoops:
    @pytest.fixture
    def staff(self) -> Client:
        staff = Client()
        staff.force_login(UserFactory(is_staff=True, is_superuser=True))
        return staff

    def test_the_admin_refuses_a_parent_under_the_category_and_changes_nothing(self, staff, shop):
        clothing = shop["clothing"]
        change = reverse("admin:catalog_category_change", args=[clothing.pk])

        for parent in (shop["vintage"], clothing):
            response = staff.post(change, form(clothing, parent=parent.pk, name="Apparel"))

            assert response.status_code == 200
            assert "A category cannot be placed under itself or one of its subcategories." in htmllib.unescape(
                response.content.decode()
            )
            clothing.refresh_from_db()
            assert (clothing.parent_id, clothing.name) == (None, "Clothing")

    def test_the_admin_lists_each_category_with_its_path(self, staff, shop):
        page = staff.get(reverse("admin:catalog_category_changelist")).content.decode()

        assert "Clothing › Tees › Vintage Tees" in page
        assert "Clothing › Hoodies" in page

    def test_the_model_refuses_a_loop_outside_the_admin_too(self, shop):
        tees = shop["tees"]
        tees.parent = shop["vintage"]

        with pytest.raises(ValidationError) as refused:
            tees.full_clean()

        assert refused.value.message_dict["parent"] == [
            "A category cannot be placed under itself or one of its subcategories."
        ]
        shop["vintage"].parent = shop["hoodies"]
        shop["vintage"].full_clean()  # a move elsewhere is fine


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(60)
def test_two_editors_moving_categories_under_each_other_cannot_make_a_loop():
    """Each move is valid alone; together they would be a loop. The second waits for the first and is refused."""
    first, second = CategoryFactory(name="First"), CategoryFactory(name="Second")
    checked, release = threading.Event(), threading.Event()

    def move_first_under_second() -> None:
        try:
            with transaction.atomic():
                moving = Category.objects.get(pk=first.pk)
                moving.parent = second
                moving.full_clean()  # takes the locks
                checked.set()
                release.wait(10)
                moving.save()
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        done = pool.submit(move_first_under_second)
        assert checked.wait(10)
        timer = threading.Timer(0.5, release.set)  # the first commits while the second waits on its locks
        timer.start()
        with transaction.atomic():
            moving = Category.objects.get(pk=second.pk)
            moving.parent = first
            with pytest.raises(ValidationError):
                moving.full_clean()
        done.result(10)

    assert release.is_set()  # the refusal came after the first committed
    assert dict(Category.objects.values_list("name", "parent__name")) == {"First": "Second", "Second": None}
