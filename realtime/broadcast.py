"""Publishing fragments to the pages that follow a topic.

The publisher renders the fragment once per event; the group message carries the
string, and every consumer only forwards it. Publishing never raises into the
caller: a channel layer failure is logged and counted, and pages heal through the
snapshot on their next (re)connect. The database is the truth, the push a hint.
"""

import logging
import threading
from collections import Counter

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

MESSAGE_TYPE = "live.fragment"
stats: Counter[str] = Counter()
_stats_lock = threading.Lock()


def group_name(topic: str) -> str:
    """Channels group names allow letters, digits, '-', '_' and '.'; topics are already in that alphabet."""
    return f"live.{topic}"


def _count(key: str) -> None:
    with _stats_lock:
        stats[key] += 1


def publish(topic: str, html: str) -> bool:
    """Send a fragment to every page following `topic` now; False (logged) if the layer failed."""
    layer = get_channel_layer()
    if layer is None:
        return False
    try:
        async_to_sync(layer.group_send)(group_name(topic), {"type": MESSAGE_TYPE, "html": html})
    except Exception:  # the layer is a hint: never fail the request for it
        _count("failed")
        logger.exception("realtime publish failed", extra={"topic": topic})
        return False
    _count("published")
    return True


_pending = threading.local()


def publish_on_commit(topic: str, html: str) -> None:
    """Publish once the current transaction commits (at once outside a transaction).

    A topic published several times in one transaction (a checkout that takes and gives
    back the same variant, a merge that touches a cart twice) is sent once, with the last
    fragment: each call supersedes the earlier ones of its thread.
    """
    latest: dict[str, tuple[int, str]] = getattr(_pending, "latest", None) or {}
    _pending.latest = latest
    _pending.seq = seq = getattr(_pending, "seq", 0) + 1
    latest[topic] = (seq, html)

    def send() -> None:
        current = latest.get(topic)
        if current is None or current[0] != seq:
            return  # superseded by a later publish of the same topic
        del latest[topic]
        publish(topic, current[1])

    transaction.on_commit(send, robust=True)
