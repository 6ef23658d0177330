"""The default backend: the SearchDocument table.

On PostgreSQL, a weighted full-text vector (GIN index) finds words and their stems, and
pg_trgm word similarity over the title (trigram GIN index) finds typos ("runing shoe").
On SQLite (the embedded mode), FTS5 does the same work: a porter-stemmed index of the same
fields, ranked by weighted bm25, and an unstemmed one with prefix indexes for suggestions.
On both, a spelling pass (spelling.py) adds to each query word the indexed words one letter
off ("habour": "harbour"), as Elasticsearch's fuzziness does.
"""

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import reduce
from operator import and_, or_
from typing import Any

from django.contrib.postgres.search import SearchQuery as PgSearchQuery
from django.contrib.postgres.search import SearchRank, SearchVector, TrigramWordSimilarity
from django.db import connection, transaction
from django.db.models import Case, Count, ExpressionWrapper, F, FloatField, Q, QuerySet, Value, When
from django.db.models.expressions import Combinable

from ..documents import ProductDocument, batched
from ..highlight import mark_terms, marked_html, snippet
from ..models import SearchDocument
from . import fts5
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
from .spelling import spelling_alternatives, spelling_forget, spelling_learn

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


def _texts(documents: Iterable[ProductDocument]) -> Iterator[str]:
    """The text whose words a typo may be corrected to (SKUs are codes: matched exactly)."""
    for document in documents:
        yield from (document.name, document.category_name, document.description)


def _any_of(words: list[str]) -> PgSearchQuery:
    queries = [PgSearchQuery(word, config=CONFIG) for word in words]
    return reduce(or_, queries)


class DatabaseBackend(SearchBackend):
    name = "database"

    @staticmethod
    def _postgres() -> bool:
        return connection.vendor == "postgresql"

    def _matching(self, terms: list[str]) -> tuple[QuerySet[SearchDocument], Any, list[str]]:
        """The documents every word (or a near spelling of it) finds, their rank, and the words to highlight."""
        documents = SearchDocument.objects.all()
        if not terms:
            return documents, None, terms
        alternatives = spelling_alternatives(terms)
        marked = [word for words in alternatives for word in words]
        if self._postgres():
            text = " ".join(terms)
            query = reduce(and_, (_any_of(words) for words in alternatives))
            documents = documents.filter(Q(search_vector=query) | Q(title__trigram_word_similar=text))
            return documents, SearchRank(F("search_vector"), query) + TrigramWordSimilarity(text, "title"), marked
        documents = documents.filter(fts__text__match=fts5.match_expression(alternatives))
        return documents, ExpressionWrapper(-F("fts__rank"), output_field=FloatField()), marked

    def search(self, query: SearchQuery) -> SearchResult:
        documents, rank, terms = self._matching(query.terms)
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
        rows = self._suggestions(self._starting(terms, [[term] for term in terms]), terms, limit)
        if len(rows) < limit:  # then names one letter off what was typed ("habour")
            alternatives = spelling_alternatives(terms)
            if any(len(words) > 1 for words in alternatives):
                spelled = self._starting(terms, alternatives).exclude(pk__in=[pk for pk, _, _ in rows])
                rows += self._suggestions(spelled, terms, limit - len(rows))
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

    def _starting(self, terms: list[str], alternatives: list[list[str]]) -> QuerySet[SearchDocument]:
        """Documents whose name or category has every word (or an alternative) typed so far."""
        documents = SearchDocument.objects.all()
        if not self._postgres():
            return documents.filter(fts_prefix__text__match=fts5.prefix_expression(alternatives))
        for words in alternatives:  # a trigram index scan
            documents = documents.filter(reduce(or_, (Q(title__icontains=word) for word in words)))
        return documents

    @staticmethod
    def _suggestions(documents: QuerySet[SearchDocument], terms: list[str], limit: int) -> list[tuple[int, str, str]]:
        first = Case(When(name__istartswith=terms[0], then=Value(0)), default=Value(1))
        rows = documents.annotate(first=first).order_by("first", "-created_at", "-pk")
        return list(rows.values_list("pk", "product__slug", "name")[:limit])

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
            spelling_learn(_texts(documents))

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
            spelling_forget()
            for batch in batched(documents):
                SearchDocument.objects.bulk_create([_row(d) for d in batch])
                self._vectorize([d.pk for d in batch])
                spelling_learn(_texts(batch))
                count += len(batch)
                progress(len(batch))
        return count

    def states(self, pks: Sequence[int]) -> dict[int, tuple[str, bool]]:
        rows = SearchDocument.objects.filter(pk__in=list(pks)).values_list("pk", "signature", "in_stock")
        return {pk: (signature, in_stock) for pk, signature, in_stock in rows}

    def indexed_pks(self) -> Iterator[int]:
        return SearchDocument.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=5000)
