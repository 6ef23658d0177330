"""SQLite FTS5 query expressions for the database backend in the embedded mode.

Each query word becomes a quoted FTS5 string, so nothing a shopper types is read as FTS5 syntax
(quotes, `*`, `:`, NEAR, AND/OR/NOT, parentheses); a word's alternatives (spelling.py) are OR-ed,
and the words AND-ed.
"""

from collections.abc import Sequence


def _quoted(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def match_expression(alternatives: Sequence[Sequence[str]]) -> str:
    """Every word (or one of its alternatives) somewhere in the row: `("habour" OR "harbour") AND "tee"`."""
    return " AND ".join("(" + " OR ".join(_quoted(word) for word in words) + ")" for words in alternatives)


def prefix_expression(alternatives: Sequence[Sequence[str]]) -> str:
    """Every word (or one of its alternatives) starting some word of the row: `"walking"* AND "bo"*`."""
    return " AND ".join("(" + " OR ".join(_quoted(word) + "*" for word in words) + ")" for words in alternatives)
