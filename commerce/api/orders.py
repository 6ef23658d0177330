"""API: the caller's own orders, their payment and their cancellation (mounted by main.py at /api/v1/orders).

A person sees their own orders; a guest's session the orders it placed or opened. Anyone else's
order is 404, as on the order page. Paying goes through Stripe: the API starts (or reuses) the
order's PaymentIntent and hands back its client secret for Stripe.js; the order becomes paid
through Stripe's webhook, or at once through POST .../payment/sync, never by the API writing it.
"""

import logging
from datetime import datetime

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.params.functions import Path

from commerce.money import from_minor
from commerce.orders.cancellation import order_cancel_by_owner
from commerce.orders.models import Order
from commerce.orders.session import session_orders
from commerce.payments import services as payments
from commerce.payments.errors import PaymentError

from .auth import caller
from .errors import ErrorOut, answers
from .pagination import SignedCursor
from .shop import own_order
from .shop_schemas import OrderOut, OrderSummaryOut

logger = logging.getLogger(__name__)
router = Router(tags=["Orders"])

NumberPath = Path(..., max_length=40, description='The order\'s number ("LS-7K3F-9QX2").')
# Stripe could not be reached (503, try again) or refused (502): the payment operations say so too.
PROVIDER_ERRORS = {frozenset({502, 503}): ErrorOut}


class PaymentStartOut(Schema):
    """What Stripe.js needs to take the payment: `stripe.confirmCardPayment(client_secret, ...)`."""

    client_secret: str
    publishable_key: str
    stripe_js_url: str
    amount: str
    amount_minor: int = Field(description="The amount in the currency's minor unit (cents).")
    currency: str
    status: str = Field(description='"requires_payment", "processing", "succeeded", "failed" or "canceled".')
    last_error: str = Field(description='Why the last attempt failed (the card was declined...), or "".')
    hold_expires_at: datetime | None = Field(None, description="When the held stock goes back on sale unless paid.")


def _order(request: HttpRequest, number: str, scope: str) -> Order:
    who = caller(request)
    who.need(scope)
    return own_order(request, who, number)


def _detail(order: Order) -> OrderOut:
    fresh = Order.objects.select_related("hold").prefetch_related("lines", "tax_lines").get(pk=order.pk)
    return OrderOut.of(fresh)


@router.get("", response=answers({200: list[OrderSummaryOut]}), summary="Your orders, newest first")
@paginate(SignedCursor, ordering=("-created_at", "-pk"))
def orders_list(request: HttpRequest) -> QuerySet[Order]:
    who = caller(request)
    who.need("shop:read")
    orders = Order.objects.prefetch_related("lines")
    if who.user is not None:
        return orders.filter(user=who.user)
    if who.by_token:  # pragma: no cover - a token always has a person
        return orders.none()
    return orders.filter(user__isnull=True, number__in=session_orders(request.session))


@router.get("/{number}", response=answers({200: OrderOut}), summary="One of your orders")
def order_read(request: HttpRequest, number: str = NumberPath) -> OrderOut:
    """The order's lines, figures, addresses, status, tracking number and timeline."""
    return _detail(_order(request, number, "shop:read"))


@router.post("/{number}/cancel", response=answers({200: OrderOut}), summary="Cancel your order")
def order_cancel(request: HttpRequest, number: str = NumberPath) -> OrderOut:
    """An unpaid order is cancelled; a paid one not yet packed is refunded in full. Further along: 422."""
    order = _order(request, number, "shop:write")
    done = order_cancel_by_owner(order=order, actor=caller(request).user)
    return _detail(done)


@router.post(
    "/{number}/payment",
    response={**answers({200: PaymentStartOut}), **PROVIDER_ERRORS},
    summary="Start (or resume) paying for your order",
)
def order_payment(request: HttpRequest, number: str = NumberPath) -> PaymentStartOut:
    """The order's PaymentIntent, made at the first call and reused after: 409 when the order is not
    awaiting payment or its hold expired, 503 when Stripe cannot be reached (nothing is charged)."""
    order = _order(request, number, "shop:write")
    payment = payments.payment_start(order=order)
    hold = getattr(Order.objects.select_related("hold").get(pk=order.pk), "hold", None)
    return PaymentStartOut(
        client_secret=payment.client_secret,
        publishable_key=settings.STRIPE_PUBLISHABLE_KEY,
        stripe_js_url=settings.STRIPE_JS_URL,
        amount=str(from_minor(payment.amount_minor, payment.currency)),
        amount_minor=payment.amount_minor,
        currency=payment.currency,
        status=payment.status,
        last_error=payment.last_error,
        hold_expires_at=hold.expires_at if hold is not None and hold.is_active else None,
    )


@router.post(
    "/{number}/payment/sync",
    response={**answers({200: OrderOut}), **PROVIDER_ERRORS},
    summary="Apply your payment's outcome now",
)
def order_payment_sync(request: HttpRequest, number: str = NumberPath) -> OrderOut:
    """After Stripe.js confirmed the payment: ask Stripe how it went and apply it (the order becomes paid
    when it succeeded), as the pay page's return does. When Stripe cannot be reached the order is
    answered as it stands: Stripe's webhook brings the news later."""
    order = _order(request, number, "shop:write")
    try:
        payments.payment_sync(order=order)
    except PaymentError as error:
        logger.warning("api payment sync failed", extra={"order": order.number, "code": error.code})
    return _detail(order)
