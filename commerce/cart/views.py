"""Cart pages and actions. Every action is an htmx POST answered with the partials
that changed (plus the header badge out of band); without JavaScript they redirect."""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from commerce.accounts.models import User
from commerce.catalog.selectors import variant_for_sale
from commerce.discounts.errors import DiscountError
from commerce.page_sections import render_sections
from project.http import HtmxHttpRequest
from realtime.pages import follow

from . import services
from .errors import CartError
from .forms import AddToCartForm, DiscountCodeForm, EstimateForm, QuantityForm, first_error
from .live import cart_context
from .models import SESSION_KEY, Cart
from .session import cart_for_request, cart_summary_for_request

UNPROCESSABLE = 422


def _safe_next(request: HtmxHttpRequest) -> str:
    """The `next` field if it points back into this site, else an empty string."""
    url = request.POST.get("next", "")
    allowed = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if allowed else ""


def _user(request: HtmxHttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


def _render_body(
    request: HtmxHttpRequest,
    *,
    error: str = "",
    error_variant: int | None = None,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    context = cart_context(cart_summary_for_request(request))
    context |= {"error": error, "error_variant": error_variant, "oob_badge": True, **extra}
    return render(request, "cart/detail.html#cart-body", context, status=status)


def _after_change(request: HtmxHttpRequest, *, error: str = "", error_variant: int | None = None) -> HttpResponseBase:
    if request.htmx:
        return _render_body(request, error=error, error_variant=error_variant, status=UNPROCESSABLE if error else 200)
    if error:
        messages.error(request, error)
    return redirect("cart:detail")


@require_GET
def cart_detail(request: HtmxHttpRequest) -> HttpResponse:
    summary = cart_summary_for_request(request)
    follow(request, *(f"stock.{lv.variant.pk}" for lv in summary.lines))
    # What other areas add below the cart (recommendations): commerce/page_sections.py.
    variants = [lv.variant.pk for lv in summary.lines]
    products = list(dict.fromkeys(lv.variant.product_id for lv in summary.lines))
    after = render_sections(request, "cart:after", variants=variants, products=products)
    return render(request, "cart/detail.html", {**cart_context(summary), "after": after})


@require_POST
def cart_add(request: HtmxHttpRequest) -> HttpResponseBase:
    """Add a variant to the cart; answers with a status message and the new badge."""
    form = AddToCartForm(request.POST)
    error = ""
    status = UNPROCESSABLE  # a form's error; a CartError names its own
    line = None
    refresh = False
    if not form.is_valid():
        error = first_error(form)
    else:
        variant_pk = form.cleaned_data["variant"]
        if variant_for_sale(pk=variant_pk) is None:
            raise Http404("No such product option.")
        # A guest's first cart: the answer tells this page (and through it the browser's other tabs) to re-sign.
        refresh = _user(request) is None and not request.session.get(SESSION_KEY)
        cart = services.cart_get_or_create(user=_user(request), session=request.session)
        try:
            line = services.cart_line_add(cart=cart, variant_pk=variant_pk, quantity=form.cleaned_data["quantity"])
        except CartError as exc:
            error, status = exc.message, exc.status
    if not request.htmx:
        if error:
            messages.error(request, error)
            return redirect(_safe_next(request) or "cart:detail")
        messages.success(request, "Added to your cart.")
        return redirect("cart:detail")
    context = {
        "error": error,
        "line": line,
        "added": form.cleaned_data.get("quantity") if line else None,
        "oob_badge": True,
        "refresh": refresh,
    }
    return render(request, "cart/_add_result.html", context, status=status if error else 200)


def _own_cart(request: HtmxHttpRequest) -> Cart:
    cart = cart_for_request(request)
    if cart is None:
        raise Http404("You have no cart yet.")
    return cart


@require_POST
def cart_line_update(request: HtmxHttpRequest, variant_pk: int) -> HttpResponseBase:
    cart = _own_cart(request)
    if not cart.lines.filter(variant_id=variant_pk).exists():
        raise Http404("That item is not in your cart.")
    form = QuantityForm(request.POST)
    if not form.is_valid():
        return _after_change(request, error=first_error(form), error_variant=variant_pk)
    try:
        services.cart_line_set_quantity(cart=cart, variant_pk=variant_pk, quantity=form.cleaned_data["quantity"])
    except CartError as exc:
        return _after_change(request, error=exc.message, error_variant=variant_pk)
    return _after_change(request)


@require_POST
def cart_line_remove(request: HtmxHttpRequest, variant_pk: int) -> HttpResponseBase:
    cart = _own_cart(request)
    services.cart_line_remove(cart=cart, variant_pk=variant_pk)
    return _after_change(request)


@require_POST
def cart_discount(request: HtmxHttpRequest) -> HttpResponseBase:
    """Apply the code typed in #discount-form; a code that cannot be used is a 422 saying why."""
    cart = _own_cart(request)
    form = DiscountCodeForm(request.POST)
    error, code = "", ""
    if not form.is_valid():
        error = first_error(form)
    else:
        try:
            applied = services.cart_code_apply(
                cart=cart, text=form.cleaned_data["code"], user=_user(request), now=timezone.now()
            )
            code = applied.code.code
        except (DiscountError, CartError) as exc:
            error = exc.message
    if request.htmx:
        if error:
            typed = request.POST.get("code", "")[:100]
            return _render_body(request, status=UNPROCESSABLE, code_error=error, code_text=typed)
        return _render_body(request)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"The code {code} is applied.")
    return redirect("cart:detail")


@require_POST
def cart_discount_remove(request: HtmxHttpRequest) -> HttpResponseBase:
    services.cart_code_remove(cart=_own_cart(request))
    return _after_change(request)


@require_POST
def cart_estimate(request: HtmxHttpRequest) -> HttpResponseBase:
    """Estimate shipping and tax for the country (and state) chosen in #estimate-form."""
    cart = _own_cart(request)
    form = EstimateForm(request.POST, auto_id="estimate-%s")
    if not form.is_valid():
        if request.htmx:
            return _render_body(request, status=UNPROCESSABLE, estimate_form=form)
        messages.error(request, first_error(form))
        return redirect("cart:detail")
    services.cart_estimate_set(cart=cart, country=form.cleaned_data["country"], region=form.cleaned_data["region"])
    return _after_change(request)
