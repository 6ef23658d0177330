"""A real localstripe process for tests, what Stripe.js would do against it, and helpers to sign
webhook payloads like Stripe does. A plain module: tests of every area share it."""

import hashlib
import hmac
import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import stripe

if TYPE_CHECKING:
    from commerce.payments.models import Payment

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def dead_base() -> str:
    """A loopback URL nothing listens on (the port was free a moment ago): Stripe is down."""
    return f"http://127.0.0.1:{free_port()}"


def stripe_api() -> stripe.StripeClient:
    """The Stripe API as the browser and the test see it, at the localstripe the settings name."""
    from django.conf import settings

    return stripe.StripeClient("sk_test_localstripe", base_addresses={"api": settings.STRIPE_API_BASE})


def pay_at_stripe(payment: "Payment", card: str = "pm_card_visa") -> None:
    """What Stripe.js does in the browser: attach a card to the payment's intent and confirm it."""
    stripe_api().v1.payment_intents.update(payment.intent_id, {"payment_method": card})
    stripe_api().v1.payment_intents.confirm(payment.intent_id)


@contextmanager
def localstripe(log_path: Path) -> Iterator[str]:
    """Start localstripe (memory only) on a free port; yield its base URL; stop it after."""
    port = free_port()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "commerce.payments.fake_stripe", "--port", str(port)],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 20
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"localstripe exited with {process.returncode}, see {log_path}")
                try:
                    with urllib.request.urlopen(f"{base}/js.stripe.com/v3/", timeout=1):  # noqa: S310
                        break
                except (urllib.error.URLError, OSError):
                    if time.monotonic() > deadline:
                        raise TimeoutError("localstripe did not answer within 20 s") from None
                    time.sleep(0.1)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=10)


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The `Stripe-Signature` header: t=<ts>,v1=<hex hmac-sha256 of "<ts>.<body>">."""
    ts = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


def event_payload(event_type: str, obj: dict[str, Any], *, event_id: str, created: int | None = None) -> bytes:
    """A webhook body shaped like Stripe's (the fields our handlers and the SDK look at)."""
    event = {
        "id": event_id,
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": int(time.time()) if created is None else created,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
        "data": {"object": obj},
    }
    return json.dumps(event, indent=2).encode()


def intent_object(
    intent_id: str, *, amount: int, currency: str = "usd", status: str = "succeeded", error: str = ""
) -> dict[str, Any]:
    return {
        "id": intent_id,
        "object": "payment_intent",
        "amount": amount,
        "amount_received": amount if status == "succeeded" else 0,
        "currency": currency,
        "status": status,
        "client_secret": f"{intent_id}_secret_x",
        "last_payment_error": {"code": "card_declined", "message": error} if error else None,
        "latest_charge": "ch_test" if status == "succeeded" else None,
        "metadata": {},
    }
