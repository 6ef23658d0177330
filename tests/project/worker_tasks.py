"""A task for tests that run a real Celery worker (`celery worker --include tests.project.worker_tasks`)."""

import logging

from project.celery import app

logger = logging.getLogger(__name__)


@app.task(name="tests.project.log_something")
def log_something(word: str) -> str:
    logger.info("the task says %s", word)
    return word
