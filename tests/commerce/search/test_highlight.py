"""Highlighting, from text and terms alone: which words are marked, and the HTML made of them."""

from commerce.search.highlight import MARK_END, MARK_START, mark_terms, marked_html, snippet


def marks(text: str) -> str:
    return text.replace(MARK_START, "[").replace(MARK_END, "]")


def test_prefixes_plurals_and_one_letter_typos_are_marked():
    text = "Trail running shoes, shoe bag and a runner's cap"

    # "runing" is one letter from the start of "running", three from "runner".
    assert marks(mark_terms(text, ["runing", "shoe"])) == "Trail [running] [shoes], [shoe] bag and a runner's cap"


def test_one_letter_terms_mark_nothing():
    assert mark_terms("a b c", ["a"]) == "a b c"


def test_html_is_escaped_before_the_marks_become_tags():
    html = marked_html(mark_terms("<b>Shoe</b> & co", ["shoe"]))

    assert html == "&lt;b&gt;<mark>Shoe</mark>&lt;/b&gt; &amp; co"


def test_a_snippet_starts_near_the_first_match_on_a_word_boundary():
    text = " ".join(["filler"] * 40) + " waterproof boots " + " ".join(["tail"] * 40)

    piece = marks(snippet(text, ["boots"], length=60))

    assert piece == "…waterproof [boots] tail tail tail tail tail tail tail tail…"
