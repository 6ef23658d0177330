"""The one module that talks to receivers: POST a signed body, no redirects, no proxies, a time limit.

An endpoint's address must be public (the store must not be made to call its own network: metadata
services, databases, the admin) unless WEBHOOK_ALLOW_PRIVATE_HOSTS says otherwise (a shop whose
integrations run on its own network; the tests' local receiver). It is checked when staff save it
and again before each POST, since a name can come to point elsewhere.
"""

import http.client
import ipaddress
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

RESPONSE_EXCERPT = 2048  # bytes of each answer kept in the delivery log


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # a redirect is the answer (a failure): the address checked is the one called


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects)


def url_problem(url: str) -> str | None:
    """Why the store may not POST to `url` (None: it may): http(s), a host, a public address."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return "Give a valid http(s) address."
    if parts.scheme not in ("http", "https"):
        return "Give an http:// or https:// address."
    if not host:
        return "The address names no host."
    if parts.username or parts.password:
        return "Put no user name or password in the address: payloads are signed instead."
    try:
        addresses = {str(info[4][0]) for info in socket.getaddrinfo(host, parts.port or None, type=socket.SOCK_STREAM)}
    except (OSError, UnicodeError, ValueError):
        return "The host could not be found."
    if not settings.WEBHOOK_ALLOW_PRIVATE_HOSTS and not all(
        ipaddress.ip_address(address.split("%")[0]).is_global for address in addresses
    ):
        return "The host is on a private network: webhooks go to public addresses only."
    return None


@dataclass(frozen=True)
class Answer:
    """What one POST got: a status code and the start of the body, or an error (no answer)."""

    status_code: int | None
    body: str
    error: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def post(url: str, body: bytes, headers: dict[str, str]) -> Answer:
    """POST `body` to `url` once; never raises for what the receiver or the network does."""
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    problem = url_problem(url)
    if problem:
        return Answer(None, "", problem, 0)
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - http(s) only
    try:
        with _OPENER.open(request, timeout=settings.WEBHOOK_TIMEOUT) as answer:
            text = answer.read(RESPONSE_EXCERPT).decode("utf-8", "replace")
            return Answer(answer.status, text, "", took())
    except urllib.error.HTTPError as exc:  # an answer, not a 2xx (3xx included: redirects are not followed)
        try:
            text = exc.read(RESPONSE_EXCERPT).decode("utf-8", "replace")
        except OSError:
            text = ""
        return Answer(exc.code, text, "", took())
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
        return Answer(None, "", str(getattr(exc, "reason", exc))[:500], took())
