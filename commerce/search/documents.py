"""What the search index holds for one product, read from the catalog (the truth)."""

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from commerce.catalog.models import Product, Variant

BATCH_SIZE = 1000


@dataclass(frozen=True)
class ProductDocument:
    """One searchable product: live, published, with at least one active variant."""

    pk: int
    slug: str
    name: str
    description: str
    category_id: int
    category_slug: str
    category_name: str
    skus: tuple[str, ...]
    min_price: Decimal
    in_stock: bool
    created_at: datetime

    @property
    def title(self) -> str:
        """The short text typos are matched against: name and category (SKUs are codes, matched exactly)."""
        return f"{self.name} {self.category_name}"

    @property
    def signature(self) -> str:
        """A hash of the indexed content, availability excluded (it changes on every sale and is compared apart)."""
        content = [
            self.slug,
            self.name,
            self.description,
            self.category_slug,
            self.category_name,
            list(self.skus),
            str(self.min_price),
            self.created_at.isoformat(),
        ]
        return hashlib.md5(json.dumps(content).encode(), usedforsecurity=False).hexdigest()


def searchable_products() -> QuerySet[Product]:
    """Products the search may show: those the catalog lists (live, with an active variant)."""
    active = Variant.objects.filter(product=OuterRef("pk"), is_active=True)
    return Product.objects.live().filter(Exists(active))


def _documents(products: QuerySet[Product]) -> Iterator[ProductDocument]:
    variants = Variant.objects.filter(is_active=True).only("pk", "product_id", "sku", "price", "stock").order_by("pk")
    rows = (
        products.select_related("category")
        .only("pk", "slug", "name", "description", "created_at", "category__slug", "category__name")
        .prefetch_related(Prefetch("variants", queryset=variants))
        .order_by("pk")
    )
    for product in rows.iterator(chunk_size=BATCH_SIZE):
        active = list(product.variants.all())
        if not active:
            continue
        yield ProductDocument(
            pk=product.pk,
            slug=product.slug,
            name=product.name,
            description=product.description,
            category_id=product.category_id,
            category_slug=product.category.slug,
            category_name=product.category.name,
            skus=tuple(v.sku for v in active),
            min_price=min(v.price for v in active),
            in_stock=any(v.stock > 0 for v in active),
            created_at=product.created_at,
        )


def product_documents(product_pks: Iterable[int] | None = None) -> Iterator[ProductDocument]:
    """Documents for these products (all searchable products if None), in pk order; the others are skipped."""
    products = searchable_products()
    if product_pks is not None:
        products = products.filter(pk__in=sorted(set(product_pks)))
    return _documents(products)


def batched(documents: Iterable[ProductDocument], size: int = BATCH_SIZE) -> Iterator[list[ProductDocument]]:
    batch: list[ProductDocument] = []
    for document in documents:
        batch.append(document)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def product_availability(*, variant_pks: Iterable[int]) -> dict[int, bool]:
    """`{product_pk: has stock}` for the searchable products of these variants."""
    product_pks = set(Variant.objects.filter(pk__in=sorted(set(variant_pks))).values_list("product_id", flat=True))
    in_stock = Variant.objects.filter(product=OuterRef("pk"), is_active=True, stock__gt=0)
    rows = (
        searchable_products()
        .filter(pk__in=sorted(product_pks))
        .annotate(available=Exists(in_stock))
        .values_list("pk", "available")
    )
    return dict(rows)
