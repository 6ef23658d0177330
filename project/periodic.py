"""Celery beat's schedule: every periodic job of the store, and the setting that says how often it runs.

In the services mode beat queues these; in the embedded mode `manage.py run_periodic` runs them in
process. An area with a periodic job adds a line here (a number of seconds, or the name of the
setting that holds it).
"""

from collections.abc import Mapping
from typing import Any

JOBS: list[tuple[str, str, str | int]] = [
    ("release-expired-holds", "commerce.orders.tasks.release_expired_holds", "HOLD_RELEASE_INTERVAL_SECONDS"),
    ("clear-expired-sessions", "commerce.accounts.tasks.clear_expired_sessions", 6 * 3600),
    ("payments-sweep", "commerce.payments.tasks.payments_sweep", 300),
    ("notifications-sweep", "commerce.notifications.tasks.sweep", "NOTIFICATION_SWEEP_INTERVAL_SECONDS"),
    ("support-replies-notify", "commerce.support.tasks.replies_notify", "SUPPORT_REPLY_CHECK_INTERVAL_SECONDS"),
    ("search-consistency-check", "commerce.search.tasks.check_consistency", "SEARCH_CHECK_INTERVAL_SECONDS"),
    ("cart-codes-on-time", "commerce.cart.tasks.code_carts_on_time", "CODE_TIME_CHECK_INTERVAL_SECONDS"),
    ("stock-alerts-offer", "commerce.alerts.tasks.alerts_offer", 60),
    ("webhooks-sweep", "commerce.webhooks.tasks.sweep", 60),
    ("recommendations-compute", "commerce.recommendations.tasks.recommendations_compute", 3600),
]


def beat_schedule(settings: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """CELERY_BEAT_SCHEDULE from JOBS, each interval read from `settings` (the settings module's names)."""
    return {
        name: {"task": task, "schedule": float(settings[every] if isinstance(every, str) else every)}
        for name, task, every in JOBS
    }
