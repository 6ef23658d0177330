"""What search engines read: the sitemap, robots.txt, canonical links, descriptions, Open Graph and JSON-LD."""

import io
import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from commerce.catalog.models import Product, ProductImage, Variant
from tests.factories import CategoryFactory, ProductFactory, VariantFactory

pytestmark = pytest.mark.django_db

SITE = "https://shop.example.com"
NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
IN_STOCK, OUT_OF_STOCK = "https://schema.org/InStock", "https://schema.org/OutOfStock"


def a_gif() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "navy").save(out, "GIF")
    return out.getvalue()


@pytest.fixture(autouse=True)
def _site(settings, tmp_path):
    settings.SITE_URL = SITE
    settings.MEDIA_ROOT = tmp_path


def parse(xml: bytes) -> ET.Element:
    return ET.fromstring(xml)  # noqa: S314 - the store's own sitemap


def locations(xml: bytes) -> list[str]:
    return [loc.text or "" for loc in parse(xml).iterfind(".//sm:loc", NS)]


def head_tag(html: str, pattern: str) -> str:
    """The `content` (or `href`) of the one head tag matching `pattern`."""
    found = re.findall(rf'<(?:meta|link) {pattern} (?:content|href)="([^"]*)">', html)
    assert len(found) == 1, (pattern, found)
    return found[0]


def json_lds(html: str) -> list[dict]:
    return [json.loads(text) for text in re.findall(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html)]


def of_type(html: str, kind: str) -> dict:
    [data] = [d for d in json_lds(html) if d.get("@type") == kind]
    return data


@pytest.fixture
def shop():
    tees = CategoryFactory(name="Tees", slug="tees")
    mugs = CategoryFactory(name="Mugs", slug="mugs")
    tee = ProductFactory(name="Harbour Tee", slug="harbour-tee", category=tees, description="Soft.\n\nHeavy  cotton.")
    small = VariantFactory(product=tee, sku="HT-S", name="S", price=Decimal("20.00"), stock=4)
    large = VariantFactory(product=tee, sku="HT-L", name="L", price=Decimal("24.50"), stock=0)
    mug = ProductFactory(name="Cocoa Mug", slug="cocoa-mug", category=mugs, seo_description="A mug for cocoa.")
    VariantFactory(product=mug, sku="CM-1", name="11 oz", price=Decimal("9.00"), stock=2)
    ProductFactory(name="Deleted Tee", slug="deleted-tee", category=tees, deleted_at=timezone.now())
    ProductFactory(name="Hidden Tee", slug="hidden-tee", category=tees, is_published=False)
    return {"tee": tee, "mug": mug, "small": small, "large": large, "tees": tees, "mugs": mugs}


class TestSitemap:
    def test_index_names_each_section_on_the_site_url(self, client, shop):
        response = client.get("/sitemap.xml", HTTP_HOST="testserver")

        assert response.status_code == 200
        assert response["Content-Type"] == "application/xml"
        assert "max-age=3600" in response["Cache-Control"]
        assert locations(response.content) == [
            f"{SITE}/sitemap-pages.xml",
            f"{SITE}/sitemap-categories.xml",
            f"{SITE}/sitemap-products.xml",
        ]

    def test_products_section_lists_every_published_product_and_no_other(self, client, shop):
        response = client.get("/sitemap-products.xml")

        assert response.status_code == 200
        assert sorted(locations(response.content)) == [
            f"{SITE}/products/cocoa-mug/",
            f"{SITE}/products/harbour-tee/",
        ]

    def test_a_product_s_lastmod_is_its_last_change(self, client, shop):
        changed = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
        Product.objects.filter(pk=shop["tee"].pk).update(updated_at=changed)

        root = parse(client.get("/sitemap-products.xml").content)

        lastmods = {
            url.findtext("sm:loc", namespaces=NS): url.findtext("sm:lastmod", namespaces=NS)
            for url in root.iterfind("sm:url", NS)
        }
        assert lastmods[f"{SITE}/products/harbour-tee/"] == "2026-03-04"  # the framework writes the day

    def test_categories_section_lists_every_category_with_its_newest_live_product(self, client, shop):
        newest = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
        Product.objects.filter(pk=shop["mug"].pk).update(updated_at=newest)
        Product.objects.filter(slug="deleted-tee").update(updated_at=newest + timedelta(days=9))  # not live

        root = parse(client.get("/sitemap-categories.xml").content)

        urls = {
            url.findtext("sm:loc", namespaces=NS): url.findtext("sm:lastmod", namespaces=NS)
            for url in root.iterfind("sm:url", NS)
        }
        assert set(urls) == {SITE + shop["tees"].get_absolute_url(), SITE + shop["mugs"].get_absolute_url()}
        assert urls[SITE + shop["mugs"].get_absolute_url()] == "2026-05-01"

    def test_pages_section_lists_the_home_page(self, client, shop):
        assert locations(client.get("/sitemap-pages.xml").content) == [f"{SITE}/"]

    def test_a_large_section_splits_into_pages(self, client, shop, monkeypatch):
        from commerce.catalog import sitemaps

        monkeypatch.setattr(sitemaps.ProductSitemap, "limit", 1)

        index = locations(client.get("/sitemap.xml").content)
        second = client.get("/sitemap-products.xml", {"p": "2"})

        assert index[-2:] == [f"{SITE}/sitemap-products.xml", f"{SITE}/sitemap-products.xml?p=2"]
        assert len(locations(client.get("/sitemap-products.xml").content)) == 1
        assert len(locations(second.content)) == 1
        assert client.get("/sitemap-products.xml", {"p": "3"}).status_code == 404

    def test_an_unknown_section_is_not_found(self, client, shop):
        assert client.get("/sitemap-orders.xml").status_code == 404

    def test_crawlers_may_ask_for_the_headers_only(self, client, shop):
        assert client.head("/sitemap.xml").status_code == 200
        assert client.head("/robots.txt").status_code == 200
        assert client.post("/sitemap.xml").status_code == 405


def test_robots_txt_names_the_sitemap_and_keeps_private_pages_out(client):
    response = client.get("/robots.txt")

    text = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert f"Sitemap: {SITE}/sitemap.xml" in text.splitlines()
    disallowed = {line.removeprefix("Disallow: ") for line in text.splitlines() if line.startswith("Disallow: ")}
    assert {"/cart/", "/checkout/", "/accounts/", "/orders/", "/help/", "/support/", "/ops/", "/admin/"} <= disallowed
    assert "/" not in disallowed
    assert not {"/products/", "/c/"} & disallowed


class TestCanonical:
    def test_a_category_page_keeps_its_page_but_not_its_sort(self, client, shop, settings):
        settings.CATALOG_PAGE_SIZE = 1

        html = client.get("/c/tees/", {"sort": "price", "page": "2", "utm_source": "x"}).content.decode()

        assert head_tag(html, 'rel="canonical"') == f"{SITE}/c/tees/?page=2"

    def test_the_old_filter_address_leads_to_the_category_page(self, client, shop):
        response = client.get("/", {"category": "tees", "sort": "price", "page": "2"})

        assert response.status_code == 301
        assert response["Location"] == "/c/tees/?sort=price&page=2"

    def test_page_one_and_sorts_point_to_the_plain_list(self, client, shop):
        html = client.get("/", {"sort": "price", "page": "1"}).content.decode()

        assert head_tag(html, 'rel="canonical"') == f"{SITE}/"

    def test_any_page_without_its_query(self, client):
        html = client.get("/orders/lookup/", {"ref": "mail"}).content.decode()

        assert head_tag(html, 'rel="canonical"') == f"{SITE}/orders/lookup/"
        assert head_tag(html, 'property="og:url"') == f"{SITE}/orders/lookup/"
        assert head_tag(html, 'property="og:type"') == "website"

    def test_a_product_page_names_the_product_s_address(self, client, shop):
        html = client.get("/products/harbour-tee/", {"variant": "1", "next": "/x"}).content.decode()

        assert head_tag(html, 'rel="canonical"') == f"{SITE}/products/harbour-tee/"


class TestProductHead:
    def test_meta_description_is_the_seo_description(self, client, shop):
        html = client.get("/products/cocoa-mug/").content.decode()

        assert head_tag(html, 'name="description"') == "A mug for cocoa."
        assert head_tag(html, 'property="og:description"') == "A mug for cocoa."

    def test_meta_description_is_otherwise_a_one_line_summary(self, client, shop):
        Product.objects.filter(pk=shop["tee"].pk).update(description="Soft.\n\n" + "Heavy cotton. " * 30)

        html = client.get("/products/harbour-tee/").content.decode()

        described = head_tag(html, 'name="description"')
        assert described.startswith("Soft. Heavy cotton. Heavy cotton.")
        assert described.endswith("…")
        assert len(described) <= 160

    def test_open_graph_and_twitter_tags_name_the_product_and_its_image(self, client, shop):
        ProductImage.objects.create(
            product=shop["tee"], image=SimpleUploadedFile("tee.gif", a_gif(), "image/gif"), alt="The tee, folded"
        )

        html = client.get("/products/harbour-tee/").content.decode()

        image = head_tag(html, 'property="og:image"')
        assert re.fullmatch(rf"{SITE}/media/products/tee[^/]*\.gif", image)
        assert head_tag(html, 'property="og:type"') == "product"
        assert head_tag(html, 'property="og:title"') == "Harbour Tee"
        assert head_tag(html, 'property="og:url"') == f"{SITE}/products/harbour-tee/"
        assert head_tag(html, 'property="og:site_name"') == "Live Store"
        assert head_tag(html, 'property="og:image:alt"') == "The tee, folded"
        assert head_tag(html, 'property="product:price:amount"') == "20.00"
        assert head_tag(html, 'property="product:price:currency"') == "USD"
        assert head_tag(html, 'name="twitter:card"') == "summary_large_image"
        assert head_tag(html, 'name="twitter:image"') == image
        assert of_type(html, "Product")["image"] == [image]

    def test_other_pages_carry_the_store_s_defaults(self, client, shop):
        html = client.get("/").content.decode()

        assert head_tag(html, 'property="og:title"') == "Live Store"
        assert head_tag(html, 'name="twitter:card"') == "summary"


class TestProductJsonLd:
    def test_offers_per_option_with_price_currency_and_the_page_s_availability(self, client, shop):
        html = client.get("/products/harbour-tee/").content.decode()

        product = of_type(html, "Product")
        assert product["name"] == "Harbour Tee"
        assert product["url"] == f"{SITE}/products/harbour-tee/"
        assert product["description"] == "Soft. Heavy cotton."
        assert product["brand"] == {"@type": "Brand", "name": "Live Store"}
        assert "aggregateRating" not in product
        offers = {offer["sku"]: offer for offer in product["offers"]}
        assert offers["HT-S"]["price"] == "20.00"
        assert offers["HT-L"]["price"] == "24.50"
        assert {offer["priceCurrency"] for offer in offers.values()} == {"USD"}
        # As the badges on the page say.
        for sku, variant in (("HT-S", shop["small"]), ("HT-L", shop["large"])):
            stock = int(re.search(rf'id="stock-{variant.pk}"[^>]*data-stock="(\d+)"', html)[1])
            assert offers[sku]["availability"] == (IN_STOCK if stock > 0 else OUT_OF_STOCK)
            assert offers[sku]["@id"] == f"{SITE}/products/harbour-tee/#offer-{variant.pk}"
        assert offers["HT-S"]["availability"] == IN_STOCK
        assert offers["HT-L"]["availability"] == OUT_OF_STOCK

    def test_availability_follows_a_sell_out_on_the_next_request(self, client, shop):
        page = "/products/harbour-tee/"
        assert of_type(client.get(page).content.decode(), "Product")["offers"][0]["availability"] == IN_STOCK

        Variant.objects.filter(pk=shop["small"].pk).update(stock=0)  # the last one sold (the cached body stays)

        html = client.get(page).content.decode()
        assert f'id="stock-{shop["small"].pk}" class="stock stock--out" data-stock="0"' in html
        assert [o["availability"] for o in of_type(html, "Product")["offers"]] == [OUT_OF_STOCK, OUT_OF_STOCK]
        assert head_tag(html, 'property="product:availability"') == "out of stock"

    def test_aggregate_rating_once_reviews_exist(self, client, shop):
        Product.objects.filter(pk=shop["tee"].pk).update(rating_average=Decimal("4.50"), rating_count=12)

        product = of_type(client.get("/products/harbour-tee/").content.decode(), "Product")

        assert product["aggregateRating"] == {
            "@type": "AggregateRating",
            "ratingValue": "4.50",
            "reviewCount": 12,
            "bestRating": 5,
            "worstRating": 1,
        }

    def test_a_name_that_would_close_the_script_stays_inside_it(self, client):
        name = 'Tee</script><script>alert("x")</script> & <!--'
        VariantFactory(product__name=name, product__slug="sneaky", sku="SN-1")

        html = client.get("/products/sneaky/").content.decode()

        scripts = re.findall(r'<script type="application/ld\+json" id="product-ld">(.*?)</script>', html)
        assert len(scripts) == 1
        assert "<" not in scripts[0]
        assert "\\u003C/script\\u003E" in scripts[0]
        assert json.loads(scripts[0])["name"] == name
        assert '<script>alert("x")' not in html

    def test_breadcrumbs_lead_from_the_shop_through_the_category(self, client, shop):
        crumbs = of_type(client.get("/products/harbour-tee/").content.decode(), "BreadcrumbList")

        assert [(item["position"], item["name"], item["item"]) for item in crumbs["itemListElement"]] == [
            (1, "Shop", f"{SITE}/"),
            (2, "Tees", SITE + shop["tees"].get_absolute_url()),
            (3, "Harbour Tee", f"{SITE}/products/harbour-tee/"),
        ]


def test_the_home_page_names_the_store_as_an_organization(client, shop):
    home = json_lds(client.get("/").content.decode())

    [graph] = home
    store, site = graph["@graph"]
    assert store["@type"] == "Organization"
    assert store["name"] == "Live Store"
    assert store["url"] == f"{SITE}/"
    assert (
        site["potentialAction"]["target"]["urlTemplate"]
        == f"{SITE}{reverse('search:results')}?q={{search_term_string}}"
    )
    assert not [d for d in json_lds(client.get("/products/cocoa-mug/").content.decode()) if "@graph" in d]
