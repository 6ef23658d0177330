"""Highlighting: the words of a text that match a search's terms, marked, then made safe HTML.

Backends mark matches with MARK_START and MARK_END (Elasticsearch's own highlighter takes them as
its tags); `marked_html` escapes the text and only then turns the markers into <mark>.
"""

import re
from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Highlight markers: printable (some engines strip control characters), unlikely in product text,
# and left alone by HTML escaping, so that fragments are escaped first and marked up after.
MARK_START, MARK_END = "\u27e6", "\u27e7"


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
