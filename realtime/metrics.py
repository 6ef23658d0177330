"""Prometheus metrics of the live transport, in the registry of the process that serves them.

Each Daphne process counts its own sockets; a broadcast is counted by the process that
publishes it (a web process, or a Celery worker when a task publishes). /metrics serves them
(project/metrics.py).
"""

from prometheus_client import Counter, Gauge, Histogram

LIVE_SOCKETS = Gauge(
    "storefront_live_sockets",
    "Live WebSockets open on this process (accepted and not yet closed).",
    multiprocess_mode="livesum",
)
LIVE_SOCKETS_CLOSED = Counter(
    "storefront_live_sockets_closed",
    "Live WebSockets this process refused or closed to protect itself, by reason: slow_reader (its client"
    " stopped reading), backlog (too many pushes while its snapshot was read), snapshot_failed, address_limit.",
    ["reason"],
)
BROADCASTS = Counter(
    "storefront_broadcasts",
    "Fragments published to a topic (Redis PUBLISH, or the local hub) or lost to a Redis or render error (failed).",
    ["outcome"],
)
PUBLISH_SECONDS = Histogram(
    "storefront_broadcast_publish_seconds",
    "Time to publish one fragment for all of a topic's pages (one Redis PUBLISH).",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
FANOUT_SECONDS = Histogram(
    "storefront_broadcast_fanout_seconds",
    "Time for this process's hub to hand one fragment to every local socket following its topic.",
    buckets=(0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
)

for _outcome in ("published", "failed"):
    BROADCASTS.labels(outcome=_outcome)  # both series exist from the start, at 0
for _reason in ("slow_reader", "backlog", "snapshot_failed", "address_limit"):
    LIVE_SOCKETS_CLOSED.labels(reason=_reason)
