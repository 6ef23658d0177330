"""The interface every search backend implements, and the values that cross it."""

import abc
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from ..documents import ProductDocument

MAX_TERMS = 10
# Highlight markers: printable (some engines strip control characters), unlikely in product text,
# and left alone by HTML escaping, so that fragments are escaped first and marked up after.
MARK_START, MARK_END = "\u27e6", "\u27e7"


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


def marked_html(fragment: str) -> SafeString:
    """HTML for a fragment with highlight markers: escape everything, then turn the markers into <mark>."""
    html = escape(fragment).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
    return mark_safe(html)  # noqa: S308 - escaped above; only our own tags added


def _matches(word: str, terms: Sequence[str]) -> bool:
    word = word.lower()
    for term in terms:
        if len(term) < 2:
            continue
        if word.startswith(term) or (len(word) >= 3 and term.startswith(word)):
            return True  # a prefix typed so far, or a plural ("shoes" finds "shoe")
        if len(term) >= 4 and _close(word, term):
            return True
    return False


def _close(word: str, term: str) -> bool:
    """One edit apart, or a one-edit typo of the word's start ("runing" in "running")."""
    for candidate in (word, word[: len(term) + 1], word[: len(term)]):
        if _edit_distance_at_most_one(candidate, term):
            return True
    return False


def _edit_distance_at_most_one(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = j = edits = 0
    while i < len(a) and j < len(b):
        if a[i] == b[j]:
            i += 1
            j += 1
            continue
        edits += 1
        if edits > 1:
            return False
        if len(a) == len(b):
            i += 1
        j += 1
    return edits + (len(b) - j) + (len(a) - i) <= 1


def mark_terms(text: str, terms: Sequence[str]) -> str:
    """The text with highlight markers around the words that match a term (prefixes and one-letter typos too)."""
    return re.sub(r"[^\W_]+", lambda m: f"{MARK_START}{m[0]}{MARK_END}" if _matches(m[0], terms) else m[0], text)


def snippet(text: str, terms: Sequence[str], *, length: int = 160) -> str:
    """About `length` characters of the text around its first matching word, marked."""
    text = " ".join(text.split())
    if len(text) <= length:
        return mark_terms(text, terms)
    start = 0
    for match in re.finditer(r"[^\W_]+", text):
        if _matches(match[0], terms):
            start = max(0, match.start() - length // 4)
            break
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 20 else start
    end = start + length
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    piece = mark_terms(text[start:end], terms)
    return f"{'…' if start else ''}{piece}{'…' if end < len(text) else ''}"
