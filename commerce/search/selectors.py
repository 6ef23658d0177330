"""Reads for the search pages: parse what a shopper sent, search with fallback, shape the page."""

import logging
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.http import QueryDict
from django.urls import reverse
from django.utils.safestring import SafeString

from commerce.catalog.models import Category, Product
from commerce.catalog.selectors import ListingQuery, product_listing

from . import backends, es_client
from .backends.base import (
    BANDS_BY_KEY,
    PRICE_BANDS,
    SORTS,
    Hit,
    PriceBand,
    SearchQuery,
    SearchResult,
    Suggestion,
    query_terms,
)
from .errors import SearchIndexMissing, SearchUnavailable
from .highlight import mark_terms, marked_html

logger = logging.getLogger(__name__)

FALLBACK_NOTICE = "Search is running in a simpler mode for a moment, so results may be less precise."
SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]{1,100}$")
MAX_PAGE = 10_000
SUGGESTION_LIMIT = 8


@dataclass(frozen=True)
class SearchParams:
    """What the shopper asked for, made safe: unknown values are dropped, not errors."""

    q: str = ""
    category: Category | None = None
    band: PriceBand | None = None
    in_stock: bool = False
    sort: str = "relevance"
    page: int = 1
    truncated: bool = False
    ignored: tuple[str, ...] = ()

    @property
    def filtered(self) -> bool:
        return bool(self.category or self.band or self.in_stock)

    @property
    def query(self) -> QueryDict:
        """The cleaned parameters, page left out: the base of every link on the page."""
        query = QueryDict(mutable=True)
        if self.q:
            query["q"] = self.q
        if self.category:
            query["category"] = self.category.slug
        if self.band:
            query["price"] = self.band.key
        if self.in_stock:
            query["in_stock"] = "1"
        if self.sort != ("relevance" if self.q else "newest"):
            query["sort"] = self.sort
        return query


@dataclass(frozen=True)
class FacetOption:
    key: str
    label: str
    count: int
    selected: bool


@dataclass
class SearchPage:
    params: SearchParams
    products: list[Product]
    total: int
    number: int
    num_pages: int
    categories: list[FacetOption]
    bands: list[FacetOption]
    in_stock_count: int
    backend: str
    notices: list[str] = field(default_factory=list)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


def query_clean(raw: str) -> tuple[str, bool]:
    """The query without control characters and extra spaces, cut to SEARCH_MAX_QUERY_LENGTH; and whether it was cut."""
    text = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in raw[:2000])
    text = " ".join(text.split())
    limit = int(settings.SEARCH_MAX_QUERY_LENGTH)
    if len(text) <= limit:
        return text, False
    cut = text[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).strip(), True


def search_params_parse(data: Mapping[str, str]) -> SearchParams:
    """Turn query parameters into a search; anything unknown or malformed falls back to a default."""
    q, truncated = query_clean(data.get("q", ""))
    ignored: list[str] = []
    category = None
    slug = data.get("category", "")
    if slug:
        category = Category.objects.filter(slug=slug).first() if SLUG_RE.match(slug) else None
        if category is None:
            ignored.append("category")
    band = BANDS_BY_KEY.get(data.get("price", ""))
    if data.get("price") and band is None:
        ignored.append("price")
    default_sort = "relevance" if q else "newest"
    sort = data.get("sort", "")
    if sort not in SORTS or (sort == "relevance" and not q):
        sort = default_sort
    try:
        page = min(max(1, int(data.get("page", "1"))), MAX_PAGE)
    except ValueError:
        page = 1
    return SearchParams(
        q=q,
        category=category,
        band=band,
        in_stock=data.get("in_stock") in {"1", "true", "on"},
        sort=sort,
        page=page,
        truncated=truncated,
        ignored=tuple(ignored),
    )


def _search(query: SearchQuery) -> tuple[SearchResult, bool]:
    """Search the primary backend, or the database if it fails; and whether it fell back."""
    primary = backends.primary()
    if primary.name != "database":
        try:
            return primary.search(query), False
        except SearchUnavailable:
            logger.warning("search fell back to the database", extra={"backend": primary.name})
    return backends.database().search(query), primary.name != "database"


def search_page(params: SearchParams) -> SearchPage:
    """One page of results in rank order, with facet counts, ready for the template."""
    per_page = int(settings.SEARCH_PAGE_SIZE)
    query = SearchQuery(
        text=params.q,
        category=params.category.slug if params.category else None,
        band=params.band,
        in_stock=params.in_stock,
        sort=params.sort,
        page=params.page,
        per_page=per_page,
    )
    result, fell_back = _search(query)
    products = _products_for(result.hits)
    notices = []
    if fell_back:
        notices.append(FALLBACK_NOTICE)
    if params.truncated:
        notices.append(f"Your search was long, so we used its first {settings.SEARCH_MAX_QUERY_LENGTH} characters.")
    if params.q and not query.terms:
        notices.append("There were no words to search for, so here are our newest products.")
    if params.ignored:
        notices.append("A filter in the link is no longer available, so we left it out.")
    return SearchPage(
        params=params,
        products=products,
        total=result.total,
        number=result.page,
        num_pages=result.last_page,
        categories=_category_options(result.categories, params.category),
        bands=[
            FacetOption(b.key, b.label, result.bands.get(b.key, 0), params.band == b)
            for b in PRICE_BANDS
            if result.bands.get(b.key, 0) or params.band == b
        ],
        in_stock_count=result.in_stock,
        backend=result.backend,
        notices=notices,
    )


def _products_for(hits: list[Hit]) -> list[Product]:
    """The products of these hits, in hit order, as the catalog lists them (price, stock, image, variants).

    A product deleted since it was indexed is left out: the catalog is the truth.
    """
    if not hits:
        return []
    listing = product_listing(ListingQuery(category=None, sort="newest"))
    by_pk = {p.pk: p for p in listing.filter(pk__in=[h.pk for h in hits])}
    products = []
    for hit in hits:
        product = by_pk.get(hit.pk)
        if product is not None:
            product.search_hit = hit  # type: ignore[attr-defined]
            products.append(product)
    return products


def _category_options(counts: dict[str, int], selected: Category | None) -> list[FacetOption]:
    slugs = {slug for slug, n in counts.items() if n} | ({selected.slug} if selected else set())
    return [
        FacetOption(c.slug, c.name, counts.get(c.slug, 0), selected is not None and c.pk == selected.pk)
        for c in Category.objects.filter(slug__in=sorted(slugs))
    ]


@dataclass(frozen=True)
class SuggestionOption:
    url: str
    name: str
    name_html: SafeString


def search_suggestions(raw: str) -> tuple[str, list[SuggestionOption]]:
    """The cleaned text and up to SUGGESTION_LIMIT products for the header box; none below two characters."""
    text, _ = query_clean(raw)
    if len(text) < 2:
        return "", []
    suggestions: list[Suggestion] | None = None
    primary = backends.primary()
    if primary.name != "database":
        try:
            suggestions = primary.suggest(text, limit=SUGGESTION_LIMIT)
        except SearchUnavailable:
            suggestions = None
    if suggestions is None:
        suggestions = backends.database().suggest(text, limit=SUGGESTION_LIMIT)
    terms = query_terms(text)
    return text, [
        SuggestionOption(
            url=reverse("catalog:product", kwargs={"slug": s.slug}),
            name=s.name,
            name_html=marked_html(mark_terms(s.name, terms)),
        )
        for s in suggestions
    ]


def search_status() -> tuple[bool, str]:
    """For /readyz: (healthy, description). Elasticsearch down is a degraded search, not a down store."""
    if not es_client.configured():
        return True, "ok: database"
    # Fixed words only: /readyz shows them, and an error's text can name hosts and credentials.
    try:
        es_client.ping()
    except SearchIndexMissing:
        return False, "elasticsearch index does not exist (run search_index --rebuild), searching the database"
    except SearchUnavailable as exc:
        logger.warning("elasticsearch unavailable", extra={"error": str(exc)})
        return False, "elasticsearch unavailable, searching the database"
    return True, "ok: elasticsearch"
