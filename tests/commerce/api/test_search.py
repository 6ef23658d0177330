"""Search through the API: the search page's backends and facets, pages, strict parameters, the fallback."""

import socket
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from commerce.search import es_client, services
from commerce.search.backends.base import PRICE_BANDS, SORTS
from tests.factories import CategoryFactory, ProductFactory, VariantFactory

SEARCH = "/api/v1/catalog/search"


@pytest.fixture(scope="module")
def osmem() -> Iterator[Any]:
    """An osmem-server (in-memory OpenSearch-compatible engine) on loopback, as tests/commerce/search uses."""
    from osmem_server import OsmemServer

    server = OsmemServer.start(japanese=False, addr="127.0.0.1:0")
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(params=["database", "elasticsearch"])
def backend(request, settings, db) -> Iterator[str]:  # type: ignore[no-untyped-def]
    if request.param == "database":
        settings.SEARCH_BACKEND, settings.ELASTICSEARCH_URL = "database", ""
        yield "database"
        return
    clone = request.getfixturevalue("osmem").clone()
    settings.SEARCH_BACKEND, settings.ELASTICSEARCH_URL = "elasticsearch", clone.url
    settings.ELASTICSEARCH_INDEX = "test-api-products"
    es_client.breaker.reset()
    try:
        yield "elasticsearch"
    finally:
        es_client.breaker.reset()
        clone.close()


@pytest.fixture
def shop(backend, settings):  # type: ignore[no-untyped-def]
    """Six products in three categories (a deleted and an unpublished one besides), indexed."""
    settings.SEARCH_PAGE_SIZE = 4
    now = timezone.now()
    shoes = CategoryFactory(name="Shoes", slug="shoes")
    tees = CategoryFactory(name="T-shirts", slug="t-shirts")
    mugs = CategoryFactory(name="Mugs", slug="mugs")
    rows = [
        ("Trail Running Shoes", shoes, "Grippy soles for running on trails.", "89.50", 3),
        ("Road Running Shoe", shoes, "A fast shoe for the road.", "120.00", 0),
        ("Walking Boots", shoes, "Waterproof leather boots.", "60.00", 4),
        ("Harbour Tee", tees, "A soft navy cotton tee.", "24.00", 8),
        ("Dune Tee", tees, "A sand coloured cotton tee.", "26.00", 2),
        ("Campfire Mug", mugs, "An enamel mug for coffee.", "14.00", 5),
    ]
    for days_ago, (name, category, description, price, stock) in zip(range(6, 0, -1), rows, strict=True):
        product = ProductFactory(
            name=name, category=category, description=description, created_at=now - timedelta(days=days_ago)
        )
        VariantFactory(product=product, price=price, stock=stock)
    VariantFactory(product__name="Ghost Running Shoe", product__category=shoes, product__deleted_at=now)
    VariantFactory(product__name="Secret Running Shoe", product__category=shoes, product__is_published=False)
    services.search_index_rebuild()


def names(answer: dict[str, Any]) -> list[str]:
    return [product["name"] for product in answer["results"]]


def test_words_find_products_with_the_pages_facets(api, shop, backend):
    response = api.get(SEARCH, {"q": "running"})
    assert response.status_code == 200
    answer = response.json()
    assert sorted(names(answer)) == ["Road Running Shoe", "Trail Running Shoes"]
    assert (answer["total"], answer["page"], answer["pages"], answer["next"]) == (2, 1, 1, None)
    assert answer["backend"] == backend
    assert answer["notices"] == []
    assert answer["facets"] == {
        "categories": [{"key": "shoes", "label": "Shoes", "count": 2, "selected": False}],
        "price_bands": [
            {"key": "50-100", "label": "50 to 100", "count": 1, "selected": False},
            {"key": "100-plus", "label": "100 and over", "count": 1, "selected": False},
        ],
        "in_stock": 1,
    }
    trail = next(product for product in answer["results"] if product["slug"] == "trail-running-shoes")
    assert (trail["price_from"], trail["currency"], trail["in_stock"], trail["category"]) == (
        "89.50",
        "USD",
        True,
        "shoes",
    )
    assert trail["url"] == "http://127.0.0.1/products/trail-running-shoes/"


def test_filters_narrow_and_each_facet_counts_with_the_others(api, shop):
    answer = api.get(SEARCH, {"q": "running", "price": "100-plus"}).json()
    assert names(answer) == ["Road Running Shoe"]
    bands = {band["key"]: (band["count"], band["selected"]) for band in answer["facets"]["price_bands"]}
    assert bands == {"50-100": (1, False), "100-plus": (1, True)}  # its own filter left out of its count
    assert api.get(SEARCH, {"q": "running", "in_stock": "true"}).json()["total"] == 1
    tees = api.get(SEARCH, {"category": "t-shirts", "sort": "price"}).json()
    assert names(tees) == ["Harbour Tee", "Dune Tee"]
    assert tees["facets"]["categories"] == [
        {"key": "mugs", "label": "Mugs", "count": 1, "selected": False},
        {"key": "shoes", "label": "Shoes", "count": 3, "selected": False},
        {"key": "t-shirts", "label": "T-shirts", "count": 2, "selected": True},
    ]


def test_without_words_every_product_newest_first_a_page_at_a_time(api, shop):
    first = api.get(SEARCH).json()
    assert names(first) == ["Campfire Mug", "Dune Tee", "Harbour Tee", "Walking Boots"]
    assert (first["total"], first["pages"], first["previous"]) == (6, 2, None)
    assert first["next"] == "http://127.0.0.1/api/v1/catalog/search?page=2&sort=newest"
    second = api.get(first["next"]).json()
    assert names(second) == ["Road Running Shoe", "Trail Running Shoes"]
    assert (second["page"], second["next"]) == (2, None)
    assert second["previous"] == "http://127.0.0.1/api/v1/catalog/search?page=1&sort=newest"
    assert api.get(SEARCH, {"page": 50}).json()["page"] == 2  # past the end: the last page, as the page does
    tag = api.get(SEARCH)["ETag"]
    assert api.get(SEARCH, HTTP_IF_NONE_MATCH=tag).status_code == 304


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": "x" * 101}, "q"),
        ({"category": "no-such-category"}, "category"),
        ({"category": "bad slug\x00'; drop"}, "category"),
        ({"price": "0-1000000"}, "price"),
        ({"in_stock": "maybe"}, "in_stock"),
        ({"sort": "random()"}, "sort"),
        ({"page": "0"}, "page"),
        ({"page": "abc"}, "page"),
        ({"page": "99999999999999999999999"}, "page"),
    ],
)
def test_bad_parameters_are_422_naming_them(api, db, settings, params, field):
    settings.SEARCH_BACKEND, settings.ELASTICSEARCH_URL = "database", ""
    response = api.get(SEARCH, params)
    assert response.status_code == 422
    assert list(response.json()["fields"]) == [field]


def test_odd_words_are_searched_not_refused(api, shop):
    for q in ['"', "*", "(", 'shoe" AND (run* OR sku:1) NOT', "mug\x00\x1b[31m", "%_", "\\"]:
        response = api.get(SEARCH, {"q": q})
        assert response.status_code == 200, q
    assert names(api.get(SEARCH, {"q": "mug\x00"}).json()) == ["Campfire Mug"]


def test_the_documented_choices_are_the_search_pages(api):
    schema = api.get("/api/openapi.json").json()
    parameters = {p["name"]: p["schema"] for p in schema["paths"][SEARCH]["get"]["parameters"]}

    def choices(spec: dict[str, Any]) -> list[str]:
        return next(option["enum"] for option in spec["anyOf"] if "enum" in option)

    assert choices(parameters["price"]) == [band.key for band in PRICE_BANDS]
    assert choices(parameters["sort"]) == list(SORTS)


def test_elasticsearch_down_answers_from_the_database_with_a_notice(api, db, settings):
    VariantFactory(product__name="Harbour Tee", price="24.00", stock=3)
    settings.SEARCH_BACKEND, settings.ELASTICSEARCH_URL = "database", ""
    services.search_index_rebuild()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.SEARCH_BACKEND, settings.ELASTICSEARCH_URL = "elasticsearch", f"http://127.0.0.1:{port}"
    es_client.breaker.reset()
    try:
        answer = api.get(SEARCH, {"q": "tee"}).json()
    finally:
        es_client.breaker.reset()
    assert names(answer) == ["Harbour Tee"]
    assert answer["backend"] == "database"
    assert answer["notices"] == ["Search is running in a simpler mode for a moment, so results may be less precise."]
