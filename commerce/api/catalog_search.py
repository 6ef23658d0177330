"""API: search the catalog (GET /api/v1/catalog/search), with the search page's backend and facets.

The same selectors as /search/ (commerce/search/selectors.py): the configured backend (Elasticsearch
or the database), the database while Elasticsearch fails, the same facet counts (each counted with
the other filters applied). Unlike the page, which quietly drops what it cannot use, the API refuses
bad parameters with 422 naming them: an unknown category or price band, a query over the length.
"""

import re
from typing import Any, Literal
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view

from commerce.catalog.models import Category
from commerce.search import selectors
from commerce.search.backends.base import BANDS_BY_KEY

from .catalog_out import ProductSummaryOut, product_summary, public
from .errors import ApiError, answers
from .etag import etag

router = Router(tags=["Catalog"])

Band = Literal["under-25", "25-50", "50-100", "100-plus"]  # commerce/search/backends/base.py: PRICE_BANDS
SearchSort = Literal["relevance", "newest", "price", "-price"]  # its SORTS
SLUG_RE = re.compile(selectors.SLUG_RE.pattern)


class SearchIn(Schema):
    q: str = Field(
        "",
        max_length=settings.SEARCH_MAX_QUERY_LENGTH,
        description="Words to look for in names, descriptions and categories; empty: every product.",
    )
    category: str | None = Field(
        None, max_length=100, description="A category's slug: only its products and those of the categories under it."
    )
    price: Band | None = Field(None, description="A price band (its `key` in the price facet).")
    in_stock: bool = Field(False, description="true: only products with an option in stock now.")
    sort: SearchSort | None = Field(
        None, description="relevance (the default with words), newest (without), price, -price."
    )
    page: int = Field(1, ge=1, le=selectors.MAX_PAGE, description="Past the last page: the last page.")


class FacetOut(Schema):
    key: str = Field(description="The value to send back as the filter (a category slug, a price band).")
    label: str
    count: int = Field(description="Results with this choice (and the other filters as they are).")
    selected: bool


class FacetsOut(Schema):
    categories: list[FacetOut]
    price_bands: list[FacetOut]
    in_stock: int = Field(description="Results with an option in stock now.")


class SearchOut(Schema):
    total: int = Field(description="Products found in all.")
    page: int = Field(description="The page served.")
    pages: int
    next: str | None = Field(description="The next page's address; null on the last.")
    previous: str | None
    results: list[ProductSummaryOut] = Field(description="Best match first (or in the chosen sort).")
    facets: FacetsOut
    backend: str = Field(description="What answered: elasticsearch, or database (also while Elasticsearch is down).")
    notices: list[str] = Field(description="What a shopper should know about this search, e.g. that it was simplified.")


@router.get(
    "",
    response=answers({200: SearchOut}),
    summary="Search products",
    description="Search as the store's search page does, with the same facets; a page at a time.",
    openapi_extra=public(),
)
@decorate_view(etag)
def search(request: HttpRequest, filters: Query[SearchIn]) -> dict[str, Any]:
    if len(filters.q) > settings.SEARCH_MAX_QUERY_LENGTH:
        raise ApiError.invalid("q", f"Use at most {settings.SEARCH_MAX_QUERY_LENGTH} characters.", code="too_long")
    category = None
    if filters.category:
        category = Category.objects.filter(slug=filters.category).first() if SLUG_RE.match(filters.category) else None
        if category is None:
            raise ApiError.invalid("category", "There is no category with this slug.", code="unknown_category")
    q, _ = selectors.query_clean(filters.q)
    sort = filters.sort or ("relevance" if q else "newest")
    if sort == "relevance" and not q:
        sort = "newest"  # as the page: nothing to rank by
    params = selectors.SearchParams(
        q=q,
        category=category,
        band=BANDS_BY_KEY[filters.price] if filters.price else None,
        in_stock=filters.in_stock,
        sort=sort,
        page=filters.page,
    )
    found = selectors.search_page(params)
    return {
        "total": found.total,
        "page": found.number,
        "pages": found.num_pages,
        "next": _page_url(request, params, found.number + 1) if found.has_next else None,
        "previous": _page_url(request, params, found.number - 1) if found.has_previous else None,
        "results": [product_summary(request, product) for product in found.products],
        "facets": {
            "categories": [_facet(option) for option in found.categories],
            "price_bands": [_facet(option) for option in found.bands],
            "in_stock": found.in_stock_count,
        },
        "backend": found.backend,
        "notices": found.notices,
    }


def _facet(option: selectors.FacetOption) -> dict[str, Any]:
    return {"key": option.key, "label": option.label, "count": option.count, "selected": option.selected}


def _page_url(request: HttpRequest, params: selectors.SearchParams, number: int) -> str:
    query = params.query.copy()
    query["sort"] = params.sort  # stated, so the next pages keep it whatever the default
    query["page"] = str(number)
    return request.build_absolute_uri(f"{request.path}?{urlencode(sorted(query.items()))}")
