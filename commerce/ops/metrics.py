"""The store's figures for Prometheus, read from the database at scrape time: orders and
notifications by status (two GROUP BY queries on indexed columns).

Served by the web processes' /metrics (project/metrics.py) only, never by the worker's exporter.
"""

import logging
from collections.abc import Iterable, Iterator

from django.db.models import Count
from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)


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


store_registry = CollectorRegistry(auto_describe=False)
store_registry.register(StoreCollector())
