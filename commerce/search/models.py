from django.contrib.postgres.search import SearchVectorField
from django.db import models

from commerce.catalog.models import Category, Product


class SearchDocument(models.Model):
    """One live, buyable product as the database backend searches it: kept in sync after commit.

    A denormalized row, so that one GIN index covers the product's name, category, SKUs and
    description. `search_vector` is filled on PostgreSQL only (migration 0001 adds its GIN
    index and the trigram index on `title`, both PostgreSQL-only); SQLite matches `title` and
    `body` plainly.
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
