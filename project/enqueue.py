"""Queue Celery tasks once the transaction that asked for them commits: the one way code enqueues.

A task queued before the commit could run before its rows are visible, or for rows that then roll
back; one queued after commit sees what the service wrote. Outside a transaction (a sweep, a view in
autocommit) the task is queued at once. A broker that cannot take the message is logged, not raised:
what was committed stands, and every task queued here has a sweep (beat) that finds its work again.
In the embedded mode Celery is eager and the task runs here, in this process.
"""

import logging
from typing import Any

from celery import Task
from django.conf import settings
from django.db import transaction

from project.breaker import redis_breaker

logger = logging.getLogger(__name__)


def enqueue_on_commit(task: Task[Any, Any], *args: Any, countdown: float | None = None) -> None:
    """Queue `task(*args)` after the current transaction commits (at once outside one).

    `countdown` holds it back that many seconds once queued (a first retry, say).
    """

    def send() -> None:
        broker = settings.CELERY_BROKER_URL
        breaker = (
            redis_breaker(broker) if broker.startswith("redis") and not settings.CELERY_TASK_ALWAYS_EAGER else None
        )
        if breaker is not None and breaker.is_open():  # a stalled broker is not waited on (project/breaker.py)
            logger.warning(
                "task not queued (Redis failed a moment ago); its sweep will find the work",
                extra={"task": task.name, "task_args": list(args)},
            )
            return
        try:
            if countdown is None:
                task.delay(*args)
            else:
                task.apply_async(args, countdown=countdown)
        except Exception as error:  # the broker is down (or, eagerly, the task failed): its sweep finds the work
            if breaker is not None:
                breaker.trip(error)
            logger.warning(
                "task not queued; its sweep will find the work",
                extra={"task": task.name, "task_args": list(args)},
                exc_info=True,
            )

    transaction.on_commit(send)
