"""Reads of carts: whose cart is whose, and what it holds."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch

from commerce.accounts.models import User
from commerce.catalog.models import ProductImage

from .models import Cart, CartLine


def cart_of(*, user: User | None, guest_cart_pk: int | None) -> Cart | None:
    """The cart this person may see: the user's, or a guest's the one their session created (`guest_cart_pk`)."""
    if user is not None:
        return Cart.objects.filter(user=user).first()
    if not guest_cart_pk:
        return None
    return Cart.objects.filter(pk=guest_cart_pk, user__isnull=True).first()


@dataclass(frozen=True)
class LineView:
    line: CartLine
    unit_price: Decimal
    total: Decimal
    available: int
    unavailable: bool  # variant or product withdrawn since it was added
    exceeds_stock: bool

    @property
    def variant(self):  # type: ignore[no-untyped-def]
        return self.line.variant

    @property
    def image(self) -> ProductImage | None:
        images = list(self.line.variant.product.images.all())
        return images[0] if images else None


@dataclass(frozen=True)
class CartSummary:
    cart: Cart | None
    lines: list[LineView]
    count: int
    subtotal: Decimal

    @property
    def is_empty(self) -> bool:
        return not self.lines

    @property
    def has_problems(self) -> bool:
        return any(lv.exceeds_stock or lv.unavailable for lv in self.lines)


def cart_summary(cart: Cart | None, *, images: bool = True) -> CartSummary:
    """Lines with prices from the database, totals, and a flag on lines that exceed stock.

    `images=False` leaves the products' images out (one query less, for the header's mini cart,
    which shows none; a line's `image` would then be read on its own)."""
    if cart is None:
        return CartSummary(cart=None, lines=[], count=0, subtotal=Decimal("0.00"))
    lines = CartLine.objects.filter(cart=cart).select_related("variant__product").order_by("added_at", "pk")
    if images:
        lines = lines.prefetch_related(
            Prefetch("variant__product__images", queryset=ProductImage.objects.order_by("position", "pk"))
        )
    return _summary(cart, list(lines))


def owned_cart_summary(*, user: User | None, guest_cart_pk: int | None) -> CartSummary:
    """`cart_summary` of the cart `cart_of` finds, without images (the header's read on every page).

    A guest's session names a cart only once it has had lines: its lines come with the cart in one
    query (the cart on its own after when it has none left). A signed-in person often has no cart
    or an empty one: the cart is read first, as `cart_of` does."""
    if user is not None or not guest_cart_pk:
        return cart_summary(cart_of(user=user, guest_cart_pk=guest_cart_pk), images=False)
    lines = CartLine.objects.filter(cart_id=guest_cart_pk, cart__user__isnull=True)
    found = list(lines.select_related("cart", "variant__product").order_by("added_at", "pk"))
    if not found:
        return cart_summary(cart_of(user=None, guest_cart_pk=guest_cart_pk), images=False)
    return _summary(found[0].cart, found)


def _summary(cart: Cart, lines: list[CartLine]) -> CartSummary:
    views = []
    for line in lines:
        variant = line.variant
        product = variant.product
        unavailable = not variant.is_active or product.deleted_at is not None or not product.is_published
        views.append(
            LineView(
                line=line,
                unit_price=variant.price,
                total=variant.price * line.quantity,
                available=variant.stock,
                unavailable=unavailable,
                exceeds_stock=line.quantity > variant.stock,
            )
        )
    return CartSummary(
        cart=cart,
        lines=views,
        count=sum(lv.line.quantity for lv in views),
        subtotal=sum((lv.total for lv in views), Decimal("0.00")),
    )
