"""Reads of the catalog, shaped for the pages that show them."""

from dataclasses import dataclass

from django.db.models import Count, Min, Prefetch, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404

from .models import Category, Product, ProductImage, Variant

SORTS: dict[str, tuple[str, list[str]]] = {
    "newest": ("Newest", ["-created_at", "-pk"]),
    "price": ("Price: low to high", ["min_price", "pk"]),
    "-price": ("Price: high to low", ["-min_price", "-pk"]),
    "name": ("Name", ["name", "pk"]),
}
DEFAULT_SORT = "newest"


@dataclass(frozen=True)
class ListingQuery:
    category: Category | None
    sort: str


def category_list() -> QuerySet[Category]:
    """Categories that have at least one live product, in display order."""
    return Category.objects.annotate(
        live_products=Count("products", filter=Q(products__deleted_at__isnull=True, products__is_published=True))
    ).filter(live_products__gt=0)


def listing_query_parse(*, category_slug: str | None, sort: str | None) -> ListingQuery:
    """Turn query parameters into a listing query; an unknown category is a 404, an unknown sort the default."""
    category = get_object_or_404(Category, slug=category_slug) if category_slug else None
    return ListingQuery(category=category, sort=sort if sort in SORTS else DEFAULT_SORT)


def product_listing(query: ListingQuery) -> QuerySet[Product]:
    """Live products with a price from their active variants, their stock total and their first image."""
    active = Q(variants__is_active=True)
    products = (
        Product.objects.live()
        .select_related("category")
        .annotate(
            min_price=Min("variants__price", filter=active),
            total_stock=Sum("variants__stock", filter=active, default=0),
        )
        .filter(min_price__isnull=False)
        .prefetch_related(
            Prefetch("images", queryset=ProductImage.objects.order_by("position", "pk")),
            Prefetch("variants", queryset=Variant.objects.filter(is_active=True).order_by("position", "pk")),
        )
    )
    if query.category is not None:
        products = products.filter(category=query.category)
    return products.order_by(*SORTS[query.sort][1])


def product_detail(*, slug: str) -> Product:
    """A live product with its active variants and images, or 404."""
    return get_object_or_404(
        Product.objects.live()
        .select_related("category")
        .prefetch_related(
            Prefetch("variants", queryset=Variant.objects.filter(is_active=True).order_by("position", "pk")),
            "images",
        ),
        slug=slug,
    )


def variant_for_sale(*, pk: int) -> Variant | None:
    """An active variant of a live product, or None."""
    return (
        Variant.objects.select_related("product")
        .filter(pk=pk, is_active=True, product__deleted_at__isnull=True, product__is_published=True)
        .first()
    )
