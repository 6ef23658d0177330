"""Typo tolerance on both engines (SearchSpelling), and SQLite's full-text index (FTS5).

On SQLite (the embedded mode) two FTS5 tables index search_searchdocument as external content:
`search_fts` with the porter stemmer (word forms: "tees" finds "Harbour Tee"), and
`search_fts_prefix` unstemmed with prefix indexes (suggestions as you type). Triggers keep both in
step with every insert, update and delete of the documents. PostgreSQL gets neither: its GIN indexes
(0001) are unchanged; the SearchFts models are unmanaged, so that one model state serves both.

A later migration that makes Django remake search_searchdocument on SQLite (some AlterFields do:
new table, copy, drop, rename) drops these triggers with the old table: recreate them after it
with `create_sqlite_fts`.
"""

import django.db.models.deletion
from django.db import migrations, models

import commerce.search.models

FTS_COLUMNS = "name, skus, category_name, body"
PREFIX_COLUMNS = "name, category_name"


def _values(prefix: str, columns: str) -> str:
    return ", ".join(f"{prefix}.{column.strip()}" for column in columns.split(","))


def _sync(table: str, columns: str) -> dict[str, list[str]]:
    """The statements each trigger runs for one FTS5 table (external content: delete with the old values)."""
    insert = f"INSERT INTO {table}(rowid, {columns}) VALUES (new.product_id, {_values('new', columns)});"
    delete = (
        f"INSERT INTO {table}({table}, rowid, {columns}) VALUES ('delete', old.product_id, {_values('old', columns)});"
    )
    return {"insert": [insert], "delete": [delete], "update": [delete, insert]}


SQLITE_FTS = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5("
    f"{FTS_COLUMNS}, content='search_searchdocument', content_rowid='product_id', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    # bm25 weighted like PostgreSQL's vector: name and SKUs (A) 1.0, category (B) 0.4, description (C) 0.2.
    "INSERT INTO search_fts(search_fts, rank) VALUES ('rank', 'bm25(10.0, 10.0, 4.0, 2.0)')",
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts_prefix USING fts5("
    f"{PREFIX_COLUMNS}, content='search_searchdocument', content_rowid='product_id', "
    "tokenize='unicode61 remove_diacritics 2', prefix='2 3')",
]
TRIGGERS = {
    "insert": "AFTER INSERT ON search_searchdocument",
    "delete": "AFTER DELETE ON search_searchdocument",
    # Only a change of indexed text: a sale flips in_stock without touching the full-text index.
    "update": f"AFTER UPDATE OF {FTS_COLUMNS} ON search_searchdocument",
}


def create_sqlite_fts(schema_editor) -> None:  # type: ignore[no-untyped-def]
    """Create the FTS5 tables and their triggers, and index the documents already there."""
    for statement in SQLITE_FTS:
        schema_editor.execute(statement)
    syncs = [_sync("search_fts", FTS_COLUMNS), _sync("search_fts_prefix", PREFIX_COLUMNS)]
    for event, when in TRIGGERS.items():
        body = " ".join(statement for sync in syncs for statement in sync[event])
        schema_editor.execute(f"DROP TRIGGER IF EXISTS search_fts_{event}")
        schema_editor.execute(f"CREATE TRIGGER search_fts_{event} {when} BEGIN {body} END")
    schema_editor.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
    schema_editor.execute("INSERT INTO search_fts_prefix(search_fts_prefix) VALUES ('rebuild')")


def forwards(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "sqlite":
        create_sqlite_fts(schema_editor)


def backwards(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "sqlite":
        for event in TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS search_fts_{event}")
        schema_editor.execute("DROP TABLE IF EXISTS search_fts_prefix")
        schema_editor.execute("DROP TABLE IF EXISTS search_fts")


def learn_words(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    """Fill the spelling table from the documents already indexed, so typos work without a rebuild."""
    from commerce.search.backends.spelling import deletion_keys, indexed_words

    documents = apps.get_model("search", "SearchDocument").objects.using(schema_editor.connection.alias)
    spelling = apps.get_model("search", "SearchSpelling").objects.using(schema_editor.connection.alias)
    words = indexed_words(
        text for row in documents.values_list("name", "category_name", "body").iterator() for text in row
    )
    rows = sorted((key, word) for word in words for key in deletion_keys(word))
    spelling.bulk_create([spelling.model(key=key, word=word) for key, word in rows], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchSpelling",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.CharField(max_length=40)),
                ("word", models.CharField(max_length=40)),
            ],
            options={
                "constraints": [models.UniqueConstraint(fields=("key", "word"), name="search_spelling_key_word")],
            },
        ),
        migrations.CreateModel(
            name="SearchFts",
            fields=[
                (
                    "document",
                    models.OneToOneField(
                        db_column="rowid",
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="fts",
                        serialize=False,
                        to="search.searchdocument",
                    ),
                ),
                ("text", commerce.search.models.Fts5Column(db_column="search_fts")),
                ("rank", models.FloatField()),
            ],
            options={"db_table": "search_fts", "managed": False},
        ),
        migrations.CreateModel(
            name="SearchFtsPrefix",
            fields=[
                (
                    "document",
                    models.OneToOneField(
                        db_column="rowid",
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="fts_prefix",
                        serialize=False,
                        to="search.searchdocument",
                    ),
                ),
                ("text", commerce.search.models.Fts5Column(db_column="search_fts_prefix")),
            ],
            options={"db_table": "search_fts_prefix", "managed": False},
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RunPython(learn_words, migrations.RunPython.noop),
    ]
