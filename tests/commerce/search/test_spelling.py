"""The spelling pass the database backend uses for typos, on both engines the same code."""

import pytest

from commerce.search.backends.spelling import (
    deletion_keys,
    one_edit_apart,
    spelling_alternatives,
    spelling_forget,
    spelling_learn,
)
from commerce.search.models import SearchSpelling


@pytest.mark.parametrize(
    ("typed", "word", "expected"),
    [
        ("habour", "harbour", True),  # a letter dropped
        ("harbourr", "harbour", True),  # added
        ("hrabour", "harbour", True),  # two neighbours swapped
        ("harbouy", "harbour", True),  # the last one swapped
        ("harboux", "harbour", True),  # changed
        ("harbour", "harbour", False),  # no typo at all
        ("hbraour", "harbour", False),  # two letters moved
        ("habor", "harbour", False),  # two dropped
        ("harbxux", "harbour", False),  # two changed
    ],
)
def test_one_edit_apart(typed: str, word: str, expected: bool) -> None:
    assert one_edit_apart(typed, word) is expected
    assert one_edit_apart(word, typed) is expected


def test_deletion_keys() -> None:
    assert deletion_keys("tees") == {"tees", "ees", "tes", "tee"}


@pytest.fixture
def words(db):  # type: ignore[no-untyped-def]
    spelling_forget()
    assert spelling_learn(["Harbour Tee", "T-shirts", "A soft navy cotton tee, 100% harbour-made."]) == 7
    return SearchSpelling.objects


def test_learning_twice_adds_nothing(words) -> None:  # type: ignore[no-untyped-def]
    learned = ["harbour", "tee", "shirts", "soft", "navy", "cotton", "made"]  # not "a", "t" or "100"

    assert spelling_learn(["Harbour Tee", "navy"]) == 0
    assert words.count() == sum(len(deletion_keys(word)) for word in learned)
    assert sorted(words.filter(key="tee").values_list("word", flat=True)) == ["tee"]
    assert sorted(words.filter(key="harbour").values_list("word", flat=True)) == ["harbour"]


def test_alternatives(words) -> None:  # type: ignore[no-untyped-def]
    assert spelling_alternatives(["habour", "tees", "navy", "tea", "jarbour", "harb0ur", "cotonn"]) == [
        ["habour", "harbour"],  # not a word of the index: the words one edit away
        ["tees", "tee"],
        ["navy"],  # an indexed word is taken as meant
        ["tea"],  # under four letters: no guess
        ["jarbour"],  # the first letter is taken as typed
        ["harb0ur"],  # not letters only
        ["cotonn"],  # two edits away
    ]
