"""Prometheus metrics: /metrics, request latency, Celery task outcomes, stores by status.

One registry per process. Daphne runs one process per pod (or per `make run`), so the
default registry of that process is the whole truth for its requests and sockets;
Prometheus scrapes every pod and sums. The Celery worker is different: tasks run in its
pool processes, so its exporter (METRICS_WORKER_PORT) adds up the per-process files that
prometheus_client writes when PROMETHEUS_MULTIPROC_DIR is set (deploy/docker-entrypoint.sh
sets it). The live transport's own metrics (open sockets, broadcasts) are in realtime.metrics.

Gauges of orders and notifications by status come from the database at scrape time (two
GROUP BY queries on indexed columns) and only from web processes, through /metrics.
"""

import hmac
import ipaddress
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from functools import lru_cache
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from celery import signals
from django.conf import settings
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

import realtime.metrics  # noqa: F401 - registers the live transport's metrics with this process

logger = logging.getLogger(__name__)

# No `*_created` series: they double the output and no dashboard here reads them.
disable_created_metrics()  # type: ignore[no-untyped-call]

# --- HTTP ---------------------------------------------------------------------------

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


# --- Celery task outcomes (counted where the task runs) ------------------------------

TASKS = Counter("storefront_celery_tasks", "Celery task outcomes, by task name.", ["task", "outcome"])


def _task_name(sender: Any) -> str:
    return str(getattr(sender, "name", None) or "unknown")


@signals.task_success.connect
def _task_success(sender: Any = None, **kwargs: Any) -> None:
    TASKS.labels(task=_task_name(sender), outcome="success").inc()


@signals.task_failure.connect
def _task_failure(sender: Any = None, **kwargs: Any) -> None:
    TASKS.labels(task=_task_name(sender), outcome="failure").inc()


@signals.task_retry.connect
def _task_retry(sender: Any = None, **kwargs: Any) -> None:
    TASKS.labels(task=_task_name(sender), outcome="retry").inc()


def worker_registry() -> CollectorRegistry:
    """What the worker's exporter serves: every pool process's counts when they write files."""
    if not settings.PROMETHEUS_MULTIPROC_DIR:
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=settings.PROMETHEUS_MULTIPROC_DIR)  # type: ignore[no-untyped-call]
    return registry


def start_worker_exporter(port: int, addr: str) -> tuple[Any, Any]:
    """Serve the worker's metrics over HTTP from a daemon thread; returns (server, thread)."""
    served = start_http_server(port, addr=addr, registry=worker_registry())
    logger.info("worker metrics exporter listening", extra={"addr": addr, "port": port})
    return served


@signals.worker_ready.connect
def _worker_exporter(**kwargs: Any) -> None:
    # worker_ready fires once, in the worker's main process (not in beat, not in pool processes).
    if settings.METRICS_WORKER_PORT:
        start_worker_exporter(settings.METRICS_WORKER_PORT, settings.METRICS_WORKER_ADDR)


# --- The store, read from the database at scrape time --------------------------------


class StoreCollector(Collector):
    """Orders and notifications by status: cheap GROUP BY counts, every status present (0 if none)."""

    def describe(self) -> Iterable[Metric]:
        # Declared without samples, so that registering queries nothing.
        yield GaugeMetricFamily("storefront_orders", "Orders by status.", labels=["status"])
        yield GaugeMetricFamily("storefront_notifications", "Notifications (outbox rows) by status.", labels=["status"])

    def collect(self) -> Iterator[Metric]:
        from commerce.notifications.models import Notification
        from commerce.orders.models import Order

        for name, help_text, model in (
            ("storefront_orders", "Orders by status.", Order),
            ("storefront_notifications", "Notifications (outbox rows) by status.", Notification),
        ):
            try:
                counts = dict(model.objects.order_by().values_list("status").annotate(n=Count("pk")))
            except Exception as exc:  # a database hiccup must not take the other metrics down with it
                logger.warning("metrics: could not count by status", extra={"metric": name, "error": repr(exc)})
                continue
            family = GaugeMetricFamily(name, help_text, labels=["status"])
            for status in model.Status.values:
                family.add_metric([status], counts.get(status, 0))
            yield family


_store_registry = CollectorRegistry(auto_describe=False)
_store_registry.register(StoreCollector())


# --- /metrics ---------------------------------------------------------------------------


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
    body = generate_latest(REGISTRY) + generate_latest(_store_registry)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
