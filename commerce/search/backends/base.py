"""The interface every search backend implements, and the values that cross it."""

import abc
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.safestring import SafeString

from ..documents import ProductDocument

MAX_TERMS = 10


@dataclass(frozen=True)
class PriceBand:
    key: str
    label: str
    low: Decimal | None  # inclusive
    high: Decimal | None  # exclusive


PRICE_BANDS: tuple[PriceBand, ...] = (
    PriceBand("under-25", "Under 25", None, Decimal(25)),
    PriceBand("25-50", "25 to 50", Decimal(25), Decimal(50)),
    PriceBand("50-100", "50 to 100", Decimal(50), Decimal(100)),
    PriceBand("100-plus", "100 and over", Decimal(100), None),
)
BANDS_BY_KEY = {band.key: band for band in PRICE_BANDS}

SORTS: dict[str, str] = {
    "relevance": "Best match",
    "newest": "Newest",
    "price": "Price: low to high",
    "-price": "Price: high to low",
}


@dataclass(frozen=True)
class SearchQuery:
    """A validated search: every value here is known to be well formed."""

    text: str
    category: str | None = None  # a category slug
    band: PriceBand | None = None
    in_stock: bool = False
    sort: str = "relevance"
    page: int = 1
    per_page: int = 12

    @property
    def terms(self) -> list[str]:
        return query_terms(self.text)


@dataclass(frozen=True)
class Hit:
    pk: int
    name_html: SafeString
    snippet_html: SafeString


@dataclass
class SearchResult:
    """One page of hits, the facet counts of the whole match, and the page actually served."""

    hits: list[Hit]
    total: int
    page: int
    last_page: int
    categories: dict[str, int] = field(default_factory=dict)  # slug -> count
    bands: dict[str, int] = field(default_factory=dict)  # band key -> count
    in_stock: int = 0
    backend: str = ""


@dataclass(frozen=True)
class Suggestion:
    pk: int
    slug: str
    name: str


class SearchBackend(abc.ABC):
    """Search, facets and suggestions over an index of ProductDocuments, and the writes that keep it."""

    name: str

    @abc.abstractmethod
    def search(self, query: SearchQuery) -> SearchResult:
        """Hits for the query's page (the last page if it asked past the end), with facet counts.

        Each facet is counted with every other active filter applied but not its own, so a
        shopper sees how many results each choice would give.
        """

    @abc.abstractmethod
    def suggest(self, text: str, *, limit: int) -> list[Suggestion]:
        """Products whose name or category starts like, or nearly like, what was typed so far."""

    @abc.abstractmethod
    def index(self, documents: Sequence[ProductDocument]) -> None:
        """Add or replace these documents."""

    @abc.abstractmethod
    def remove(self, pks: Iterable[int]) -> None:
        """Remove these products (absent ones are fine)."""

    @abc.abstractmethod
    def update_availability(self, availability: Mapping[int, bool]) -> None:
        """Set only the in-stock flag of these products (the cheap update a sale makes)."""

    @abc.abstractmethod
    def rebuild(self, documents: Iterable[ProductDocument], *, progress: Callable[[int], None]) -> int:
        """Replace the whole index with these documents; searches see the old one until it is done."""

    @abc.abstractmethod
    def states(self, pks: Sequence[int]) -> dict[int, tuple[str, bool]]:
        """`{pk: (signature, in_stock)}` of the indexed ones among these products."""

    @abc.abstractmethod
    def indexed_pks(self) -> Iterator[int]:
        """Every product pk in the index."""


# Words that carry no meaning in a product search ("shoes for running"); dropped from queries.
STOPWORDS = frozenset(
    ["a", "an", "and", "are", "as", "at", "by", "for", "from", "in", "into", "is", "it", "of", "on", "or", "the"]
    + ["to", "with"]
)


def query_terms(text: str, *, limit: int | None = MAX_TERMS) -> list[str]:
    """The words of a query, lower-cased, without syntax characters or stopwords; at most `limit`."""
    words = [w for w in re.findall(r"[^\W_]+", text.lower()) if w not in STOPWORDS]
    return words[:limit] if limit is not None else words
