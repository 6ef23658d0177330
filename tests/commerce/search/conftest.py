"""Search fixtures: a real osmem-server (in-memory OpenSearch-compatible engine) on loopback,
a clean clone of it per test, and a small catalog every backend indexes alike.

A run on PostgreSQL (`make test`) tests the `database` and `elasticsearch` backends; the run that
test_embedded.py starts in the embedded mode (SQLite) tests the `sqlite` one: the same tests, once per
backend, so that the three behave alike.
"""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from commerce.search import es_client, services
from tests.commerce.search.modes import BACKENDS
from tests.factories import CategoryFactory, ProductFactory, VariantFactory


@pytest.fixture(scope="session")
def osmem() -> Iterator[Any]:
    """One osmem-server process for the session, on a free loopback port; it exits with the test process."""
    from osmem_server import OsmemServer

    server = OsmemServer.start(japanese=False, addr="127.0.0.1:0")
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def elasticsearch_url(osmem, settings) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Point the store at a fresh, empty clone of the session's engine for this test."""
    clone = osmem.clone()
    settings.SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = clone.url
    settings.ELASTICSEARCH_INDEX = "test-products"
    es_client.breaker.reset()
    try:
        yield clone.url
    finally:
        es_client.breaker.reset()
        clone.close()


@pytest.fixture(params=BACKENDS)
def search_backend(request, settings, db) -> str:  # type: ignore[no-untyped-def]
    """Run the test once per backend: PostgreSQL full text, then Elasticsearch against osmem-server
    (SQLite FTS5 in the embedded run)."""
    if request.param == "elasticsearch":
        request.getfixturevalue("elasticsearch_url")
    else:
        settings.SEARCH_BACKEND = "database"
        settings.ELASTICSEARCH_URL = ""
    return str(request.param)


@pytest.fixture
def shop(search_backend, settings):  # type: ignore[no-untyped-def]
    """Six searchable products in three categories, one deleted and one unpublished; all indexed."""
    settings.SEARCH_PAGE_SIZE = 4
    now = timezone.now()
    shoes = CategoryFactory(name="Shoes", slug="shoes")
    tees = CategoryFactory(name="T-shirts", slug="t-shirts")
    mugs = CategoryFactory(name="Mugs", slug="mugs")

    def product(name: str, category, days_ago: int, description: str, *variants: tuple[str, int]):  # type: ignore[no-untyped-def]
        item = ProductFactory(
            name=name, category=category, description=description, created_at=now - timedelta(days=days_ago)
        )
        made = [VariantFactory(product=item, price=price, stock=stock) for price, stock in variants]
        return item, made

    trail, trail_variants = product(
        "Trail Running Shoes",
        shoes,
        6,
        "Light shoes with grippy soles for running on trails.",
        ("89.50", 3),
        ("95.00", 0),
    )
    road, _ = product("Road Running Shoe", shoes, 5, "A fast shoe for the road.", ("120.00", 0))
    boots, _ = product("Walking Boots", shoes, 4, "Waterproof leather boots for long walks.", ("60.00", 4))
    harbour, _ = product("Harbour Tee", tees, 3, "A soft navy cotton tee.", ("24.00", 8))
    dune, _ = product("Dune Tee", tees, 2, "A sand coloured cotton tee.", ("26.00", 2))
    mug, _ = product("Campfire Mug", mugs, 1, "An enamel mug for coffee by the fire.", ("14.00", 5))
    ghost, _ = product("Ghost Runner Shoe", shoes, 0, "Gone.", ("50.00", 5))
    ghost.deleted_at = now
    ghost.save()
    hidden, _ = product("Secret Running Sneaker", shoes, 0, "Not yet.", ("70.00", 5))
    hidden.is_published = False
    hidden.save()

    services.search_index_rebuild()
    return {
        "trail": trail,
        "trail_variants": trail_variants,
        "road": road,
        "boots": boots,
        "harbour": harbour,
        "dune": dune,
        "mug": mug,
        "ghost": ghost,
    }
