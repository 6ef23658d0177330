"""Reads of wishlists: a person's saved products, and the products shaped for the page (a guest's
list is read from the session by session.py)."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Max, Min, Prefetch, Q, Sum

from commerce.accounts.models import User
from commerce.catalog.models import Product, ProductImage, Variant

from .models import WishlistItem


def user_saved_pks(user: User) -> list[int]:
    """The products this person saved, newest first."""
    return list(
        WishlistItem.objects.filter(user=user).order_by("-created_at", "-pk").values_list("product_id", flat=True)
    )


def user_has_saved(user: User, product_pk: int) -> bool:
    return WishlistItem.objects.filter(user=user, product_id=product_pk).exists()


@dataclass(frozen=True)
class ProductState:
    """What a shopper sees of a product's price and stock: its active options' lowest price and total."""

    low: Decimal
    stock: int


def product_states(product_pks: list[int]) -> dict[int, ProductState]:
    """The state of each live product with an active option, by pk (hidden ones are left out)."""
    active = Q(variants__is_active=True)
    rows = (
        Product.objects.live()
        .filter(pk__in=product_pks)
        .annotate(low=Min("variants__price", filter=active), stock=Sum("variants__stock", filter=active, default=0))
        .filter(low__isnull=False)
        .values_list("pk", "low", "stock")
    )
    return {pk: ProductState(low=low, stock=stock) for pk, low, stock in rows}


def saved_products(product_pks: list[int]) -> list[Product]:
    """The live products among these, in this order, with their price range, stock total, active
    options and images (a product hidden since it was saved is not shown)."""
    active = Q(variants__is_active=True)
    products = (
        Product.objects.live()
        .filter(pk__in=product_pks)
        .annotate(
            min_price=Min("variants__price", filter=active),
            max_price=Max("variants__price", filter=active),
            total_stock=Sum("variants__stock", filter=active, default=0),
        )
        .filter(min_price__isnull=False)
        .prefetch_related(
            Prefetch("images", queryset=ProductImage.objects.order_by("position", "pk")),
            Prefetch("variants", queryset=Variant.objects.filter(is_active=True).order_by("position", "pk")),
        )
    )
    by_pk = {product.pk: product for product in products}
    return [by_pk[pk] for pk in product_pks if pk in by_pk]
