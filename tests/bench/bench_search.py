"""Search latency on the PostgreSQL backend over a generated catalog (100,000 products by default).

Not part of `make test` (pytest collects test_*.py only). Run it on its own, against PostgreSQL:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/storefront_bench REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/pytest tests/bench/bench_search.py -s -q

BENCH_PRODUCTS sets the catalog size, BENCH_ROUNDS how often each query runs, BENCH_MAX_P95_MS
(optional) fails the run when the overall p95 is above it, BENCH_JSON writes the figures to a file.
It times what a shopper waits for: `search_page` (matching, facet counts, one page of products
with their stock) and the header box's suggestions, in process, the database on loopback.
"""

import io
import json
import os
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

import pytest
from django.db import connection

from commerce.catalog.models import Category
from commerce.search import selectors, services

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="benchmarks the PostgreSQL backend")

T = TypeVar("T")
PRODUCTS = int(os.environ.get("BENCH_PRODUCTS", "100000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))

CATEGORIES = ["Shoes", "T-shirts", "Hoodies", "Jackets", "Bags", "Mugs", "Posters", "Hats", "Socks", "Lamps"]
ADJECTIVES = [
    "Trail",
    "Road",
    "Harbour",
    "Dune",
    "Canopy",
    "Reef",
    "Slate",
    "Cirrus",
    "Pollen",
    "Ember",
    "Granite",
    "Drift",
    "Updraft",
    "Nightwatch",
    "Campfire",
    "Summit",
    "Meadow",
    "Tidal",
    "Aurora",
    "Cobalt",
    "Juniper",
    "Lantern",
    "Harvest",
    "Glacier",
    "Prairie",
    "Cedar",
    "Willow",
    "Falcon",
    "Orchard",
    "Quarry",
]
NOUNS = {
    "Shoes": ["Running Shoe", "Walking Boot", "Sneaker", "Sandal", "Trainer"],
    "T-shirts": ["Tee", "Long Sleeve Tee", "Pocket Tee", "Tank"],
    "Hoodies": ["Hoodie", "Zip Hoodie", "Sweatshirt"],
    "Jackets": ["Rain Jacket", "Fleece Jacket", "Parka", "Windbreaker"],
    "Bags": ["Backpack", "Tote", "Duffel", "Sling Bag"],
    "Mugs": ["Mug", "Travel Mug", "Enamel Cup"],
    "Posters": ["Poster", "Print", "Map Print"],
    "Hats": ["Beanie", "Cap", "Bucket Hat"],
    "Socks": ["Hiking Sock", "Running Sock", "Wool Sock"],
    "Lamps": ["Desk Lamp", "Camping Lantern", "Reading Light"],
}
COLOURS = ["Navy", "Sand", "Forest", "Coral", "Charcoal", "Sky", "Mustard", "Plum", "White", "Rust"]
MATERIALS = ["organic cotton", "recycled polyester", "merino wool", "waxed canvas", "stoneware", "ripstop nylon"]

QUERIES: dict[str, list[dict[str, str]]] = {
    "one word": [{"q": w} for w in ["hoodie", "shoe", "mug", "lantern", "jacket", "wool", "navy", "backpack"]],
    "two words": [{"q": w} for w in ["running shoe", "rain jacket", "travel mug", "navy hoodie", "wool sock"]],
    "typo": [{"q": w} for w in ["runing shoe", "hodie", "bakpack", "jaket", "lanturn", "sweetshirt"]],
    "sku": [{"q": "SKU-0012345-1"}, {"q": "SKU-0099999-2"}],
    "filtered": [
        {"q": "shoe", "in_stock": "1", "price": "50-100"},
        {"q": "navy", "category": "hoodies"},
        {"q": "tee", "sort": "price"},
    ],
    "browse": [{}, {"category": "bags"}, {"price": "under-25", "in_stock": "1"}, {"page": "40"}],
    "no match": [{"q": "zeppelin"}, {"q": "quantum flux capacitor"}],
}
SUGGESTIONS = ["ru", "runn", "hood", "camp", "trail run", "navy h", "jack", "lant"]


def _copy(table: str, columns: list[str], rows: list[tuple[object, ...]]) -> None:
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:  # type: ignore[union-attr]
        for row in rows:
            copy.write_row(row)


def generate_catalog(count: int) -> None:
    """Insert `count` products with one to three variants each (a fifth of them sold out), with COPY."""
    rng = random.Random(8)  # noqa: S311 - reproducible data, not security
    categories = [
        Category.objects.create(name=name, slug=name.lower().replace(" ", "-"), position=i)
        for i, name in enumerate(CATEGORIES)
    ]
    now = datetime.now(UTC)
    products, variants = [], []
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM catalog_product")
        first_pk = cursor.fetchone()[0] + 1
    for i in range(count):
        pk = first_pk + i
        category = categories[i % len(categories)]
        noun = rng.choice(NOUNS[category.name])
        colour = rng.choice(COLOURS)
        name = f"{rng.choice(ADJECTIVES)} {noun} {i}"
        description = (
            f"The {name} in {colour.lower()}, made from {rng.choice(MATERIALS)}. "
            f"A {noun.lower()} for every day, from our {category.name.lower()} range."
        )
        created = now - timedelta(minutes=count - i)
        products.append((pk, category.pk, name, f"p-{pk}", description, "", "", True, None, created, created))
        base = Decimal(rng.randrange(800, 15000)) / 100
        for v in range(rng.randint(1, 3)):
            stock = 0 if rng.random() < 0.2 else rng.randint(1, 40)
            variants.append((pk, f"SKU-{i:07d}-{v}", f"{colour} / {v}", "{}", base + v * 2, stock, v, True))
    _copy(
        "catalog_product",
        ["id", "category_id", "name", "slug", "description", "seo_title", "seo_description", "is_published"]
        + ["deleted_at", "created_at", "updated_at"],
        products,
    )
    _copy(
        "catalog_variant",
        ["product_id", "sku", "name", "options", "price", "stock", "position", "is_active"],
        variants,
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT setval(pg_get_serial_sequence('catalog_product', 'id'), MAX(id)) FROM catalog_product")


def _percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def _timed(call: Callable[[], T]) -> tuple[float, T]:
    """Milliseconds the call took, and what it returned."""
    started = time.perf_counter()
    result = call()
    return (time.perf_counter() - started) * 1000, result


@pytest.mark.django_db(transaction=True)
def test_search_latency(settings):
    settings.SEARCH_BACKEND = "database"
    settings.ELASTICSEARCH_URL = ""
    started = time.perf_counter()
    generate_catalog(PRODUCTS)
    generated = time.perf_counter() - started

    started = time.perf_counter()
    counts = services.search_index_rebuild()
    indexed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE search_searchdocument")
        cursor.execute("ANALYZE catalog_product")
        cursor.execute("ANALYZE catalog_variant")
    assert counts["database"] == PRODUCTS

    # One warm-up pass, then ROUNDS timed passes in shuffled order.
    plan = [(kind, params) for kind, queries in QUERIES.items() for params in queries]
    for _, params in plan:
        selectors.search_page(selectors.search_params_parse(params))
    samples: dict[str, list[float]] = {kind: [] for kind in QUERIES}
    totals: dict[str, int] = {}
    rng = random.Random(1)  # noqa: S311
    for _ in range(ROUNDS):
        rng.shuffle(plan)
        for kind, params in plan:
            ms, page = _timed(lambda p=params: selectors.search_page(selectors.search_params_parse(p)))
            samples[kind].append(ms)
            totals[json.dumps(params)] = page.total
    samples["suggest"] = [
        _timed(lambda t=text: selectors.search_suggestions(t))[0] for _ in range(ROUNDS) for text in SUGGESTIONS
    ]

    everything = [ms for kind, values in samples.items() if kind != "suggest" for ms in values]
    out = io.StringIO()
    out.write(f"\nSearch benchmark, PostgreSQL backend, {PRODUCTS:,} products\n")
    out.write(f"  generate {generated:.1f}s, index rebuild {indexed:.1f}s\n")
    out.write(f"  {'kind':<11} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}\n")
    figures: dict[str, dict[str, float]] = {}
    for kind, values in [*samples.items(), ("all pages", everything)]:
        figures[kind] = {
            "n": len(values),
            "p50": statistics.median(values),
            "p95": _percentile(values, 95),
            "max": max(values),
        }
        f = figures[kind]
        out.write(f"  {kind:<11} {f['n']:>5} {f['p50']:>8.1f} {f['p95']:>8.1f} {f['max']:>8.1f}\n")
    print(out.getvalue())  # noqa: T201 - the report is the point

    if os.environ.get("BENCH_JSON"):
        with open(os.environ["BENCH_JSON"], "w") as fh:
            json.dump({"products": PRODUCTS, "figures": figures, "totals": totals}, fh, indent=2)
    assert totals[json.dumps({"q": "runing shoe"})] > 0, "a typo should still find running shoes"
    assert totals[json.dumps({"q": "zeppelin"})] == 0
    limit = os.environ.get("BENCH_MAX_P95_MS")
    if limit:
        assert figures["all pages"]["p95"] <= float(limit)
