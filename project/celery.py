"""The Celery application; configuration comes from Django settings (CELERY_*)."""

import os
from typing import Any

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

app = Celery("storefront")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Signal receivers: the request id travels with each task; task outcomes are counted (and the
# worker's metrics follow the same rules as the web process's: project.metrics).
from project import metrics, request_id, task_metrics  # noqa: E402, F401


@signals.celeryd_init.connect
@signals.beat_init.connect
def _start_error_tracking(**kwargs: Any) -> None:
    """The worker (before it forks its pool) and beat report errors to Sentry when SENTRY_DSN is set.

    Imported here, not above: every process imports this module while its settings load.
    """
    from project.sentry import sentry_start

    sentry_start()
