"""The default backend: the SearchDocument table.

On PostgreSQL, a weighted full-text vector (GIN index) finds words and their stems, and
pg_trgm word similarity over the title (trigram GIN index) finds typos ("runing shoe").
On SQLite (the embedded mode), every word must appear in the title or the description.
"""

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import reduce
from operator import and_
from typing import Any

from django.contrib.postgres.search import SearchQuery as PgSearchQuery
from django.contrib.postgres.search import SearchRank, SearchVector, TrigramWordSimilarity
from django.db import connection, transaction
from django.db.models import Case, Count, F, FloatField, Q, QuerySet, Value, When
from django.db.models.expressions import Combinable

from ..documents import ProductDocument, batched
from ..highlight import mark_terms, marked_html, snippet
from ..models import SearchDocument
from .base import (
    PRICE_BANDS,
    Hit,
    PriceBand,
    SearchBackend,
    SearchQuery,
    SearchResult,
    Suggestion,
    query_terms,
)

CONFIG = "english"
FIELDS = ["name", "category", "category_name", "skus", "title", "body", "min_price", "in_stock", "created_at"]


def _vector() -> Combinable:
    return (
        SearchVector("name", weight="A", config=CONFIG)
        + SearchVector("skus", weight="A", config="simple")
        + SearchVector("category_name", weight="B", config=CONFIG)
        + SearchVector("body", weight="C", config=CONFIG)
    )


def _band_q(band: PriceBand) -> Q:
    q = Q()
    if band.low is not None:
        q &= Q(min_price__gte=band.low)
    if band.high is not None:
        q &= Q(min_price__lt=band.high)
    return q


def _all(*parts: Q | None) -> Q | None:
    present = [p for p in parts if p is not None]
    return reduce(and_, present) if present else None


def _count(condition: Q | None) -> Count:
    return Count("pk", filter=condition) if condition is not None else Count("pk")


def _row(document: ProductDocument) -> SearchDocument:
    return SearchDocument(
        product_id=document.pk,
        name=document.name,
        category_id=document.category_id,
        category_name=document.category_name,
        # Words only: PostgreSQL's parser would read "SKU-00075" as "sku" and the number -00075.
        skus=" ".join(query_terms(" ".join(document.skus), limit=None)),
        title=document.title,
        body=document.description,
        min_price=document.min_price,
        in_stock=document.in_stock,
        created_at=document.created_at,
        signature=document.signature,
    )


class DatabaseBackend(SearchBackend):
    name = "database"

    @staticmethod
    def _postgres() -> bool:
        return connection.vendor == "postgresql"

    def _matching(self, terms: list[str]) -> tuple[QuerySet[SearchDocument], Any]:
        documents = SearchDocument.objects.all()
        if not terms:
            return documents, None
        text = " ".join(terms)
        if self._postgres():
            query = PgSearchQuery(text, config=CONFIG)
            documents = documents.filter(Q(search_vector=query) | Q(title__trigram_word_similar=text))
            return documents, SearchRank(F("search_vector"), query) + TrigramWordSimilarity(text, "title")
        for term in terms:
            documents = documents.filter(Q(title__icontains=term) | Q(skus__icontains=term) | Q(body__icontains=term))
        rank = Case(
            When(name__icontains=text, then=Value(2.0)),
            When(title__icontains=text, then=Value(1.0)),
            default=Value(0.0),
            output_field=FloatField(),
        )
        return documents, rank

    def search(self, query: SearchQuery) -> SearchResult:
        terms = query.terms
        documents, rank = self._matching(terms)
        own = {
            "category": Q(category__slug=query.category) if query.category else None,
            "band": _band_q(query.band) if query.band else None,
            "stock": Q(in_stock=True) if query.in_stock else None,
        }

        def others(skip: str | None = None) -> Q | None:
            return _all(*(q for name, q in own.items() if name != skip))

        counts = documents.aggregate(
            total=_count(others()),
            stocked=_count(_all(others("stock"), Q(in_stock=True))),
            **{f"band_{i}": _count(_all(others("band"), _band_q(band))) for i, band in enumerate(PRICE_BANDS)},
        )
        by_category = documents.filter(others("category") or Q()).values("category__slug").annotate(n=Count("pk"))
        categories = {row["category__slug"]: row["n"] for row in by_category.order_by()}

        total = counts["total"]
        last_page = max(1, math.ceil(total / query.per_page))
        page = min(query.page, last_page)
        results = documents.filter(others() or Q())
        if rank is not None and query.sort == "relevance":
            results = results.annotate(rank=rank).order_by("-rank", "-created_at", "-pk")
        elif query.sort == "price":
            results = results.order_by("min_price", "pk")
        elif query.sort == "-price":
            results = results.order_by("-min_price", "-pk")
        else:
            results = results.order_by("-created_at", "-pk")
        offset = (page - 1) * query.per_page
        rows = results.values_list("pk", "name", "body")[offset : offset + query.per_page]
        hits = [
            Hit(pk=pk, name_html=marked_html(mark_terms(name, terms)), snippet_html=marked_html(snippet(body, terms)))
            for pk, name, body in rows
        ]
        return SearchResult(
            hits=hits,
            total=total,
            page=page,
            last_page=last_page,
            categories=categories,
            bands={band.key: counts[f"band_{i}"] for i, band in enumerate(PRICE_BANDS)},
            in_stock=counts["stocked"],
            backend=self.name,
        )

    def suggest(self, text: str, *, limit: int) -> list[Suggestion]:
        terms = query_terms(text)
        if not terms:
            return []
        documents = SearchDocument.objects.all()
        for term in terms:
            documents = documents.filter(title__icontains=term)  # a trigram index scan on PostgreSQL
        first = Case(When(name__istartswith=terms[0], then=Value(0)), default=Value(1))
        rows = list(
            documents.annotate(first=first)
            .order_by("first", "-created_at", "-pk")
            .values_list("pk", "product__slug", "name")[:limit]
        )
        if len(rows) < limit and self._postgres():
            joined = " ".join(terms)
            near = (
                SearchDocument.objects.filter(title__trigram_word_similar=joined)
                .exclude(pk__in=[pk for pk, _, _ in rows])
                .annotate(similarity=TrigramWordSimilarity(joined, "title"))
                .order_by("-similarity", "-created_at", "-pk")
                .values_list("pk", "product__slug", "name")
            )
            rows += list(near[: limit - len(rows)])
        return [Suggestion(pk=pk, slug=slug, name=name) for pk, slug, name in rows]

    def index(self, documents: Sequence[ProductDocument]) -> None:
        if not documents:
            return
        with transaction.atomic():
            SearchDocument.objects.bulk_create(
                [_row(d) for d in documents],
                update_conflicts=True,
                unique_fields=["product"],
                update_fields=[*FIELDS, "signature", "indexed_at"],
            )
            self._vectorize([d.pk for d in documents])

    def _vectorize(self, pks: list[int]) -> None:
        if self._postgres():
            SearchDocument.objects.filter(pk__in=pks).update(search_vector=_vector())

    def remove(self, pks: Iterable[int]) -> None:
        SearchDocument.objects.filter(pk__in=sorted(set(pks))).delete()

    def update_availability(self, availability: Mapping[int, bool]) -> None:
        for value in (True, False):
            pks = sorted(pk for pk, available in availability.items() if available is value)
            if pks:
                SearchDocument.objects.filter(pk__in=pks).exclude(in_stock=value).update(in_stock=value)

    def rebuild(self, documents: Iterable[ProductDocument], *, progress: Callable[[int], None]) -> int:
        count = 0
        with transaction.atomic():  # readers keep the old rows until the new ones commit
            SearchDocument.objects.all().delete()
            for batch in batched(documents):
                SearchDocument.objects.bulk_create([_row(d) for d in batch])
                self._vectorize([d.pk for d in batch])
                count += len(batch)
                progress(len(batch))
        return count

    def states(self, pks: Sequence[int]) -> dict[int, tuple[str, bool]]:
        rows = SearchDocument.objects.filter(pk__in=list(pks)).values_list("pk", "signature", "in_stock")
        return {pk: (signature, in_stock) for pk, signature, in_stock in rows}

    def indexed_pks(self) -> Iterator[int]:
        return SearchDocument.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=5000)
