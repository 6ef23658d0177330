"""The public catalog API: products (list, detail), reviews, categories; ETags and cursors."""

from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from commerce.catalog.models import ProductImage, Variant
from commerce.reviews.models import Review
from tests.factories import CategoryFactory, ProductFactory, UserFactory, VariantFactory

pytestmark = pytest.mark.django_db

PRODUCTS = "/api/v1/catalog/products"
HOST = "http://127.0.0.1"


@pytest.fixture
def catalog():  # type: ignore[no-untyped-def]
    """Clothing > Tees (Alpha, Bravo), Mugs (Cocoa, sold out); a deleted and an unpublished tee."""
    now = timezone.now()
    clothing = CategoryFactory(name="Clothing", slug="clothing", position=0)
    tees = CategoryFactory(name="Tees", slug="tees", parent=clothing, description="Soft tees.")
    mugs = CategoryFactory(name="Mugs", slug="mugs", position=1)
    made = {}
    for i, (name, category, price, stock) in enumerate(
        [("Alpha Tee", tees, "30.00", 3), ("Bravo Tee", tees, "20.00", 2), ("Cocoa Mug", mugs, "9.00", 0)]
    ):
        product = ProductFactory(name=name, category=category, created_at=now - timedelta(days=i))
        VariantFactory(product=product, name="S", sku=f"{product.slug}-s", price=Decimal(price), stock=stock)
        VariantFactory(product=product, name="L", sku=f"{product.slug}-l", price=Decimal(price) + 5, stock=0)
        made[product.slug] = product
    VariantFactory(product__name="Deleted Tee", product__category=tees, product__deleted_at=now)
    VariantFactory(product__name="Hidden Tee", product__category=tees, product__is_published=False)
    return {"clothing": clothing, "tees": tees, "mugs": mugs, **made}


def slugs(answer) -> list[str]:  # type: ignore[no-untyped-def]
    return [product["slug"] for product in answer["results"]]


def walk(api, url: str) -> list[str]:  # type: ignore[no-untyped-def]
    seen: list[str] = []
    while url:
        answer = api.get(url).json()
        seen += slugs(answer)
        url = answer["next"]
    return seen


def test_the_list_shows_live_products_newest_first_with_prices_stock_and_picture(api, catalog):
    alpha = catalog["alpha-tee"]
    alpha.rating_average, alpha.rating_count = Decimal("4.50"), 2
    alpha.save()
    files = [
        {
            "width": 96,
            "height": 72,
            "webp": "products/renditions/1-ab-96.webp",
            "jpeg": "products/renditions/1-ab-96.jpg",
        }
    ]
    ProductImage.objects.create(
        product=alpha,
        image="products/alpha.jpg",
        alt="",
        renditions={"name": "products/alpha.jpg", "source": "ab", "width": 96, "height": 72, "files": files},
    )
    response = api.get(PRODUCTS)
    assert response.status_code == 200
    answer = response.json()
    assert slugs(answer) == ["alpha-tee", "bravo-tee", "cocoa-mug"]
    assert answer["next"] is None
    assert answer["previous"] is None
    assert answer["results"][0] == {
        "slug": "alpha-tee",
        "name": "Alpha Tee",
        "url": f"{HOST}/products/alpha-tee/",
        "summary": "A fine thing.",
        "category": "tees",
        "price_from": "30.00",
        "price_to": "35.00",
        "currency": "USD",
        "rating_average": "4.50",
        "rating_count": 2,
        "in_stock": True,
        "image": {
            "alt": "Alpha Tee",
            "url": f"{HOST}/media/products/alpha.jpg",
            "width": 96,
            "height": 72,
            "renditions": [
                {"width": 96, "height": 72, "format": "webp", "url": f"{HOST}/media/products/renditions/1-ab-96.webp"},
                {"width": 96, "height": 72, "format": "jpeg", "url": f"{HOST}/media/products/renditions/1-ab-96.jpg"},
            ],
        },
    }
    assert answer["results"][2]["in_stock"] is False
    assert answer["results"][2]["image"] is None


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"category": "clothing"}, ["alpha-tee", "bravo-tee"]),  # with its subcategories, as /c/clothing/
        ({"category": "mugs"}, ["cocoa-mug"]),
        ({"in_stock": "true"}, ["alpha-tee", "bravo-tee"]),
        ({"in_stock": "false"}, ["cocoa-mug"]),
        ({"sort": "price"}, ["cocoa-mug", "bravo-tee", "alpha-tee"]),
        ({"sort": "-price"}, ["alpha-tee", "bravo-tee", "cocoa-mug"]),
        ({"sort": "name", "category": "tees"}, ["alpha-tee", "bravo-tee"]),
    ],
)
def test_the_list_filters_and_sorts_as_the_pages(api, catalog, params, expected):
    assert slugs(api.get(PRODUCTS, params).json()) == expected


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"category": "nowhere"}, "category"),
        ({"category": "bad slug!"}, "category"),
        ({"sort": "cheapest"}, "sort"),
        ({"in_stock": "maybe"}, "in_stock"),
        ({"page_size": "0"}, "page_size"),
        ({"cursor": "forged"}, "cursor"),
    ],
)
def test_bad_list_parameters_are_422_naming_them(api, catalog, params, field):
    response = api.get(PRODUCTS, params)
    assert response.status_code == 422
    assert response.json()["code"] in {"invalid", "unknown_category"}
    assert list(response.json()["fields"]) == [field]


@pytest.mark.parametrize("sort", ["newest", "price", "-price", "name"])
def test_the_cursor_walks_every_product_once_even_among_equal_values(api, sort):
    now = timezone.now()
    made = []
    for i in range(7):  # same price, same time, same name for most: only the pk tells them apart
        product = ProductFactory(name="Same" if i < 5 else f"Other {i}", slug=f"p{i}", created_at=now)
        VariantFactory(product=product, price="10.00" if i < 6 else "12.00")
        made.append(product.slug)
    seen = walk(api, f"{PRODUCTS}?page_size=2&sort={sort}")
    assert sorted(seen) == sorted(made)
    assert len(seen) == 7
    assert seen == slugs(api.get(PRODUCTS, {"sort": sort, "page_size": 50}).json())
    # And back from the last page, following `previous`: the same pages in reverse.
    url, pages = f"{PRODUCTS}?page_size=2&sort={sort}", []
    while url:
        answer = api.get(url).json()
        pages.append(slugs(answer))
        url = answer["next"]
    url, back = answer["previous"], [pages[-1]]
    while url:
        answer = api.get(url).json()
        back.insert(0, slugs(answer))
        url = answer["previous"]
    assert back == pages


def test_previous_goes_back_and_a_cursor_of_another_sort_is_refused(api, catalog):
    first = api.get(PRODUCTS, {"page_size": 2}).json()
    second = api.get(first["next"]).json()
    assert slugs(second) == ["cocoa-mug"]
    assert slugs(api.get(second["previous"]).json()) == ["alpha-tee", "bravo-tee"]
    cursor = dict(part.split("=", 1) for part in urlsplit(first["next"]).query.split("&"))["cursor"]
    response = api.get(f"{PRODUCTS}?sort=price&cursor={cursor}")
    assert response.status_code == 422
    assert list(response.json()["fields"]) == ["cursor"]


def test_the_list_costs_a_few_queries_at_any_size(api, catalog, django_assert_max_num_queries):
    for i in range(12):
        VariantFactory(product__name=f"More {i}", product__category=catalog["tees"])
    # The category, the slugs under it, the products, their variants, their pictures (no session, no token).
    with django_assert_max_num_queries(5):
        answer = api.get(PRODUCTS, {"category": "clothing"}).json()
    assert len(answer["results"]) == 14


def test_a_product_with_its_options_stock_pictures_and_category_path(api, catalog):
    alpha = catalog["alpha-tee"]
    Variant.objects.filter(product=alpha, name="L").update(compare_at_price="40.00", options={"size": "L"})
    VariantFactory(product=alpha, name="XL", is_active=False)  # not for sale: not shown
    ProductImage.objects.create(product=alpha, image="products/a2.jpg", alt="Back", position=2)
    ProductImage.objects.create(product=alpha, image="products/a1.jpg", alt="Front", position=1)
    response = api.get(f"{PRODUCTS}/alpha-tee")
    assert response.status_code == 200
    product = response.json()
    small, large = Variant.objects.filter(product=alpha, is_active=True).order_by("pk")
    assert product["description"] == "A fine thing."
    assert product["price_from"] == "30.00"
    assert product["category_path"] == [
        {"slug": "clothing", "name": "Clothing", "url": f"{HOST}/c/clothing/"},
        {"slug": "tees", "name": "Tees", "url": f"{HOST}/c/tees/"},
    ]
    assert product["variants"] == [
        {
            "pk": small.pk,
            "sku": "alpha-tee-s",
            "name": "S",
            "options": {},
            "price": "30.00",
            "compare_at_price": None,
            "currency": "USD",
            "stock": 3,
            "stock_level": "low",
            "in_stock": True,
        },
        {
            "pk": large.pk,
            "sku": "alpha-tee-l",
            "name": "L",
            "options": {"size": "L"},
            "price": "35.00",
            "compare_at_price": "40.00",
            "currency": "USD",
            "stock": 0,
            "stock_level": "out",
            "in_stock": False,
        },
    ]
    assert [(image["alt"], image["url"], image["renditions"]) for image in product["images"]] == [
        ("Front", f"{HOST}/media/products/a1.jpg", []),
        ("Back", f"{HOST}/media/products/a2.jpg", []),
    ]
    assert product["image"]["alt"] == "Front"


@pytest.mark.parametrize("slug", ["deleted-tee", "hidden-tee", "nothing", "bad%20slug"])
def test_a_hidden_deleted_or_unknown_product_is_404_as_its_page(api, catalog, client, slug):
    response = api.get(f"{PRODUCTS}/{slug}")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Product was not found.", "fields": {}}
    assert api.get(f"{PRODUCTS}/{slug}/reviews").status_code == 404


def test_etag_304_until_a_price_or_stock_changes(api, catalog):
    for url in [PRODUCTS, f"{PRODUCTS}/alpha-tee"]:
        first = api.get(url)
        tag = first["ETag"]
        assert api.get(url, HTTP_IF_NONE_MATCH=tag).status_code == 304
        Variant.objects.filter(sku="alpha-tee-s").update(stock=0)  # sold out now
        changed = api.get(url, HTTP_IF_NONE_MATCH=tag)
        assert changed.status_code == 200
        assert changed["ETag"] != tag
        Variant.objects.filter(sku="alpha-tee-s").update(price="31.00")
        assert api.get(url, HTTP_IF_NONE_MATCH=changed["ETag"]).status_code == 200
        Variant.objects.filter(sku="alpha-tee-s").update(stock=3, price="30.00")
        assert api.get(url, HTTP_IF_NONE_MATCH=tag).status_code == 304  # as it was: the same tag
    # The product shows each option's figure: any sale changes its tag.
    tag = api.get(f"{PRODUCTS}/alpha-tee")["ETag"]
    Variant.objects.filter(sku="alpha-tee-s").update(stock=2)
    assert api.get(f"{PRODUCTS}/alpha-tee", HTTP_IF_NONE_MATCH=tag).json()["variants"][0]["stock"] == 2


def test_reviews_published_only_newest_first_with_the_distribution(api, catalog, clock):
    alpha = catalog["alpha-tee"]
    for i, (rating, status) in enumerate([(5, "published"), (4, "published"), (5, "published"), (1, "hidden")]):
        person = UserFactory(first_name="Sam", last_name=f"Quinn{i}")
        Review.objects.create(product=alpha, user=person, rating=rating, body=f"Review {i}", status=status)
        clock.advance(seconds=60)
    answer = api.get(f"{PRODUCTS}/alpha-tee/reviews", {"page_size": 2}).json()
    assert answer["rating_count"] == 3
    assert answer["rating_average"] == "4.67"
    assert answer["distribution"] == [
        {"stars": 5, "count": 2, "percent": 67},
        {"stars": 4, "count": 1, "percent": 33},
        {"stars": 3, "count": 0, "percent": 0},
        {"stars": 2, "count": 0, "percent": 0},
        {"stars": 1, "count": 0, "percent": 0},
    ]
    assert [r["body"] for r in answer["results"]] == ["Review 2", "Review 1"]
    assert answer["results"][0]["author"] == "Sam Q."
    assert answer["results"][0]["rating"] == 5
    rest = api.get(answer["next"]).json()
    assert [r["body"] for r in rest["results"]] == ["Review 0"]
    assert rest["next"] is None
    empty = api.get(f"{PRODUCTS}/bravo-tee/reviews").json()
    assert (empty["rating_count"], empty["rating_average"], empty["results"]) == (0, None, [])


def test_categories_in_tree_order_and_one_category(api, catalog):
    CategoryFactory(name="Empty", slug="empty")  # nothing for sale in it: not listed, but it exists
    answer = api.get("/api/v1/catalog/categories").json()
    assert [(c["slug"], c["parent"], c["depth"]) for c in answer] == [
        ("clothing", None, 0),
        ("tees", "clothing", 1),
        ("mugs", None, 0),
    ]
    assert answer[1] == {
        "slug": "tees",
        "name": "Tees",
        "url": f"{HOST}/c/tees/",
        "parent": "clothing",
        "depth": 1,
        "description": "Soft tees.",
    }
    clothing = api.get("/api/v1/catalog/categories/clothing").json()
    assert clothing["path"] == [{"slug": "clothing", "name": "Clothing", "url": f"{HOST}/c/clothing/"}]
    assert clothing["children"] == [{"slug": "tees", "name": "Tees", "url": f"{HOST}/c/tees/"}]
    assert clothing["product_count"] == 2
    tees = api.get("/api/v1/catalog/categories/tees").json()
    assert ([c["slug"] for c in tees["path"]], tees["parent"], tees["depth"]) == (["clothing", "tees"], "clothing", 1)
    assert api.get("/api/v1/catalog/categories/empty").json()["product_count"] == 0
    assert api.get("/api/v1/catalog/categories/nowhere").status_code == 404
    tag = api.get("/api/v1/catalog/categories")["ETag"]
    assert api.get("/api/v1/catalog/categories", HTTP_IF_NONE_MATCH=tag).status_code == 304


def test_the_product_costs_a_few_queries(api, catalog, django_assert_max_num_queries):
    for i in range(5):
        ProductImage.objects.create(product=catalog["alpha-tee"], image=f"products/{i}.jpg")
    with django_assert_max_num_queries(4):  # the product, its options, its pictures, the categories (its path)
        assert len(api.get(f"{PRODUCTS}/alpha-tee").json()["images"]) == 5


def test_the_schema_says_the_catalog_needs_no_token(api):
    paths = api.get("/api/openapi.json").json()["paths"]
    catalog = [path for path in paths if path.startswith("/api/v1/catalog/")]
    assert len(catalog) == 6
    assert all({} in paths[path]["get"]["security"] for path in catalog)


def test_the_catalog_needs_no_sign_in_and_accepts_any_token(api, catalog, shopper, bearer):
    assert api.get(PRODUCTS, **bearer(shopper, "shop:write")).status_code == 200
    assert api.get(f"{PRODUCTS}/alpha-tee", **bearer(shopper, "shop:read")).status_code == 200
    assert api.get(PRODUCTS, HTTP_AUTHORIZATION="Bearer sf_wrong").status_code == 401  # a bad token is never a guest
