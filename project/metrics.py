"""Prometheus metrics: /metrics, and what every process's metrics share.

One registry per process. Daphne runs one process per pod (or per `make run`), so the
default registry of that process is the whole truth for its requests and sockets;
Prometheus scrapes every pod and sums. What is counted, and where:
- request latency: project/http_metrics.py (a middleware);
- Celery task outcomes: project/task_metrics.py, where tasks run (the worker has its own exporter);
- the live transport (open sockets, broadcasts): realtime/metrics.py;
- orders and notifications by status: commerce/ops/metrics.py, read from the database at
  scrape time, and only here (web processes), not by the worker's exporter.
"""

import hmac
import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, disable_created_metrics, generate_latest

import realtime.metrics  # noqa: F401 - registers the live transport's metrics with this process
from commerce.ops.metrics import store_registry

# No `*_created` series: they double the output and no dashboard here reads them.
disable_created_metrics()  # type: ignore[no-untyped-call]


@lru_cache(maxsize=8)
def _networks(cidrs: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(cidr.strip(), strict=False) for cidr in cidrs if cidr.strip())


def _refusal(request: HttpRequest) -> HttpResponse | None:
    """None if the caller may read the metrics, else the response that says no."""
    token: str = settings.METRICS_TOKEN
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
            return None
        refused = HttpResponse("metrics need a bearer token\n", status=401, content_type="text/plain")
        refused["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return refused
    # By address only for direct connections: behind a proxy the address is whatever the
    # X-Forwarded-For header said, which a client may have written itself.
    if "x-forwarded-for" not in request.headers and "forwarded" not in request.headers:
        try:
            address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
        except ValueError:
            address = None
        if address is not None and any(address in net for net in _networks(tuple(settings.METRICS_ALLOWED_NETWORKS))):
            return None
    return HttpResponse("metrics are not served to this address\n", status=403, content_type="text/plain")


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """The Prometheus text format: this process's metrics, then the store's counts by status."""
    refused = _refusal(request)
    if refused is not None:
        return refused
    body = generate_latest(REGISTRY) + generate_latest(store_registry)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
