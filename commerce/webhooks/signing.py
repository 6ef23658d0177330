"""The signature of a webhook: `Storefront-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`.

The HMAC key is the endpoint's whole secret (`whsec_...`, as shown on its page); the message is
the timestamp, a dot, and the raw request body: `f"{t}.{body}"`. A receiver recomputes it over
the bytes it received (before parsing the JSON), compares in constant time, and refuses a
timestamp older than its tolerance (five minutes here), so a captured request cannot be replayed
later. `signature_verify` is the receiver's side, used by the tests and shown in the README.
"""

import hashlib
import hmac
import time

HEADER = "Storefront-Signature"
SCHEME = "v1"


def signature_compute(secret: str, body: bytes, timestamp: int) -> str:
    """The hex HMAC-SHA256 of `f"{timestamp}.{body}"` keyed with `secret`."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    """The `Storefront-Signature` value for `body` signed now (or at `timestamp`)."""
    t = int(time.time()) if timestamp is None else timestamp
    return f"t={t},{SCHEME}={signature_compute(secret, body, t)}"


def signature_verify(secret: str, body: bytes, header: str, *, tolerance: int = 300, now: float | None = None) -> bool:
    """Whether `header` signs exactly `body` with `secret`, at most `tolerance` seconds ago.

    Any one `v1=` value may match (a header may carry several while a secret is rotated).
    """
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == SCHEME and value:
            signatures.append(value)
    if timestamp is None or not signatures:
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        return False
    expected = signature_compute(secret, body, timestamp)
    return any(hmac.compare_digest(expected, candidate) for candidate in signatures)
