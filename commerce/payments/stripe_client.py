"""The one module that talks to Stripe (or localstripe, its stand-in on loopback).

Every call has a timeout, POSTs carry an idempotency key derived from our own rows, and
the SDK's errors leave this module as `PaymentError` (retryable or not). Callers get
small frozen dataclasses, never SDK objects.
"""

import functools
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import stripe
from django.conf import settings
from stripe._base_address import BaseAddresses

from commerce import money

from .errors import PAYMENT_REQUIRED, PaymentError

logger = logging.getLogger(__name__)

SIGNATURE_TOLERANCE_SECONDS = 300


@dataclass(frozen=True)
class Intent:
    id: str
    client_secret: str
    status: str  # Stripe's own status word: requires_payment_method, processing, succeeded, ...
    amount: int  # in our minor units (commerce.money), converted from Stripe's
    amount_received: int
    currency: str
    last_error: str
    metadata: Mapping[str, str]

    @classmethod
    def from_stripe(cls, data: Mapping[str, Any]) -> "Intent":
        """Build from an API object or a webhook's `data.object` (both are mappings)."""
        error = data.get("last_payment_error") or {}
        status = str(data.get("status") or "")
        currency = str(data.get("currency") or "")
        amount = money.from_stripe(int(data.get("amount") or 0), currency)
        received = data.get("amount_received")
        return cls(
            id=str(data["id"]),
            client_secret=str(data.get("client_secret") or ""),
            status=status,
            amount=amount,
            # localstripe leaves out amount_received; a succeeded intent received its amount.
            amount_received=(
                money.from_stripe(int(received), currency)
                if received is not None
                else (amount if status == "succeeded" else 0)
            ),
            currency=currency,
            last_error=str(error.get("message") or ""),
            metadata=dict(data.get("metadata") or {}),
        )


@dataclass(frozen=True)
class RefundResult:
    id: str
    status: str  # pending, succeeded, failed, requires_action, canceled
    amount: int  # in our minor units


def is_fake() -> bool:
    """True when the API base points at localstripe (development, tests), not at Stripe."""
    return bool(settings.STRIPE_API_BASE)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def csp_sources() -> dict[str, list[str]]:
    """What the pay page's Content-Security-Policy must add for Stripe.js (Stripe's own list, or localstripe's)."""
    script = _origin(settings.STRIPE_JS_URL)
    if is_fake():
        return {"script-src": [script], "connect-src": [_origin(settings.STRIPE_API_BASE)]}
    # Stripe's own list (docs.stripe.com/security/guide#content-security-policy).
    return {
        "script-src": [script, "https://*.js.stripe.com"],
        "connect-src": ["https://api.stripe.com"],
        "frame-src": [script, "https://*.js.stripe.com", "https://hooks.stripe.com"],
    }


@functools.lru_cache(maxsize=4)
def _client_for(api_key: str, api_base: str, timeout: float, retries: int) -> stripe.StripeClient:
    base_addresses: BaseAddresses = {"api": api_base} if api_base else {}
    return stripe.StripeClient(
        api_key,
        base_addresses=base_addresses,
        http_client=stripe.RequestsClient(timeout=timeout),
        max_network_retries=retries,
    )


def _client() -> stripe.StripeClient:
    # Keyed on the settings so tests that point the base elsewhere get their own client.
    return _client_for(
        settings.STRIPE_SECRET_KEY,
        settings.STRIPE_API_BASE,
        float(settings.STRIPE_TIMEOUT),
        int(settings.STRIPE_MAX_NETWORK_RETRIES),
    )


def _mapped(error: stripe.StripeError, *, action: str, **context: object) -> PaymentError:
    """Translate an SDK error into ours and log it once, with what we were doing."""
    status = error.http_status or 0
    if isinstance(error, stripe.APIConnectionError | stripe.RateLimitError | stripe.APIError) or status >= 500:
        result = PaymentError.unavailable()
    elif isinstance(error, stripe.CardError):
        result = PaymentError("card_declined", error.user_message or "Your card was declined.", status=PAYMENT_REQUIRED)
    elif isinstance(error, stripe.AuthenticationError | stripe.PermissionError):
        result = PaymentError("configuration", "Payments are misconfigured on our side. Please contact us.")
    elif isinstance(error, stripe.IdempotencyError):
        result = PaymentError("idempotency", "This payment request conflicts with an earlier one.")
    elif status == 404:
        result = PaymentError("not_found", "The payment was not found at the provider.")
    else:
        result = PaymentError("provider_rejected", error.user_message or "The payment provider refused the request.")
    log = logger.warning if result.retryable else logger.error
    log(
        "stripe call failed",
        extra={
            "action": action,
            "stripe_error": type(error).__name__,
            "http_status": status,
            "stripe_code": error.code,
            "request_id": error.request_id,
            "retryable": result.retryable,
            **context,
        },
    )
    return result


def intent_idempotency_key(*, order_number: str, attempt: int) -> str:
    return f"order-{order_number}-pi-v{attempt}"


def refund_idempotency_key(*, order_number: str, refund_pk: int) -> str:
    return f"order-{order_number}-refund-{refund_pk}"


def intent_cancel_idempotency_key(*, order_number: str, payment_pk: int) -> str:
    return f"order-{order_number}-pi-{payment_pk}-cancel"


def intent_create(*, order_number: str, amount_minor: int, currency: str, attempt: int) -> Intent:
    """Create the PaymentIntent for one attempt at paying an order; a retry returns the same intent.

    `amount_minor` is in the currency's own minor unit; Stripe gets its own integer amount (JPY: yen)."""
    key = intent_idempotency_key(order_number=order_number, attempt=attempt)
    try:
        intent = _client().v1.payment_intents.create(
            {
                "amount": money.to_stripe(amount_minor, currency),
                "currency": currency.lower(),
                "metadata": {"order": order_number, "attempt": str(attempt)},
            },
            {"idempotency_key": key},
        )
    except stripe.StripeError as error:
        raise _mapped(error, action="intent_create", order=order_number, idempotency_key=key) from error
    logger.info("payment intent created", extra={"order": order_number, "intent": intent.id, "attempt": attempt})
    return Intent.from_stripe(intent.to_dict())


def intent_retrieve(*, intent_id: str) -> Intent:
    try:
        intent = _client().v1.payment_intents.retrieve(intent_id)
    except stripe.StripeError as error:
        raise _mapped(error, action="intent_retrieve", intent=intent_id) from error
    return Intent.from_stripe(intent.to_dict())


def intent_cancel(*, intent_id: str, idempotency_key: str) -> Intent:
    """Cancel an intent that must no longer take money (its order was cancelled)."""
    try:
        intent = _client().v1.payment_intents.cancel(intent_id, {}, {"idempotency_key": idempotency_key})
    except stripe.StripeError as error:
        raise _mapped(error, action="intent_cancel", intent=intent_id, idempotency_key=idempotency_key) from error
    return Intent.from_stripe(intent.to_dict())


def intent_confirm_with_test_token(*, intent_id: str, token_id: str) -> Intent:
    """localstripe only: attach the card of a Stripe.js token to the intent and confirm it.

    localstripe's Stripe.js stand-in cannot confirm an intent with a card element (its
    `confirmCardPayment` only completes 3-D Secure), so in the fake mode the page tokenizes
    the card in the browser and the server confirms. The card number never reaches us.
    """
    if not is_fake():
        raise PaymentError("not_supported", "Card tokens are only accepted in the test mode.")
    client = _client()
    try:
        token = client.v1.tokens.retrieve(token_id)
        card_id = token.card.id if token.card is not None else ""
        client.v1.payment_intents.update(intent_id, {"payment_method": card_id})
        intent = client.v1.payment_intents.confirm(intent_id)
    except stripe.StripeError as error:
        raise _mapped(error, action="intent_confirm", intent=intent_id) from error
    return Intent.from_stripe(intent.to_dict())


def refund_create(
    *, intent_id: str, amount_minor: int, currency: str, idempotency_key: str, metadata: Mapping[str, str]
) -> RefundResult:
    """Refund part or all of a succeeded intent (`amount_minor` in the currency's own minor unit).
    `idempotency_key` comes from our Refund row."""
    amount = money.to_stripe(amount_minor, currency)
    try:
        refund = _client().v1.refunds.create(
            {"payment_intent": intent_id, "amount": amount, "metadata": dict(metadata)},
            {"idempotency_key": idempotency_key},
        )
    except stripe.StripeError as error:
        raise _mapped(error, action="refund_create", intent=intent_id, idempotency_key=idempotency_key) from error
    logger.info(
        "refund created",
        extra={"intent": intent_id, "refund": refund.id, "amount_minor": amount_minor, "status": refund.status},
    )
    return RefundResult(
        id=refund.id, status=str(refund.status or "pending"), amount=money.from_stripe(int(refund.amount), currency)
    )


def event_verify(*, payload: bytes, signature: str | None) -> dict[str, Any]:
    """Check the `Stripe-Signature` of a webhook body and return the event as a dict.

    Raises `stripe.SignatureVerificationError` for a missing, wrong or stale (>300 s)
    signature and `ValueError` for a body that is not a JSON event.
    """
    stripe.WebhookSignature.verify_header(
        payload.decode("utf-8"), signature, settings.STRIPE_WEBHOOK_SECRET, SIGNATURE_TOLERANCE_SECONDS
    )
    event = json.loads(payload)
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not isinstance(event.get("type"), str):
        raise ValueError("not a Stripe event")
    return event
