"""Run the beat schedule's tasks in this process, each on its own interval: the embedded mode's beat.

Hold release, the notification outbox sweep, unread support replies, the search consistency
check: whatever CELERY_BEAT_SCHEDULE names. In the services mode `celery beat` does this.
"""

import logging
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run the periodic tasks of CELERY_BEAT_SCHEDULE in process, on their intervals (Ctrl-C stops)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Run every task once and exit.")

    def handle(self, *args: Any, once: bool = False, **options: Any) -> None:
        from project.celery import app

        app.loader.import_default_modules()  # the apps' tasks modules (autodiscovery is lazy)
        beat: dict[str, dict[str, Any]] = settings.CELERY_BEAT_SCHEDULE
        schedule = {name: (str(entry["task"]), float(entry["schedule"])) for name, entry in beat.items()}
        due = dict.fromkeys(schedule, 0.0)
        while True:
            now = time.monotonic()
            for name, (task, every) in schedule.items():
                if due[name] > now:
                    continue
                due[name] = now + every
                try:
                    result = app.tasks[task].apply().get(propagate=True)
                except Exception:  # one failing job must not stop the others
                    logger.exception("periodic task failed", extra={"task": task})
                    continue
                finally:
                    close_old_connections()
                if result:
                    self.stdout.write(f"{name}: {result}")
            if once:
                return
            time.sleep(max(0.5, min(due.values()) - time.monotonic()))
