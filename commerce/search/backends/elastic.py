"""The Elasticsearch backend (elasticsearch-dsl, which ships as `elasticsearch.dsl` since 8.18).

Searches and writes go through an alias; a rebuild fills a fresh index and swaps the alias,
so shoppers search the old index until the new one is complete.
"""

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from elasticsearch import helpers
from elasticsearch.dsl import (
    Boolean,
    Date,
    Document,
    Index,
    Integer,
    Keyword,
    Q,
    ScaledFloat,
    Search,
    Text,
    analyzer,
    token_filter,
)
from elasticsearch.dsl.query import Query

from .. import es_client
from ..documents import ProductDocument, batched, product_documents
from ..errors import SearchUnavailable
from ..highlight import MARK_END, MARK_START, mark_terms, marked_html, snippet
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

# Elasticsearch pages no deeper than this (index.max_result_window).
MAX_RESULT_WINDOW = 10_000
BULK_TIMEOUT = 60.0

english_stem = token_filter("english_stem", "stemmer", language="english")
product_text = analyzer("product_text", tokenizer="standard", filter=["lowercase", "asciifolding", english_stem])
plain_text = analyzer("plain_text", tokenizer="standard", filter=["lowercase", "asciifolding"])
edge_grams = token_filter("edge_grams", "edge_ngram", min_gram=1, max_gram=20)
autocomplete = analyzer("autocomplete", tokenizer="standard", filter=["lowercase", "asciifolding", edge_grams])

# Name matches weigh most; `name.plain` (unstemmed) lets fuzziness find "runing" in "running".
TEXT_FIELDS = ["name^4", "name.plain^3", "category_name^2", "description"]
SUGGEST_FIELDS = ["name.ac^3", "name.plain^2", "category_name"]
FUZZINESS = "AUTO:4,7"  # no typo allowed below 4 letters, one to 6, two from 7


class ProductDoc(Document):
    pk = Integer()
    slug = Keyword(index=False)
    name = Text(
        analyzer=product_text,
        fields={
            "plain": Text(analyzer=plain_text),
            "ac": Text(analyzer=autocomplete, search_analyzer=plain_text),
        },
    )
    description = Text(analyzer=product_text)
    category = Keyword()
    category_name = Text(analyzer=product_text)
    skus = Text(analyzer=plain_text)
    min_price = ScaledFloat(scaling_factor=100)
    in_stock = Boolean()
    created_at = Date()
    signature = Keyword(index=False)


def _source(document: ProductDocument) -> dict[str, Any]:
    return {
        "pk": document.pk,
        "slug": document.slug,
        "name": document.name,
        "description": document.description,
        "category": document.category_slug,
        "category_name": document.category_name,
        "skus": list(document.skus),
        "min_price": float(document.min_price),
        "in_stock": document.in_stock,
        "created_at": document.created_at.isoformat(),
        "signature": document.signature,
    }


def _band_range(band: PriceBand) -> dict[str, float]:
    bounds: dict[str, float] = {}
    if band.low is not None:
        bounds["gte"] = float(band.low)
    if band.high is not None:
        bounds["lt"] = float(band.high)
    return bounds


def _term_query(term: str) -> Query:
    """One word of the query: in the text fields, typos allowed (not in numbers); in the SKUs, exactly."""
    fuzziness = "0" if any(ch.isdigit() for ch in term) else FUZZINESS
    return Q(
        "bool",
        should=[
            Q("multi_match", query=term, fields=TEXT_FIELDS, fuzziness=fuzziness, prefix_length=1),
            Q("match", skus={"query": term, "boost": 3}),
        ],
        minimum_should_match=1,
    )


def _agg_range(band: PriceBand) -> dict[str, Any]:
    bucket: dict[str, Any] = {"key": band.key}
    if band.low is not None:
        bucket["from"] = float(band.low)
    if band.high is not None:
        bucket["to"] = float(band.high)
    return bucket


def _all(filters: list[Query]) -> Query:
    return Q("bool", filter=filters) if filters else Q("match_all")


class ElasticsearchBackend(SearchBackend):
    name = "elasticsearch"

    def __init__(self) -> None:
        self._alias_ready = ""

    # --- reads ---------------------------------------------------------------------------
    def _search(self) -> Search:
        return Search(using=es_client.client(), index=es_client.index_name())

    def search(self, query: SearchQuery) -> SearchResult:
        terms = query.terms
        s = self._search()
        if terms:
            # Every word must match some field, allowing for typos; the whole phrase in the name ranks first.
            must = [_term_query(t) for t in terms]
            phrase = Q("multi_match", query=" ".join(terms), type="phrase", fields=["name^2", "description"])
            s = s.query(Q("bool", must=must, should=[phrase]))
        own: dict[str, Query | None] = {
            "category": Q("term", category=query.category) if query.category else None,
            "band": Q("range", min_price=_band_range(query.band)) if query.band else None,
            "stock": Q("term", in_stock=True) if query.in_stock else None,
        }

        def others(skip: str | None = None) -> list[Query]:
            return [q for name, q in own.items() if q is not None and name != skip]

        s = s.post_filter(_all(others()))
        s.aggs.bucket("categories", "filter", filter=_all(others("category"))).bucket(
            "slugs", "terms", field="category", size=500
        )
        s.aggs.bucket("bands", "filter", filter=_all(others("band"))).bucket(
            "ranges", "range", field="min_price", ranges=[_agg_range(b) for b in PRICE_BANDS]
        )
        s.aggs.bucket("stock", "filter", filter=_all(others("stock"))).bucket(
            "yes", "filter", filter=Q("term", in_stock=True)
        )
        if terms and query.sort == "relevance":
            s = s.sort("_score", "-created_at", "-pk")
        elif query.sort == "price":
            s = s.sort("min_price", "pk")
        elif query.sort == "-price":
            s = s.sort("-min_price", "-pk")
        else:
            s = s.sort("-created_at", "-pk")
        s = s.source(["pk", "name", "description"]).extra(track_total_hits=True)
        if terms:
            s = s.highlight_options(pre_tags=[MARK_START], post_tags=[MARK_END])
            s = s.highlight("name", number_of_fragments=0).highlight(
                "description", fragment_size=160, number_of_fragments=1, no_match_size=160
            )

        max_page = max(1, MAX_RESULT_WINDOW // query.per_page)
        page = min(query.page, max_page)
        response = self._execute(s, page, query.per_page)
        total = int(response.hits.total.value)
        last = min(max_page, max(1, math.ceil(total / query.per_page)))
        if page > last:  # asked past the end: serve the last page
            page = last
            response = self._execute(s, page, query.per_page)

        aggs = response.aggregations
        hits = [self._hit(hit, terms) for hit in response.hits]
        return SearchResult(
            hits=hits,
            total=total,
            page=page,
            last_page=last,
            categories={b.key: b.doc_count for b in aggs.categories.slugs.buckets if b.doc_count},
            bands={b.key: b.doc_count for b in aggs.bands.ranges.buckets},
            in_stock=aggs.stock.yes.doc_count,
            backend=self.name,
        )

    @staticmethod
    def _execute(s: Search, page: int, per_page: int) -> Any:
        start = (page - 1) * per_page
        with es_client.errors("search"):
            return s[start : start + per_page].execute()

    @staticmethod
    def _hit(hit: Any, terms: list[str]) -> Hit:
        highlight = getattr(hit.meta, "highlight", None)
        names = list(getattr(highlight, "name", []) or []) if highlight else []
        snippets = list(getattr(highlight, "description", []) or []) if highlight else []
        name = names[0] if names else mark_terms(hit.name, terms)
        text = snippets[0] if snippets else snippet(hit.description or "", terms)
        return Hit(pk=int(hit.pk), name_html=marked_html(name), snippet_html=marked_html(text))

    def suggest(self, text: str, *, limit: int) -> list[Suggestion]:
        terms = query_terms(text)
        if not terms:
            return []
        text = " ".join(terms)
        prefix = Q("multi_match", query=text, type="bool_prefix", fields=SUGGEST_FIELDS, operator="and")
        typo = Q("multi_match", query=text, fields=["name.plain", "category_name"], fuzziness=FUZZINESS, operator="and")
        q = Q("bool", should=[prefix, typo], minimum_should_match=1)
        s = self._search().query(q).source(["pk", "slug", "name"]).sort("_score", "-created_at")[:limit]
        with es_client.errors("suggest"):
            response = s.execute()
        return [Suggestion(pk=int(h.pk), slug=h.slug, name=h.name) for h in response.hits]

    def states(self, pks: Sequence[int]) -> dict[int, tuple[str, bool]]:
        if not pks:
            return {}
        with es_client.errors("states"):
            self._ensure_alias()
            response = es_client.client().mget(
                index=es_client.index_name(), ids=[str(pk) for pk in pks], source_includes=["signature", "in_stock"]
            )
        return {
            int(doc["_id"]): (doc["_source"].get("signature", ""), bool(doc["_source"].get("in_stock")))
            for doc in response["docs"]
            if doc.get("found")
        }

    def indexed_pks(self) -> Iterator[int]:
        after: list[Any] | None = None
        while True:
            body: dict[str, Any] = {"size": 1000, "sort": [{"pk": "asc"}], "_source": False}
            if after is not None:
                body["search_after"] = after
            with es_client.errors("indexed_pks"):
                self._ensure_alias()
                response = es_client.client().search(index=es_client.index_name(), **body)
            hits = response["hits"]["hits"]
            if not hits:
                return
            for hit in hits:
                yield int(hit["_id"])
            after = hits[-1]["sort"]

    # --- writes --------------------------------------------------------------------------
    def _ensure_alias(self) -> None:
        """Create the index behind the alias if there is none (first write on a new cluster)."""
        alias = es_client.index_name()
        if self._alias_ready == alias:
            return
        es = es_client.client()
        if not es.indices.exists_alias(name=alias):
            if es.indices.exists(index=alias):
                es.indices.delete(index=alias)  # a plain index squatting the alias name
            name = self._create_index()
            es.indices.update_aliases(actions=[{"add": {"index": name, "alias": alias}}])
        self._alias_ready = alias

    @staticmethod
    def _create_index() -> str:
        name = f"{es_client.index_name()}-{datetime.now(UTC):%Y%m%d%H%M%S%f}"
        index = Index(name, using=es_client.client())
        index.document(ProductDoc)
        index.create()
        return name

    def _bulk(self, actions: Iterable[dict[str, Any]], *, action: str) -> list[dict[str, Any]]:
        """Send bulk actions; return the failed items (missing documents on update, say)."""
        es = es_client.client().options(request_timeout=BULK_TIMEOUT)
        with es_client.errors(action):
            self._ensure_alias()
            _, failed = helpers.bulk(es, actions, raise_on_error=False, raise_on_exception=True, refresh=False)
        return failed if isinstance(failed, list) else []

    def index(self, documents: Sequence[ProductDocument]) -> None:
        alias = es_client.index_name()
        actions = ({"_index": alias, "_id": str(d.pk), "_source": _source(d)} for d in documents)
        failed = self._bulk(actions, action="index")
        if failed:
            raise SearchUnavailable(f"{len(failed)} documents were not indexed: {failed[0]}")

    def remove(self, pks: Iterable[int]) -> None:
        alias = es_client.index_name()
        actions = ({"_op_type": "delete", "_index": alias, "_id": str(pk)} for pk in sorted(set(pks)))
        failed = [f for f in self._bulk(actions, action="remove") if f.get("delete", {}).get("status") != 404]
        if failed:
            raise SearchUnavailable(f"{len(failed)} documents were not removed: {failed[0]}")

    def update_availability(self, availability: Mapping[int, bool]) -> None:
        alias = es_client.index_name()
        actions = (
            {"_op_type": "update", "_index": alias, "_id": str(pk), "doc": {"in_stock": value}}
            for pk, value in sorted(availability.items())
        )
        failed = self._bulk(actions, action="update_availability")
        missing = [int(f["update"]["_id"]) for f in failed if f.get("update", {}).get("status") == 404]
        if len(missing) != len(failed):
            raise SearchUnavailable(f"{len(failed) - len(missing)} availability updates failed")
        if missing:  # not indexed yet: index the whole document
            self.index(list(product_documents(missing)))

    def rebuild(self, documents: Iterable[ProductDocument], *, progress: Callable[[int], None]) -> int:
        es = es_client.client()
        alias = es_client.index_name()
        with es_client.errors("rebuild", wait_out_failures=False):
            name = self._create_index()
            count = 0
            try:
                for batch in batched(documents, size=500):
                    actions = [{"_index": name, "_id": str(d.pk), "_source": _source(d)} for d in batch]
                    helpers.bulk(es.options(request_timeout=BULK_TIMEOUT), actions, refresh=False)
                    count += len(batch)
                    progress(len(batch))
                es.indices.refresh(index=name)
            except Exception:
                es.options(ignore_status=404).indices.delete(index=name)  # leave no half-built index behind
                raise
            old = list(es.indices.get_alias(name=alias)) if es.indices.exists_alias(name=alias) else []
            if not old and es.indices.exists(index=alias):
                es.indices.delete(index=alias)
            swap = [{"remove": {"index": o, "alias": alias}} for o in old] + [{"add": {"index": name, "alias": alias}}]
            es.indices.update_aliases(actions=swap)
            for o in old:
                es.indices.delete(index=o)
        self._alias_ready = alias
        return count
