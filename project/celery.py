"""The Celery application; configuration comes from Django settings (CELERY_*)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")

app = Celery("storefront")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Signal receivers: the request id travels with each task; task outcomes are counted (and the
# worker's metrics follow the same rules as the web process's: project.metrics).
from project import metrics, request_id, task_metrics  # noqa: E402, F401
