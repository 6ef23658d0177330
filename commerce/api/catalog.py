"""API: the public catalog (mounted by main.py at /api/v1/catalog): products, their reviews, categories,
and search (catalog_search.py, at /api/v1/catalog/search).

Anyone may read it, guests included. The reads are the pages' own selectors (commerce/catalog,
commerce/reviews, commerce/search), so the API lists what the pages list: live products (published,
not deleted) with an active option for sale, the same category subtrees, sorts and search backend.
Every answer carries an ETag; a client sending it back in If-None-Match gets 304.
"""

import re
from typing import Any, Literal

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.pagination import paginate

from commerce.catalog import selectors
from commerce.catalog.models import Category, Product
from commerce.reviews.selectors import published_reviews, rating_summary

from . import catalog_search
from .catalog_out import (
    CategoryDetailOut,
    CategoryOut,
    ProductOut,
    ProductSummaryOut,
    ReviewsOut,
    category_ref,
    image_out,
    money,
    product_summary,
    public,
    review_out,
    variant_out,
)
from .catalog_paging import KeysetCursor
from .errors import ApiError, answers
from .etag import etag

router = Router(tags=["Catalog"])
router.add_router("/search", catalog_search.router)

SLUG = r"^[-a-zA-Z0-9_]{1,200}$"
SLUG_RE = re.compile(SLUG)
Sort = Literal["newest", "price", "-price", "name"]


class ProductFilters(Schema):
    category: str | None = Field(
        None, pattern=SLUG, description="A category's slug: its products and those of the categories under it."
    )
    in_stock: bool | None = Field(
        None, description="true: only products with an option in stock now; false: only sold-out ones."
    )
    sort: Sort = Field("newest", description="newest, price (low to high), -price (high to low) or name.")


class PageIn(Schema):
    page_size: int | None = Field(None, ge=1, description="Results per page (at most the store's maximum).")
    cursor: str | None = Field(None, description="From a previous answer's next or previous address.")


def _category(slug: str, *, field: str | None = None) -> Category:
    """The category with this slug: else 404 (in the path) or 422 naming the filter `field`."""
    category = Category.objects.filter(slug=slug).first() if SLUG_RE.match(slug) else None
    if category is not None:
        return category
    if field is not None:
        raise ApiError.invalid(field, "There is no category with this slug.", code="unknown_category")
    raise ApiError.not_found("Category")


def _product(slug: str) -> Product:
    """A live product with its active options and pictures, as its page shows it (hidden or deleted: 404)."""
    if not SLUG_RE.match(slug):
        raise ApiError.not_found("Product")
    try:
        return selectors.product_detail(slug=slug)
    except Http404 as exc:
        raise ApiError.not_found("Product") from exc


@router.get(
    "/products",
    response=answers({200: list[ProductSummaryOut]}),
    summary="List products",
    description="Products for sale, a page at a time (follow `next`), in the chosen sort.",
    openapi_extra=public(),
)
@decorate_view(etag)
@paginate(KeysetCursor, shape=product_summary)
def product_list(request: HttpRequest, filters: Query[ProductFilters]) -> QuerySet[Product]:
    category = _category(filters.category, field="category") if filters.category else None
    products = selectors.product_listing(selectors.ListingQuery(category=category, sort=filters.sort))
    if filters.in_stock is not None:
        products = products.filter(Q(total_stock__gt=0) if filters.in_stock else Q(total_stock=0))
    return products


@router.get(
    "/products/{slug}",
    response=answers({200: ProductOut}),
    summary="A product",
    description="A product with its options (price, stock now), pictures and category. Hidden products are 404.",
    openapi_extra=public(),
)
@decorate_view(etag)
def product_read(request: HttpRequest, slug: str) -> dict[str, Any]:
    product = _product(slug)
    variants = list(product.variants.all())
    return {
        **product_summary(request, product),
        "description": product.description,
        "category_path": [category_ref(request, c) for c in selectors.category_path(product.category)],
        "variants": [variant_out(v) for v in variants],
        "images": [image_out(request, image, product.name) for image in product.images.all()],
    }


REVIEWS = KeysetCursor(shape=lambda request, review: review_out(review))


@router.get(
    "/products/{slug}/reviews",
    response=answers({200: ReviewsOut}),
    summary="A product's reviews",
    description="Its published reviews, newest first, a page at a time, with the count per star rating.",
    openapi_extra=public(),
)
@decorate_view(etag)
def product_reviews(request: HttpRequest, slug: str, page: Query[PageIn]) -> dict[str, Any]:
    product = Product.objects.live().filter(slug=slug).only("pk").first() if SLUG_RE.match(slug) else None
    if product is None:
        raise ApiError.not_found("Product")
    summary = rating_summary(product.pk)
    listed = REVIEWS.paginate_queryset(published_reviews(product.pk), pagination=page, request=request)
    return {
        "rating_average": money(summary.average),
        "rating_count": summary.count,
        "distribution": [{"stars": bar.stars, "count": bar.count, "percent": bar.percent} for bar in summary.bars],
        **listed,
    }


@router.get(
    "/categories",
    response=answers({200: list[CategoryOut]}),
    summary="List categories",
    description="Categories with products for sale in them or under them, in tree order: each after its parent.",
    openapi_extra=public(),
)
@decorate_view(etag)
def category_list(request: HttpRequest) -> list[dict[str, Any]]:
    shown = selectors.category_list()
    slugs: dict[int | None, str] = {c.pk: c.slug for c in shown}
    return [_category_out(request, c, parent=slugs.get(c.parent_id), depth=c.depth) for c in shown]  # type: ignore[attr-defined]


@router.get(
    "/categories/{slug}",
    response=answers({200: CategoryDetailOut}),
    summary="A category",
    description="A category, its place in the tree, its subcategories with products, and how many products it holds.",
    openapi_extra=public(),
)
@decorate_view(etag)
def category_read(request: HttpRequest, slug: str) -> dict[str, Any]:
    category = _category(slug)
    path = selectors.category_path(category)
    children = selectors.category_children_shown(selectors.category_list(), category)
    count = selectors.product_listing(selectors.ListingQuery(category=category, sort=selectors.DEFAULT_SORT)).count()
    return {
        **_category_out(request, category, parent=path[-2].slug if len(path) > 1 else None, depth=len(path) - 1),
        "path": [category_ref(request, c) for c in path],
        "children": [category_ref(request, c) for c in children],
        "product_count": count,
    }


def _category_out(request: HttpRequest, category: Category, *, parent: str | None, depth: int) -> dict[str, Any]:
    return {**category_ref(request, category), "parent": parent, "depth": depth, "description": category.description}
