"""API: the caller's cart (mounted by main.py at /api/v1/cart).

Every change goes through commerce.cart.services, as the cart page's do: the cart's other tabs and
devices see it at once (the `cart.<pk>` push), stock and the quantity limit are checked there.
"""

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.params.functions import Path

from commerce.cart import services
from commerce.cart.estimate import cart_estimate
from commerce.cart.forms import DiscountCodeForm, first_error
from commerce.cart.selectors import cart_summary
from commerce.catalog.selectors import variant_for_sale
from commerce.discounts.errors import DiscountError
from commerce.orders.totals import summary_lines

from .auth import caller
from .body import BodyIn
from .errors import ApiError, answers
from .shop import MAX_PK, as_field, cart_find, cart_make, cart_need, currency, money
from .shop_schemas import BreakdownOut

router = Router(tags=["Cart"])


class CartLineOut(Schema):
    variant: int = Field(description="The variant's id: what /lines/{variant} names.")
    sku: str
    product: str
    name: str = Field(description="The variant's name (size, colour).")
    unit_price: str
    quantity: int
    line_total: str
    available: int = Field(description="How many are in stock now.")
    problem: str = Field(
        description='"" when the line can be bought; "unavailable" (withdrawn) or "exceeds_stock" otherwise.'
    )
    image: str | None = Field(description="The product's first picture (a URL), if it has one.")


class EstimateOut(Schema):
    country: str
    region: str
    place: str = Field(description='The place in words: "United States (NY)".')
    not_shipped: str = Field(description='Why nothing ships there, or "".')
    code_error: str = Field(description='Why the cart\'s code no longer applies (left out of the figures), or "".')
    totals: BreakdownOut


class CartOut(Schema):
    currency: str
    count: int = Field(description="Units in the cart (the header's badge).")
    subtotal: str
    discount_code: str = Field(description='The code applied on the cart, or "".')
    lines: list[CartLineOut]
    estimate: EstimateOut | None = Field(
        description="Shipping, tax and total where the cart estimates for (its owner's address, else the "
        "store's country), with the cheapest method; null for an empty cart."
    )


class LineIn(BodyIn):
    variant: int = Field(ge=1, le=MAX_PK, description="The variant's id.")
    quantity: int = Field(1, description="How many to add (1 up to the store's limit per line).")


class QuantityIn(BodyIn):
    quantity: int = Field(description="The line's new quantity; 0 removes it.")


class CodeIn(BodyIn):
    code: str = Field(description='A discount code ("WELCOME10").')


VariantPath = Path(..., ge=1, le=MAX_PK, description="The variant's id.")


def cart_out(request: HttpRequest) -> CartOut:
    """The caller's cart as it stands now (an empty one when it has none)."""
    summary = cart_summary(cart_find(request, caller(request)))
    cart = summary.cart
    estimate = None
    if cart is not None and summary.lines:
        found = cart_estimate(cart, now=timezone.now(), lines=summary_lines(summary))
        estimate = EstimateOut(
            country=found.country,
            region=found.region,
            place=found.place,
            not_shipped=found.not_shipped,
            code_error=found.code_error.message if found.code_error else "",
            totals=BreakdownOut.of(found.breakdown),
        )
    lines = []
    for view in summary.lines:
        image = view.image
        problem = "unavailable" if view.unavailable else "exceeds_stock" if view.exceeds_stock else ""
        lines.append(
            CartLineOut(
                variant=view.variant.pk,
                sku=view.variant.sku,
                product=view.variant.product.name,
                name=view.variant.name,
                unit_price=money(view.unit_price),
                quantity=view.line.quantity,
                line_total=money(view.total),
                available=max(view.available, 0),
                problem=problem,
                image=request.build_absolute_uri(image.image.url) if image is not None and image.image else None,
            )
        )
    return CartOut(
        currency=currency(),
        count=summary.count,
        subtotal=money(summary.subtotal),
        discount_code=cart.discount_code if cart is not None else "",
        lines=lines,
        estimate=estimate,
    )


@router.get("", response=answers({200: CartOut}), summary="Your cart")
def cart_read(request: HttpRequest) -> CartOut:
    caller(request).need("shop:read")
    return cart_out(request)


@router.post("/lines", response=answers({200: CartOut}), summary="Add to the cart")
def cart_line_add(request: HttpRequest, body: LineIn) -> CartOut:
    """Add `quantity` of a variant; refused (422) past what is in stock or the limit per line."""
    who = caller(request)
    who.need("shop:write")
    if variant_for_sale(pk=body.variant) is None:
        raise ApiError("not_found", "No such product option.", 404, {"variant": ["No such product option."]})
    services.cart_line_add(cart=cart_make(request, who), variant_pk=body.variant, quantity=body.quantity)
    return cart_out(request)


@router.patch("/lines/{variant}", response=answers({200: CartOut}), summary="Change a line's quantity")
def cart_line_set(request: HttpRequest, body: QuantityIn, variant: int = VariantPath) -> CartOut:
    """Set the quantity of a line in the cart (0 removes it); 404 when the variant is not in the cart."""
    who = caller(request)
    who.need("shop:write")
    cart = cart_need(request, who)
    if not cart.lines.filter(variant_id=variant).exists():
        raise ApiError.not_found("That item in your cart")
    if body.quantity == 0:
        services.cart_line_remove(cart=cart, variant_pk=variant)
    else:
        services.cart_line_set_quantity(cart=cart, variant_pk=variant, quantity=body.quantity)
    return cart_out(request)


@router.delete("/lines/{variant}", response=answers({200: CartOut}), summary="Remove a line")
def cart_line_remove(request: HttpRequest, variant: int = VariantPath) -> CartOut:
    """Remove a line; removing one already gone changes nothing (a double submit)."""
    who = caller(request)
    who.need("shop:write")
    services.cart_line_remove(cart=cart_need(request, who), variant_pk=variant)
    return cart_out(request)


@router.post("/code", response=answers({200: CartOut}), summary="Apply a discount code")
def cart_code_apply(request: HttpRequest, body: CodeIn) -> CartOut:
    """Apply a code; one that cannot be used is a 422 saying why (unknown, expired, minimum not met...)."""
    who = caller(request)
    who.need("shop:write")
    cart = cart_need(request, who)
    form = DiscountCodeForm({"code": body.code})
    if not form.is_valid():
        raise ApiError.invalid("code", first_error(form))
    try:
        services.cart_code_apply(cart=cart, text=form.cleaned_data["code"], user=who.user, now=timezone.now())
    except DiscountError as exc:
        raise as_field(exc, "code") from exc
    return cart_out(request)


@router.delete("/code", response=answers({200: CartOut}), summary="Take the discount code off")
def cart_code_remove(request: HttpRequest) -> CartOut:
    who = caller(request)
    who.need("shop:write")
    services.cart_code_remove(cart=cart_need(request, who))
    return cart_out(request)
