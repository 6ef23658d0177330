"""Request latency: each HTTP request timed by method, URL pattern and status code (served at /metrics)."""

import time
from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponseBase
from prometheus_client import Histogram

REQUEST_SECONDS = Histogram(
    "storefront_http_request_duration_seconds",
    "Time from the request reaching Django's middleware to the response leaving it.",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNRESOLVED = "<unresolved>"  # static files (WhiteNoise answers before URL resolution) and 404s


def _observe(request: HttpRequest, response: HttpResponseBase, seconds: float) -> None:
    # The URL pattern, not the path: one series per route, whatever the ids in the URL.
    match = getattr(request, "resolver_match", None)
    route = f"/{match.route}" if match is not None else UNRESOLVED
    method = request.method if request.method in _METHODS else "OTHER"
    REQUEST_SECONDS.labels(method=method, route=route, status=str(response.status_code)).observe(seconds)


class MetricsMiddleware:
    """Time each HTTP request by method, URL pattern and status code."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponseBase | Awaitable[HttpResponseBase]:
        if self.is_async:
            return self.__acall__(request)
        started = time.perf_counter()
        response: HttpResponseBase = self.get_response(request)
        _observe(request, response, time.perf_counter() - started)
        return response

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        response: HttpResponseBase = await self.get_response(request)
        _observe(request, response, time.perf_counter() - started)
        return response
