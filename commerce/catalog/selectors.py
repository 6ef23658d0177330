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


def category_list() -> list[Category]:
    """Categories with at least one live product in them or under them, in tree order (each after its
    parent, siblings by position and name), each with `depth` (0 at the top) and `indent` (the depth,
    at most 3) for the filters."""
    categories: list[Category] = list(
        Category.objects.annotate(
            live_products=Count("products", filter=Q(products__deleted_at__isnull=True, products__is_published=True))
        ).order_by("position", "name", "pk")  # Meta.ordering is not applied to a grouped query
    )
    children = _children(categories)
    shown: list[Category] = []

    def walk(parent: int | None, depth: int, seen: frozenset[int]) -> int:
        total = 0
        for category in children.get(parent, []):
            if category.pk in seen:  # a loop in the data (the admin refuses them): shown once
                continue
            at = len(shown)
            shown.append(category)
            category.depth = depth  # type: ignore[attr-defined]
            category.indent = min(depth, 3)  # type: ignore[attr-defined]
            below = walk(category.pk, depth + 1, seen | {category.pk})
            mine = category.live_products + below  # type: ignore[attr-defined]
            if not mine:
                del shown[at:]
            total += mine
        return total

    walk(None, 0, frozenset())
    return shown


def _children(categories: list[Category]) -> dict[int | None, list[Category]]:
    children: dict[int | None, list[Category]] = {}
    for category in categories:  # already in display order
        children.setdefault(category.parent_id, []).append(category)
    return children


def category_children_shown(shown: list[Category], category: Category) -> list[Category]:
    """The subcategories of `category` that `category_list()` shows (those with live products)."""
    return [c for c in shown if c.parent_id == category.pk]


def category_path(category: Category) -> list[Category]:
    """The category's ancestors from the top, then the category itself (the breadcrumbs)."""
    by_pk = {c.pk: c for c in Category.objects.all()}
    path = [category]
    parent = category.parent_id
    while parent is not None and parent in by_pk and by_pk[parent] not in path:
        path.insert(0, by_pk[parent])
        parent = by_pk[parent].parent_id
    return path


def category_subtree(category: Category) -> list[int]:
    """The pks of the category and of every category under it, at any depth."""
    children: dict[int | None, list[int]] = {}
    for pk, parent in Category.objects.values_list("pk", "parent_id"):
        children.setdefault(parent, []).append(pk)
    found, todo = [category.pk], [category.pk]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.append(child)
                todo.append(child)
    return found


def listing_query_parse(*, category_slug: str | None, sort: str | None) -> ListingQuery:
    """Turn query parameters into a listing query; an unknown category is a 404, an unknown sort the default."""
    category = get_object_or_404(Category, slug=category_slug) if category_slug else None
    return ListingQuery(category=category, sort=sort if sort in SORTS else DEFAULT_SORT)


def product_listing(query: ListingQuery) -> QuerySet[Product]:
    """Live products (of the query's category and the categories under it) with a price from their active
    variants, their stock total and their first image."""
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
        products = products.filter(category__in=category_subtree(query.category))
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
