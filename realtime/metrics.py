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
BROADCASTS = Counter(
    "storefront_broadcasts",
    "Fragments handed to the channel layer (published) or lost to a layer or render error (failed).",
    ["outcome"],
)
PUBLISH_SECONDS = Histogram(
    "storefront_broadcast_publish_seconds",
    "Time to hand one fragment to the channel layer for all of a topic's pages (one group send).",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)

for _outcome in ("published", "failed"):
    BROADCASTS.labels(outcome=_outcome)  # both series exist from the start, at 0
