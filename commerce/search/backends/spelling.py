"""Typo tolerance for the database backend: a spelling pass over the index's own words.

Each word of the indexed names, categories and descriptions is kept with its deletion keys: the
word itself and the word with one letter left out. Two words one edit apart (a letter dropped,
added or changed, or two neighbours swapped) always share a key, so a query word the index lacks
finds its near words with one indexed lookup, on PostgreSQL and SQLite alike; an exact check then
keeps those one edit away that start with the same letter (as Elasticsearch's `prefix_length=1`).

The word list only grows between rebuilds: a word left by a removed product costs a search one
more alternative that finds nothing. `search_index --rebuild` starts it afresh.
"""

import re
from collections.abc import Iterable, Sequence

from django.db import transaction

from ..models import SearchSpelling

MIN_TYPO_LENGTH = 4  # shorter query words must be spelled right (Elasticsearch: fuzziness AUTO:4,7)
MAX_WORD_LENGTH = 30  # longer runs of letters are codes or noise
MAX_ALTERNATIVES = 8
LOOKUP_CHUNK = 500  # values per IN (...): well under SQLite's limit on bound parameters

_WORD = re.compile(r"[^\W\d_]+")


def deletion_keys(word: str) -> set[str]:
    """The word and every string made by leaving one of its letters out."""
    return {word} | {word[:i] + word[i + 1 :] for i in range(len(word))}


def one_edit_apart(a: str, b: str) -> bool:
    """Whether b is a with one letter dropped, added or changed, or two neighbours swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    start = 0
    while start < len(a) and a[start] == b[start]:
        start += 1
    if len(a) < len(b):  # one letter added
        return a[start:] == b[start + 1 :]
    if a[start + 1 :] == b[start + 1 :]:  # one changed
        return True
    return a[start : start + 2] == b[start : start + 2][::-1] and a[start + 2 :] == b[start + 2 :]  # swapped


def indexed_words(texts: Iterable[str]) -> set[str]:
    """The words of these texts a typo may be corrected to: lower-cased runs of three or more letters."""
    return {
        word
        for text in texts
        for word in _WORD.findall(text.lower())
        if MIN_TYPO_LENGTH - 1 <= len(word) <= MAX_WORD_LENGTH
    }


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), LOOKUP_CHUNK):
        yield values[start : start + LOOKUP_CHUNK]


def spelling_learn(texts: Iterable[str]) -> int:
    """Add the words of these texts that are new, with their keys; return how many were new.

    Safe beside another writer: rows are unique and a conflicting one is skipped.
    """
    words = sorted(indexed_words(texts))
    known: set[str] = set()
    for chunk in _chunks(words):
        rows = SearchSpelling.objects.filter(key__in=chunk, word__in=chunk).values_list("key", "word")
        known.update(word for key, word in rows if key == word)
    new = [word for word in words if word not in known]
    # Sorted, so that two writers insert in the same order and never deadlock on PostgreSQL.
    pairs = sorted((key, word) for word in new for key in deletion_keys(word))
    with transaction.atomic():  # a word's keys all at once: a word with its own key is complete
        SearchSpelling.objects.bulk_create(
            [SearchSpelling(key=key, word=word) for key, word in pairs], ignore_conflicts=True, batch_size=1000
        )
    return len(new)


def spelling_forget() -> None:
    SearchSpelling.objects.all().delete()


def _correctable(term: str) -> bool:
    return MIN_TYPO_LENGTH <= len(term) <= MAX_WORD_LENGTH + 1 and _WORD.fullmatch(term) is not None


def spelling_alternatives(terms: Sequence[str]) -> list[list[str]]:
    """For each query word, the words to search for: the word itself, and when the index does not
    have it, up to MAX_ALTERNATIVES of the index's words one edit away ("habour": "harbour").
    """
    keys = sorted({key for term in terms if _correctable(term) for key in deletion_keys(term)})
    near: dict[str, set[str]] = {}
    for chunk in _chunks(keys):
        for key, word in SearchSpelling.objects.filter(key__in=chunk).values_list("key", "word"):
            near.setdefault(key, set()).add(word)
    alternatives = []
    for term in terms:
        if not _correctable(term) or term in near.get(term, ()):
            alternatives.append([term])  # spelled as the index has it (or too short to guess)
            continue
        found = {word for key in deletion_keys(term) for word in near.get(key, ())}
        close = sorted(word for word in found if word[0] == term[0] and one_edit_apart(term, word))
        alternatives.append([term, *close[:MAX_ALTERNATIVES]])
    return alternatives
