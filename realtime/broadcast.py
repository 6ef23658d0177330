"""Publishing fragments to the pages that follow a topic.

The publisher renders the fragment once per event; one Redis PUBLISH carries the string
to every process, whose hub hands it to each local socket (realtime/hub.py). Publishing
never raises into the caller: a Redis failure is logged and counted, and pages heal
through the snapshot on their next (re)connect. The database is the truth, the push a hint.
"""

import logging
import threading
from collections import Counter
from collections.abc import Callable, Hashable

from django.conf import settings
from django.db import connections, transaction

from . import hub, topics
from .hub import publish_fragment
from .metrics import BROADCASTS, PUBLISH_SECONDS

logger = logging.getLogger(__name__)

stats: Counter[str] = Counter()
_stats_lock = threading.Lock()


def _count(key: str) -> None:
    with _stats_lock:
        stats[key] += 1
    BROADCASTS.labels(outcome=key).inc()


def publish(topic: str, html: str) -> bool:
    """Send a fragment to every page following `topic` now; False (logged) if Redis failed."""
    try:
        with PUBLISH_SECONDS.time():
            publish_fragment(topic, html)
    except Exception:  # the push is a hint: never fail the request for it
        _count("failed")
        logger.exception("realtime publish failed", extra={"topic": topic})
        return False
    _count("published")
    return True


_ONCE_KEY = "on_commit_once_key"  # the attribute that tags a pending callback with its key
_UNTAGGED = object()


def on_commit_once(key: Hashable, callback: Callable[[], object], *, using: str | None = None) -> None:
    """Run `callback` once the current transaction commits (at once outside a transaction),
    once per `key`: a later call with the same key replaces the earlier one, and runs last.

    Savepoints: a pending call is replaced only when every savepoint it was made in is still
    open (a rollback that drops the new call then drops the old one too); a call made in a
    savepoint that is later rolled back never cancels one made outside it. In that rare case
    (a call, then another deeper in a savepoint that is released) both run: never lost, at
    worst sent twice.

    Reads Django's pending callbacks (`connection.run_on_commit`: savepoint ids, callback,
    robust), which its savepoint rollback filters; tests/realtime/test_broadcasts.py covers it.
    """
    connection = transaction.get_connection(using)
    if connection.in_atomic_block:
        open_now = set(connection.savepoint_ids)
        connection.run_on_commit[:] = [
            entry
            for entry in connection.run_on_commit
            if not (getattr(entry[1], _ONCE_KEY, _UNTAGGED) == key and entry[0] >= open_now)
        ]

    def run() -> None:
        callback()

    setattr(run, _ONCE_KEY, key)
    run.__qualname__ = getattr(callback, "__qualname__", run.__qualname__)  # as Django logs a failure
    transaction.on_commit(run, using=using, robust=True)


def publish_on_commit(topic: str, html: str, *, part: str = "") -> None:
    """Publish once the current transaction commits (at once outside a transaction).

    A fragment is the state of one `part` of the topic's pages (by default the whole topic):
    published several times in one transaction (a checkout that takes and gives back the same
    variant, a merge that touches a cart twice), a part is sent once, with its last fragment.
    Fragments that add to a page (a new message) name their own part, so none is lost.
    """
    on_commit_once(("publish", topic, part), lambda: publish(topic, html))


class Coalescer:
    """Per process: topics marked changed within a short window are rendered and published once.

    A burst of sales of one variant (a flash sale) becomes one push carrying the figure as
    it is when the window closes, read from the database, instead of one push per sale.
    """

    def __init__(self) -> None:
        self._dirty: set[str] = set()
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        # One flush at a time: a flush that starts later reads, and so publishes, a later state, and
        # publishes it last. Two at once (a timer firing while another flush renders) could finish in
        # the wrong order and leave pages on the older figures until the next change.
        self._flushing = threading.Lock()

    def mark(self, topic: str) -> None:
        window = float(settings.REALTIME_COALESCE_SECONDS)
        if window <= 0:
            self._publish([topic])
            return
        with self._lock:
            self._dirty.add(topic)
            if self._timer is None:
                self._timer = threading.Timer(window, self.flush)
                self._timer.daemon = True
                self._timer.start()

    def flush(self) -> None:
        on_timer = False
        try:
            with self._flushing:
                with self._lock:
                    due, self._dirty = sorted(self._dirty), set()
                    timer, self._timer = self._timer, None
                on_timer = timer is threading.current_thread()
                if timer is not None and not on_timer:
                    timer.cancel()
                self._publish(due)
        finally:
            if on_timer or isinstance(threading.current_thread(), threading.Timer):
                connections.close_all()  # this thread's own connections

    def _publish(self, due: list[str]) -> None:
        # Render only what some page follows now (one Redis round trip for the whole window); a
        # page that starts following later reads the same state in its snapshot.
        watched = hub.followed(due) if due else set()
        for topic in due:
            try:
                html = topics.push(topic, followed=topic in watched)
            except Exception:  # a failed render must not stop the others
                _count("failed")
                logger.exception("realtime render failed", extra={"topic": topic})
                continue
            if html:
                publish(topic, html)


coalescer = Coalescer()


def publish_state_on_commit(topic: str) -> None:
    """After commit, push the topic's current state (its registered snapshot), coalescing bursts."""
    transaction.on_commit(lambda: coalescer.mark(topic), robust=True)
