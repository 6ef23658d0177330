"""The wishlist page and its actions. Actions are htmx POSTs answered with what changed: the button
that was pressed (product page, card) or the list (the wishlist page); without JavaScript they redirect.

There is no URL with a person in it: every view acts on the request's own list only."""

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from commerce.accounts.models import User
from commerce.cart.errors import CartError
from commerce.cart.models import SESSION_KEY as CART_SESSION_KEY
from commerce.catalog.models import Product
from project.http import HtmxHttpRequest
from realtime.pages import follow

from . import services
from .errors import WishlistError
from .live import price_topic
from .selectors import saved_products
from .session import saved_for_request

# Where a button was pressed: the product page's toggle, a catalog card, a row of the wishlist page.
PLACES = ("page", "card", "list")


class MoveForm(forms.Form):
    variant = forms.IntegerField(
        min_value=1, error_messages={"required": "Choose an option.", "invalid": "Choose an option."}
    )


def _user(request: HtmxHttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


def _place(request: HtmxHttpRequest) -> str:
    place = request.POST.get("where", "")
    return place if place in PLACES else "page"


def _saved(request: HtmxHttpRequest) -> list[Product]:
    """The request's own saved products, each with its options and the first one in stock (chosen)."""
    products = saved_products(saved_for_request(request))
    for product in products:
        variants = list(product.variants.all())
        product.shown_variants = variants  # type: ignore[attr-defined]
        product.first_in_stock = next((v.pk for v in variants if v.stock > 0), None)  # type: ignore[attr-defined]
    return products


def _list_body(request: HtmxHttpRequest, *, status: int = 200, **extra: object) -> HttpResponse:
    context = {"products": _saved(request), "answer": True, **extra}
    return render(request, "wishlist/detail.html#wishlist-body", context, status=status)


def _answer(
    request: HtmxHttpRequest, product_pk: int, *, saved: bool, note: str = "", error: str = "", status: int = 200
) -> HttpResponseBase:
    place = _place(request)
    if not request.htmx:
        if error:
            messages.error(request, error)
        elif note:
            messages.success(request, note)
        if place == "list":
            return redirect("wishlist:detail")
        product = Product.objects.live().filter(pk=product_pk).first()
        return redirect(product.get_absolute_url() if product else "wishlist:detail")
    if place == "list":
        return _list_body(request, status=status, error=error, note=note)
    name = Product.objects.filter(pk=product_pk).values_list("name", flat=True).first() or ""
    context = {"product_pk": product_pk, "product_name": name, "saved": saved, "error": error, "answered": True}
    template = "wishlist/_toggle.html" if place == "page" else "wishlist/_card_button.html"
    return render(request, template, context, status=status)


@require_GET
def wishlist_detail(request: HtmxHttpRequest) -> HttpResponse:
    """This person's saved products, newest first, with their options' live stock."""
    products = _saved(request)
    # Its figures follow the store live: each option's stock, each product's price.
    follow(request, *(f"stock.{v.pk}" for p in products for v in p.shown_variants))  # type: ignore[attr-defined]
    follow(request, *(price_topic(p.pk) for p in products))
    return render(request, "wishlist/detail.html", {"products": products})


@require_POST
def wishlist_save(request: HtmxHttpRequest, product_pk: int) -> HttpResponseBase:
    """Save a product (again: no change)."""
    try:
        services.wishlist_save(user=_user(request), session=request.session, product_pk=product_pk)
    except WishlistError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from exc
        return _answer(request, product_pk, saved=False, error=exc.message, status=exc.status)
    return _answer(request, product_pk, saved=True, note="Saved to your wishlist.")


@require_POST
def wishlist_remove(request: HtmxHttpRequest, product_pk: int) -> HttpResponseBase:
    """Take a product off the list (already gone: no change)."""
    services.wishlist_remove(user=_user(request), session=request.session, product_pk=product_pk)
    return _answer(request, product_pk, saved=False, note="Removed from your wishlist.")


@require_POST
def wishlist_move(request: HtmxHttpRequest, product_pk: int) -> HttpResponseBase:
    """Put the chosen option in the cart and take the product off the list; a refusal changes nothing."""
    form = MoveForm(request.POST)
    user = _user(request)
    # A guest's first cart: the answer tells this page (and the browser's other tabs) to re-sign its topics.
    refresh = user is None and not request.session.get(CART_SESSION_KEY)
    error, status, line = "", 200, None
    if not form.is_valid():
        error, status = "Choose an option.", 422
    else:
        try:
            line = services.wishlist_move_to_cart(
                user=user, session=request.session, product_pk=product_pk, variant_pk=form.cleaned_data["variant"]
            )
        except (WishlistError, CartError) as exc:
            error, status = exc.message, exc.status
    note = f"Moved {line.variant} to your cart." if line else ""
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, note)
        return redirect("wishlist:detail")
    refresh = refresh and line is not None
    return _list_body(request, status=status, error=error, note=note, moved=line is not None, refresh=refresh)
