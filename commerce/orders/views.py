"""Checkout (address, review, place) and the order page."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from commerce.accounts.models import Address, User
from commerce.cart.models import Cart
from commerce.cart.selectors import CartSummary, cart_summary
from commerce.cart.session import cart_for_request, cart_summary_for_request, show_summary
from commerce.discounts.errors import DiscountError
from commerce.inventory.errors import OutOfStock
from commerce.shipping.errors import ShippingError
from project.clients import client_address
from project.errors import error_response
from project.http import HtmxHttpRequest
from project.throttle import Throttled, throttle
from realtime.pages import follow

from . import links, selectors, services
from .aftersale import after_sale
from .errors import OrderError
from .forms import BillingAddressForm, CheckoutForm, OrderLookupForm
from .offer import CheckoutOffer, checkout_offer
from .session import order_for_request, session_remember_order
from .totals import lines_breakdown, order_breakdown, summary_lines

CHECKOUT_KEY = "checkout"


def _user(request: HtmxHttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


def _offer(
    request: HtmxHttpRequest, summary: CartSummary, details: dict[str, Any], *, chosen: str | None = None
) -> CheckoutOffer:
    """The review page's methods and figures for this cart and the address given at step 1."""
    address, cart = details["address"], summary.cart
    return checkout_offer(
        summary_lines(summary),
        country=address.get("country", ""),
        region=address.get("region", ""),
        chosen=details.get("shipping_method") if chosen is None else chosen,
        code=cart.discount_code if cart else "",
        user=_user(request),
        email=details["email"],
        now=timezone.now(),
    )


def _review_context(
    request: HtmxHttpRequest,
    summary: CartSummary,
    details: dict[str, Any],
    *,
    offer: CheckoutOffer | None = None,
    **extra: Any,
) -> dict[str, Any]:
    offer = offer or _offer(request, summary, details)
    return {
        "summary": summary,
        "offer": offer,
        "breakdown": offer.breakdown,
        "details": details,
        "step": 2,
        "hold_minutes": max(1, settings.STOCK_HOLD_SECONDS // 60),
        **extra,
    }


def _shown(request: HtmxHttpRequest, cart: Cart | None) -> CartSummary:
    """The cart the view read, as the page shows it (the checkout pages show no images)."""
    return show_summary(request, cart_summary(cart, images=False))


@require_http_methods(["GET", "POST"])
def checkout(request: HtmxHttpRequest) -> HttpResponseBase:
    """Step 1: shipping address and email."""
    summary = cart_summary_for_request(request, images=False)
    cart = summary.cart
    if summary.is_empty:
        messages.info(request, "Your cart is empty: add something before checking out.")
        return redirect("cart:detail")
    user = _user(request)
    addresses = user.addresses.all() if user else None
    saved = request.session.get(CHECKOUT_KEY, {})
    if request.method == "POST":
        form = CheckoutForm(request.POST, addresses=addresses)
        billing = BillingAddressForm(request.POST)
        # Ticked, or a client that sent no billing fields at all (browsers send them, hidden or not).
        billing_same = bool(request.POST.get("billing_same")) or not any(k.startswith("billing-") for k in request.POST)
        if form.is_valid() and (billing_same or billing.is_valid()):
            address = form.address_snapshot()
            if user and form.cleaned_data.get("saved_address") is None and form.cleaned_data.get("save_address"):
                Address.objects.get_or_create(user=user, defaults=None, **address)
            request.session[CHECKOUT_KEY] = {
                "email": form.cleaned_data["email"],
                "address": address,
                "billing_address": None if billing_same else billing.address_snapshot(),
                "shipping_method": saved.get("shipping_method"),
            }
            return redirect("orders:review")
        status = 422
    else:
        initial = {"email": saved.get("email") or (user.email if user else ""), **saved.get("address", {})}
        if user and not saved.get("address"):
            initial["full_name"] = user.get_full_name()
        # Billing: as given earlier in this checkout, else the address book's default billing address
        # when it is not the default shipping one, else the shipping address.
        bill_to = saved.get("billing_address")
        if bill_to is None and "billing_address" not in saved and addresses is not None:
            default = addresses.filter(default_billing=True, default_shipping=False).first()
            bill_to = default.as_snapshot() if default else None
        initial["billing_same"] = not bill_to
        form = CheckoutForm(initial=initial, addresses=addresses)
        billing = BillingAddressForm(initial=bill_to or {"country": initial.get("country", "US")})
        status = 200
    # Shipping and tax follow from the address: until then, the lines and the cart's code.
    lines = summary_lines(summary)
    try:
        figures = lines_breakdown(
            lines, country="", code=cart.discount_code if cart else "", user=user, now=timezone.now()
        )
    except DiscountError:
        figures = lines_breakdown(lines, country="", now=timezone.now())
    context = {
        "form": form,
        "billing": billing,
        "summary": summary,
        "breakdown": figures,
        "shipping_next": True,
        "step": 1,
    }
    return render(request, "orders/checkout.html", context, status=status)


@require_GET
def review(request: HtmxHttpRequest) -> HttpResponseBase:
    """Step 2: check lines, the shipping method, totals and address before paying."""
    details = request.session.get(CHECKOUT_KEY)
    summary = cart_summary_for_request(request, images=False)
    if summary.is_empty:
        return redirect("cart:detail")
    if not details:
        return redirect("orders:checkout")
    return render(request, "orders/review.html", _review_context(request, summary, details))


@require_POST
def shipping(request: HtmxHttpRequest) -> HttpResponseBase:
    """Choose the shipping method on the review page: remembered, and the figures shown again with it.

    A method that does not serve the address is refused (422, the figures as they were)."""
    details = request.session.get(CHECKOUT_KEY)
    summary = cart_summary_for_request(request, images=False)
    if not details or summary.is_empty:
        return redirect("orders:review")
    chosen = request.POST.get("shipping_method", "").strip()
    offer = _offer(request, summary, details, chosen=chosen)
    if offer.chosen is None or str(offer.chosen) != chosen:
        error = ShippingError.unknown_method()
        if not request.htmx:
            messages.error(request, error.message)
            return redirect("orders:review")
        context = _review_context(request, summary, details)  # the figures as they were
        return error_response(request, "orders/review.html#review-body", context, error)
    details = request.session[CHECKOUT_KEY] = {**details, "shipping_method": offer.chosen}
    if not request.htmx:
        return redirect("orders:review")
    return render(request, "orders/review.html#review-body", _review_context(request, summary, details, offer=offer))


@require_POST
def place(request: HtmxHttpRequest) -> HttpResponseBase:
    """Step 3: create the order, take the code's use and the stock, and go to payment."""
    details = request.session.get(CHECKOUT_KEY)
    cart = cart_for_request(request)
    if not details:
        return redirect("orders:checkout")
    chosen = request.POST.get("shipping_method", "").strip() or details.get("shipping_method")
    if chosen:
        details = request.session[CHECKOUT_KEY] = {**details, "shipping_method": chosen}
    try:
        if cart is None:
            raise OrderError.empty_cart()
        order = services.checkout_start(
            cart=cart,
            user=_user(request),
            email=details["email"],
            address=details["address"],
            shipping_method=chosen or None,
            billing_address=details.get("billing_address"),
        )
    except OutOfStock as exc:
        context = _review_context(request, _shown(request, cart), details, error_variant=exc.variant_pk)
        return error_response(request, "orders/review.html", context, exc)
    except (DiscountError, ShippingError) as exc:
        context = _review_context(request, _shown(request, cart), details)
        return error_response(request, "orders/review.html", context, exc)
    except OrderError as exc:
        messages.error(request, exc.message)
        return redirect("cart:detail")
    session_remember_order(request.session, order)
    return redirect("payments:pay", number=order.number)


@require_GET
def order_detail(request: HtmxHttpRequest, number: str) -> HttpResponse:
    """The order, its status (`#order-status`) and its timeline."""
    token = request.GET.get("k")
    try:
        order = order_for_request(request, number, token=token)
    except Http404:
        if selectors.link_expired(token, number):
            form = OrderLookupForm(initial={"number": number.upper()})
            return render(request, "orders/link_expired.html", {"form": form}, status=410)
        raise
    if order.user_id is None and selectors.token_grants(token, order.number):
        # The link is proof once; the session remembers it, so the live topic's re-checks hold too.
        session_remember_order(request.session, order)
    follow(request, f"order.{order.pk}")
    context = {
        "order": order,
        "events": list(order.events.all()),
        "lines": list(order.lines.all()),
        "breakdown": order_breakdown(order),
        "guest_link": request.build_absolute_uri(selectors.order_access_url(order)) if order.user_id is None else "",
        "pay_url": reverse("payments:pay", kwargs={"number": order.number}),
        "link_days": max(1, settings.ORDER_LINK_MAX_AGE // 86400),
        "after": after_sale(order),
    }
    return render(request, "orders/detail.html", context)


@require_http_methods(["GET", "POST"])
def order_lookup(request: HtmxHttpRequest) -> HttpResponse:
    """A guest asks for a fresh link to an order: it goes to the order's email, and the answer never says whether."""
    sent = False
    status = 200
    if request.method == "POST":
        form = OrderLookupForm(request.POST)
        if form.is_valid():
            number, email = form.cleaned_data["number"], form.cleaned_data["email"]
            try:
                throttle(
                    "order_lookup",
                    [
                        (settings.ORDER_LOOKUP_RATE_PER_ADDRESS, client_address(request)),
                        (settings.ORDER_LOOKUP_RATE_PER_ORDER, number),
                    ],
                )
            except Throttled as exc:
                form.add_error(None, f"Too many requests for order links. Please wait {exc.wait_text} and try again.")
                status = 429
            else:
                links.order_link_request(number=number, email=email)
                sent = True
                form = OrderLookupForm()
        else:
            status = 422
    else:
        form = OrderLookupForm(initial={"number": request.GET.get("number", "")})
    return render(request, "orders/lookup.html", {"form": form, "sent": sent}, status=status)
