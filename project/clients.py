"""Who is asking: the client's network address, for limits per address (sign-in, support, sockets).

Behind a proxy (`BEHIND_PROXY`) the peer is the proxy; the client's address is the entry the last
of our `PROXY_HOPS` proxies appended to `X-Forwarded-For` (counted from the right, so a client
cannot choose it by writing the header itself). Elsewhere it is the peer's address.
"""

from collections.abc import Iterable, Mapping

from django.conf import settings
from django.http import HttpRequest

UNKNOWN = "unknown"


def _from_forwarded(header: str) -> str | None:
    hops = [part.strip() for part in header.split(",") if part.strip()]
    count = int(settings.PROXY_HOPS)
    return hops[-count] if len(hops) >= count else None


def client_address(request: HttpRequest) -> str:
    """The address of the person behind a request."""
    if settings.BEHIND_PROXY:
        found = _from_forwarded(request.META.get("HTTP_X_FORWARDED_FOR", ""))
        if found:
            return found
    return str(request.META.get("REMOTE_ADDR") or UNKNOWN)


def scope_client_address(scope: Mapping[str, object]) -> str:
    """The same for an ASGI scope (a WebSocket handshake)."""
    if settings.BEHIND_PROXY:
        headers = scope.get("headers") or []
        assert isinstance(headers, Iterable)  # noqa: S101 - ASGI says a list of pairs
        forwarded = b",".join(value for name, value in headers if name == b"x-forwarded-for")
        found = _from_forwarded(forwarded.decode("latin-1"))
        if found:
            return found
    client = scope.get("client")
    if isinstance(client, list | tuple) and client:
        return str(client[0])
    return UNKNOWN
