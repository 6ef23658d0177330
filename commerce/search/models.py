from typing import Any

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.sql.compiler import SQLCompiler

from commerce.catalog.models import Category, Product


class SearchDocument(models.Model):
    """One live, buyable product as the database backend searches it: kept in sync after commit.

    A denormalized row, so that one full-text index covers the product's name, category, SKUs and
    description. On PostgreSQL `search_vector` holds it (migration 0001 adds its GIN index and the
    trigram index on `title`); on SQLite it is left empty and the FTS5 tables of migration 0002
    (`SearchFts`, `SearchFtsPrefix`) index the row, kept in step by triggers.
    """

    product = models.OneToOneField(Product, on_delete=models.CASCADE, primary_key=True, related_name="+")
    name = models.CharField(max_length=200)
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")
    category_name = models.CharField(max_length=100)
    skus = models.TextField(help_text="The active variants' SKUs, space separated.")
    title = models.TextField(help_text="Name and category name: the short text typos are matched against.")
    body = models.TextField(blank=True, help_text="The description.")
    min_price = models.DecimalField(max_digits=10, decimal_places=2)
    in_stock = models.BooleanField()
    created_at = models.DateTimeField()
    signature = models.CharField(max_length=32, help_text="Hash of the indexed content (not availability).")
    search_vector = SearchVectorField(null=True, editable=False)
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["-created_at", "-product"], name="search_doc_newest"),
            models.Index(fields=["min_price"], name="search_doc_price"),
            models.Index(fields=["category", "in_stock"], name="search_doc_facets"),
        ]

    def __str__(self) -> str:
        return self.name


class SearchSpelling(models.Model):
    """A word of the index under one of its deletion keys (backends/spelling.py): how a query word
    one letter off finds the word it meant."""

    key = models.CharField(max_length=40)
    word = models.CharField(max_length=40)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "word"], name="search_spelling_key_word")]

    def __str__(self) -> str:
        return f"{self.key} -> {self.word}"


class Fts5Column(models.TextField[str, str]):
    """The hidden column an FTS5 table has under its own name: `filter(<relation>__text__match=...)`."""


@Fts5Column.register_lookup
class Fts5Match(models.Lookup[str]):
    """`<table> MATCH <expression>`: the rows of an FTS5 table that the full-text expression finds."""

    lookup_name = "match"

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} MATCH {rhs}", [*lhs_params, *rhs_params]


class SearchFts(models.Model):
    """SQLite only: the FTS5 index of SearchDocument (name, SKUs, category, description) with the
    porter stemmer, so that "tees" finds "Harbour Tee". Migration 0002 creates it and the triggers
    that keep it in step with search_searchdocument; `rank` is bm25, weighted like the PostgreSQL
    vector (lower is better)."""

    document = models.OneToOneField(
        SearchDocument, on_delete=models.DO_NOTHING, primary_key=True, db_column="rowid", related_name="fts"
    )
    text = Fts5Column(db_column="search_fts")
    rank = models.FloatField()

    class Meta:
        managed = False
        db_table = "search_fts"

    def __str__(self) -> str:
        return f"full text of {self.document_id}"


class SearchFtsPrefix(models.Model):
    """SQLite only: name and category words unstemmed, with prefix indexes, for suggestions as you type."""

    document = models.OneToOneField(
        SearchDocument, on_delete=models.DO_NOTHING, primary_key=True, db_column="rowid", related_name="fts_prefix"
    )
    text = Fts5Column(db_column="search_fts_prefix")

    class Meta:
        managed = False
        db_table = "search_fts_prefix"

    def __str__(self) -> str:
        return f"name words of {self.document_id}"
