"""Error tracking: Sentry for the web, the worker and beat when SENTRY_DSN is set; off by default.

What goes: unhandled exceptions (a view's, a Celery task's, an asyncio task's) and ERROR log
records, each with its stack (source lines, no local variables), the request's method, path and
harmless headers, the log lines before it as breadcrumbs, the request id as a tag, the release
and environment, and the signed-in user's id. What does not: e-mail addresses (wherever they
appear), cookies, Authorization and other credential headers, request bodies, token-like query
values, client IP addresses and task arguments. No tracing: errors only.

The web starts it in project/asgi.py and wraps its ASGI app with `sentry_asgi`; the worker and
beat start it from project/celery.py when they boot.
"""

import asyncio
import re
from typing import Any, cast

import sentry_sdk
from django.conf import settings
from django.core.signals import got_request_exception
from django.http import HttpRequest
from sentry_sdk.integrations import Integration
from sentry_sdk.integrations.asgi import SentryAsgiMiddleware
from sentry_sdk.integrations.asyncio import AsyncioIntegration, enable_asyncio_integration
from sentry_sdk.integrations.celery import CeleryIntegration
from sentry_sdk.integrations.django import DjangoIntegration
from sentry_sdk.types import Event, Hint

from project.request_id import get_request_id

FILTERED = "[Filtered]"
_USER_RECEIVER = "project.sentry.user"

_EMAIL = re.compile(r"[\w.+-]+(?:@|%40)[\w-]+(?:\.[\w-]+)+")
_CREDENTIAL = re.compile(r"\b(Bearer|bearer|Basic|Token)\s+[\w.~+/=-]+")  # an Authorization value
# Query parameters whose values are secrets or personal: tokens (the live socket's `t` too),
# signatures, keys, sessions, e-mail addresses, phone numbers, one-time codes.
_PRIVATE_PARAM = r"[\w.-]*(?:token|secret|passw|sig|key|auth|session|csrf|email|phone|code)[\w.-]*|t"
_SECRET_QUERY_VALUE = re.compile(rf"(?i)((?:^|[?&;])(?:{_PRIVATE_PARAM})=)[^&;#\s\"']*")
_SECRET_COOKIE = re.compile(r"(?i)\b([\w-]*(?:session|csrf|messages)[\w-]*=)[^;\s\"']+")
_SECRET_HEADER = re.compile(
    r"(?i)auth|cookie|token|secret|session|csrf|key|signature|forwarded|real-ip|client-ip|^via$"
)
# Where an event holds code, not data: left as it is.
_CODE_KEYS = frozenset({"pre_context", "context_line", "post_context", "abs_path", "filename", "module", "function"})


def sentry_start() -> bool:
    """Start error tracking if SENTRY_DSN is set (once per process, at its start); say whether it runs."""
    if not settings.SENTRY_DSN:
        return False
    if sentry_sdk.get_client().is_active():
        return True
    # Before Sentry's own receiver (connected by the first init), which reports the exception; kept
    # connected after `sentry_stop`, so that it stays first.
    got_request_exception.connect(_note_user, dispatch_uid=_USER_RECEIVER, weak=False)
    integrations: list[Integration] = [
        DjangoIntegration(middleware_spans=False, signals_spans=False, cache_spans=False),
        CeleryIntegration(),
    ]
    if _loop_running():
        integrations.append(AsyncioIntegration(task_spans=False))
    sentry_sdk.init(
        dsn=settings.SENTRY_DSN,
        environment=settings.SENTRY_ENVIRONMENT,
        release=settings.SENTRY_RELEASE or None,  # None: Sentry's own guess (SENTRY_RELEASE, git)
        integrations=integrations,
        auto_enabling_integrations=False,  # no Redis or httpx hooks on every command and call
        # send_default_pii is left unset, which is off (sentry-sdk 2.76 warns when it is passed).
        include_local_variables=False,  # a frame's variables hold addresses, names, carts
        max_request_body_size="never",
        before_send=scrub_event,
        # No traces_sample_rate: no tracing, errors only.
    )
    return True


def sentry_stop() -> None:
    """Send what is queued and stop (a process's exit does this by itself; the tests call it)."""
    client = sentry_sdk.get_client()
    client.flush(timeout=5)
    client.close()
    sentry_sdk.get_global_scope().set_client(None)


def sentry_asgi(app: Any) -> Any:
    """The web's ASGI app, as it is when Sentry is off; when on, with a Sentry scope per request."""
    return _SentryASGI(app) if sentry_sdk.get_client().is_active() else app


class _SentryASGI:
    """Each HTTP request in a Sentry scope of its own (project.handler.StoreASGIHandler replaces the
    `ASGIHandler.__call__` Sentry patches, so nothing else would make one, and what one request
    notes would pile up for all); asyncio tasks reported once the server's event loop runs."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.http = SentryAsgiMiddleware(app, transaction_style="url", asgi_version=3)
        self.loop_followed = False

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if not self.loop_followed:
            self.loop_followed = True
            enable_asyncio_integration(task_spans=False)
        if scope["type"] == "http":
            await self.http(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _note_user(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """The signed-in user's id on the failed request's scope, if the request loaded its user (no query here)."""
    if not sentry_sdk.get_client().is_active():
        return
    user = getattr(request, "_cached_user", None)
    if user is not None and user.is_authenticated:
        sentry_sdk.get_isolation_scope().set_user({"id": str(user.pk)})


def scrub_event(event: Event, hint: Hint) -> Event:
    """Keep what finds the fault, drop the personal data; tag the event with its request id."""
    data = cast(dict[str, Any], event)
    request = data.get("request")
    if isinstance(request, dict):
        _scrub_request(request)
    user = data.get("user")
    user_id = user.get("id") if isinstance(user, dict) else None
    if user_id is not None:
        data["user"] = {"id": str(user_id)}
    else:
        data.pop("user", None)
    tags = data.get("tags")
    if not isinstance(tags, dict):
        tags = data["tags"] = {}
    request_id = get_request_id()
    if request_id is not None:
        tags["request_id"] = request_id
    return cast(Event, _scrub_strings(data))


def _scrub_request(request: dict[str, Any]) -> None:
    request.pop("cookies", None)
    request.pop("data", None)
    env = request.get("env")
    if isinstance(env, dict):
        env.pop("REMOTE_ADDR", None)
    headers = request.get("headers")
    if isinstance(headers, dict):
        request["headers"] = {
            name: FILTERED if _SECRET_HEADER.search(str(name)) else value for name, value in headers.items()
        }


def _scrub_strings(value: Any, key: str = "") -> Any:
    """Every string of the event (code aside) with addresses, credentials and secret query values filtered."""
    if isinstance(value, str):
        return value if key in _CODE_KEYS else _scrub_text(value)
    if isinstance(value, dict):
        return {name: _scrub_strings(item, str(name)) for name, item in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub_strings(item, key) for item in value]
    return value


def _scrub_text(text: str) -> str:
    text = _EMAIL.sub("[email]", text)
    text = _CREDENTIAL.sub(rf"\1 {FILTERED}", text)
    text = _SECRET_COOKIE.sub(rf"\1{FILTERED}", text)
    return _SECRET_QUERY_VALUE.sub(rf"\1{FILTERED}", text)
