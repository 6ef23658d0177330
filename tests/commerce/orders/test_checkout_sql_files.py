"""The database checkout's SQL files: each installed by its migration, the newest one installed, and
every event they write of a kind Python knows (`OrderEvent.Kind`), so the two can't drift apart."""

import re
from pathlib import Path

import pytest
from django.db import connection

from commerce.orders.models import Order, OrderEvent

SQL_DIR = Path(__file__).resolve().parents[3] / "commerce" / "orders" / "sql"
MIGRATIONS = SQL_DIR.parent / "migrations"
FUNCTION = "commerce_checkout_place"

EVENT_INSERT = re.compile(r"INSERT\s+INTO\s+orders_orderevent\s*\((?P<columns>[^)]*)\)(?P<source>.*?);", re.S | re.I)
COMMENT = re.compile(r"--[^\n]*")
LITERAL = re.compile(r"'((?:[^']|'')*)'")


def sql_files() -> list[Path]:
    return sorted(SQL_DIR.glob("*.sql"))


def function_files() -> list[Path]:
    """The files that (re)define the checkout function, oldest first (named for their migrations)."""
    return [path for path in sql_files() if f"FUNCTION {FUNCTION}(" in path.read_text(encoding="utf-8")]


def split_top_level(text: str) -> list[str]:
    """`text` cut at the commas outside parentheses and quotes."""
    parts, depth, quoted, start = [], 0, False, 0
    for at, char in enumerate(text):
        if char == "'":
            quoted = not quoted
        elif not quoted and char in "()":
            depth += 1 if char == "(" else -1
        elif not quoted and depth == 0 and char == ",":
            parts.append(text[start:at].strip())
            start = at + 1
    parts.append(text[start:].strip())
    return parts


def inserted_rows(source: str) -> list[list[str]]:
    """The expressions of each row an INSERT's source gives: `VALUES (...), (...)` or `SELECT ... FROM`."""
    source = source.strip()
    if source.upper().startswith("VALUES"):
        rows = split_top_level(source[len("VALUES") :])
        return [split_top_level(row.strip().removeprefix("(").removesuffix(")")) for row in rows]
    select = re.match(r"SELECT\s+(?P<list>.*?)(\s+FROM\s|$)", source, re.S | re.I)
    assert select, f"an INSERT INTO orders_orderevent this test cannot read: {source[:80]!r}"
    return [split_top_level(select["list"])]


def event_columns(sql: str) -> list[dict[str, str]]:
    """Each event row the SQL inserts, as {column: expression}."""
    rows = []
    for insert in EVENT_INSERT.finditer(COMMENT.sub("", sql)):
        columns = [column.strip() for column in insert["columns"].split(",")]
        rows.extend(dict(zip(columns, row, strict=True)) for row in inserted_rows(insert["source"]))
    return rows


def literal(expression: str) -> str:
    match = LITERAL.fullmatch(expression)
    assert match, f"write it as a literal, so that this test can check it: {expression}"
    return match[1].replace("''", "'")


@pytest.mark.parametrize("path", sql_files(), ids=lambda path: path.name)
def test_every_event_the_sql_writes_is_of_a_kind_python_knows(path):
    events = event_columns(path.read_text(encoding="utf-8"))

    for event in events:
        assert literal(event["kind"]) in OrderEvent.Kind.values
        for status in ("from_status", "to_status"):
            assert literal(event[status]) in [*Order.Status.values, ""]


def test_the_function_writes_the_placed_event():
    """The parser above reads what the newest function writes (a guard against it finding nothing)."""
    events = event_columns(function_files()[-1].read_text(encoding="utf-8"))

    assert [(literal(event["kind"]), literal(event["to_status"])) for event in events] == [
        (OrderEvent.Kind.PLACED, Order.Status.PENDING_PAYMENT)
    ]


@pytest.mark.parametrize("path", sql_files(), ids=lambda path: path.name)
def test_each_file_is_run_by_the_migration_named_for_it(path):
    migration = MIGRATIONS / f"{path.stem}.py"

    assert migration.exists()
    assert f'"{path.name}"' in migration.read_text(encoding="utf-8")


@pytest.mark.django_db
def test_the_database_runs_the_newest_function():
    """A new file without its migration (or a migration reading an older file) fails here."""
    newest = function_files()[-1].read_text(encoding="utf-8")
    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = %s", [FUNCTION])
        installed = [row[0] for row in cursor.fetchall()]

    assert installed == [newest.split("$$")[1]]
