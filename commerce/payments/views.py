"""The pay page, its return URL, and Stripe's webhook."""

import functools
import json
import logging
from collections.abc import Callable
from typing import Any

import stripe
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from commerce.inventory.models import StockHold
from commerce.orders.models import Order
from commerce.orders.session import session_orders
from commerce.orders.totals import order_breakdown
from project.errors import error_response
from realtime.pages import follow

from . import services, stripe_client
from .errors import PaymentError
from .models import Payment
from .webhooks import event_process

logger = logging.getLogger(__name__)


def _order_for(request: HttpRequest, number: str) -> Order:
    """The order, if this browser may see it (its owner, or the guest session that placed it); else 404."""
    order = Order.objects.filter(number=number).select_related("user").first()
    if order is None:
        raise Http404("No such order.")
    owner = request.user.is_authenticated and order.user_id == request.user.pk
    guest = order.user_id is None and number in session_orders(request.session)
    if not (owner or guest):
        raise Http404("No such order.")
    return order


def _seconds_left(order: Order) -> int:
    hold = StockHold.objects.filter(order=order).first()
    if hold is None or not hold.is_active:
        return 0
    return max(int((hold.expires_at - timezone.now()).total_seconds()), 0)


def _stripe_csp(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Let the page load Stripe.js and let it talk to Stripe (the store-wide policy allows neither)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        response._csp_update = stripe_client.csp_sources()  # type: ignore[attr-defined] # django-csp's hook
        return response

    return wrapped


@_stripe_csp
@never_cache
@require_GET
def pay(request: HttpRequest, number: str) -> HttpResponseBase:
    """Show the order, the hold countdown and the card form, with the intent's client secret."""
    order = _order_for(request, number)
    if order.status != Order.Status.PENDING_PAYMENT:
        return redirect(order.get_absolute_url())
    follow(request, f"order.{order.pk}")
    seconds_left = _seconds_left(order)
    context: dict[str, object] = {
        "order": order,
        "lines": order.lines.all(),
        "breakdown": order_breakdown(order),
        "seconds_left": seconds_left,
        "hold_clock": f"{seconds_left // 60:02d}:{seconds_left % 60:02d}",
        "payment": None,
        "error": None,
        "STRIPE_PUBLISHABLE_KEY": settings.STRIPE_PUBLISHABLE_KEY,
        "STRIPE_JS_URL": settings.STRIPE_JS_URL,
        "stripe_fake": stripe_client.is_fake(),
    }
    try:
        payment = services.payment_start(order=order)
    except PaymentError as error:
        if error.code == "not_payable":
            return redirect(order.get_absolute_url())
        if error.code == "hold_expired":
            context["seconds_left"] = 0
        return error_response(request, "payments/pay.html", context, error)
    if payment.status in {Payment.Status.SUCCEEDED, Payment.Status.PROCESSING}:
        return redirect(order.get_absolute_url())
    context["payment"] = payment
    return render(request, "payments/pay.html", context)


@never_cache
@require_GET
def pay_return(request: HttpRequest, number: str) -> HttpResponseBase:
    """Where Stripe.js sends the shopper after paying: apply the outcome now, then show the order."""
    order = _order_for(request, number)
    try:
        services.payment_sync(order=order)
    except PaymentError as error:
        # The webhook will bring the news; the order page says "confirming payment" meanwhile.
        logger.warning("payment sync failed", extra={"order": order.number, "code": error.code})
    return redirect(order.get_absolute_url())


@require_POST
def pay_with_test_token(request: HttpRequest, number: str) -> JsonResponse:
    """localstripe only (see stripe_client.intent_confirm_with_test_token): confirm with a card token."""
    if not stripe_client.is_fake():
        raise Http404("Not available.")
    order = _order_for(request, number)
    token = request.POST.get("token", "")
    if not token.startswith("tok_"):
        return JsonResponse({"error": "Enter your card details."}, status=400)
    try:
        payment = services.payment_confirm_with_test_token(order=order, token_id=token)
    except PaymentError as error:
        return JsonResponse(
            {"error": error.message, "retryable": error.retryable}, status=503 if error.retryable else 402
        )
    return JsonResponse({"status": payment.status, "error": payment.last_error or None})


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Verify, record once, apply. 400 for a bad signature or body; 200 for duplicates and unknown types."""
    try:
        event = stripe_client.event_verify(payload=request.body, signature=request.headers.get("Stripe-Signature"))
    except stripe.SignatureVerificationError:
        logger.warning("stripe webhook with a bad signature")
        return HttpResponse("bad signature", status=400, content_type="text/plain")
    except (ValueError, UnicodeDecodeError, json.JSONDecodeError):
        logger.warning("stripe webhook with a bad body")
        return HttpResponse("bad payload", status=400, content_type="text/plain")
    event_process(event=event)
    return HttpResponse("ok", content_type="text/plain")
