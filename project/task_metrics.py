"""Celery task outcomes, counted where each task runs, and the worker's own exporter.

In the embedded mode tasks run in the web process, whose /metrics serves the counts. In the
services mode they run in the worker's pool processes: its exporter (METRICS_WORKER_PORT) adds up
the per-process files that prometheus_client writes when PROMETHEUS_MULTIPROC_DIR is set
(deploy/docker-entrypoint.sh sets it).
"""

import logging
from typing import Any

from celery import signals
from django.conf import settings
from prometheus_client import REGISTRY, CollectorRegistry, Counter, start_http_server
from prometheus_client.multiprocess import MultiProcessCollector

logger = logging.getLogger(__name__)

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
