"""Real processes for tests: a Celery worker or beat on the test database and the test Redis.

Each test gets a Celery queue of its own on the shared Redis, so a worker only sees the tasks
its test sent, and leftovers (a message a killed worker never acknowledged) go nowhere.
"""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import redis
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def service_env(**overrides: str) -> dict[str, str]:
    """The environment a child process needs to serve the test database and the test Redis.

    Never DJANGO_ALLOW_ASYNC_UNSAFE, which a browser test sets for its own process while Playwright's
    loop runs (tests/e2e/conftest.py): a server must refuse a database call from async code."""
    db = connection.settings_dict
    return {
        **{name: value for name, value in os.environ.items() if name != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DATABASE_POOL": "0",
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_SETTINGS_MODULE": "project.settings",
        "LOG_LEVEL": "INFO",
        "SNAPSHOT_CHECK_SECONDS": "0",  # a test changes the shop's terms and looks at once
        **overrides,
    }


@dataclass
class CeleryProcess:
    """One running `celery worker` or `celery beat`, in a process group of its own."""

    process: subprocess.Popen[bytes]
    log_path: Path

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL the whole group (main process and pool children): no chance to clean up."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


@contextmanager
def celery_queue() -> Iterator[str]:
    """A fresh queue name; the test process sends to it (not eagerly) until the block ends."""
    from project.celery import app

    queue = f"test-{uuid.uuid4().hex[:12]}"
    previous = (app.conf.task_default_queue, app.conf.task_always_eager)
    app.conf.task_default_queue, app.conf.task_always_eager = queue, False
    try:
        yield queue
    finally:
        app.conf.task_default_queue, app.conf.task_always_eager = previous
        _forget_queue(queue)


def _forget_queue(queue: str) -> None:
    """Drop the queue and any message a killed worker left unacknowledged for it."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete(queue)
    for tag, raw in client.hgetall("unacked").items():
        try:
            _message, _exchange, routing_key = json.loads(raw)
        except (ValueError, TypeError):
            continue
        if routing_key == queue:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)


@contextmanager
def start_celery(
    kind: str, log_dir: Path, *, queue: str, ready: str, concurrency: int = 1, **env: str
) -> Iterator[CeleryProcess]:
    """Run `celery worker` or `celery beat` against the test database and Redis until the block ends.

    `ready` is a line fragment of the process's log that says it is serving.
    """
    log_path = log_dir / f"{kind}-{uuid.uuid4().hex[:6]}.log"
    args = [sys.executable, "-m", "celery", "-A", "project", kind, "--loglevel", "INFO"]
    if kind == "worker":
        args += ["--queues", queue, "--hostname", f"{queue}-{log_path.stem}@%h", "--concurrency", str(concurrency)]
        args += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    else:
        args += ["--schedule", str(log_dir / f"beat-{uuid.uuid4().hex[:6]}")]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            args,
            cwd=ROOT,
            env=service_env(**{"CELERY_EAGER": "0", "CELERY_QUEUE": queue, **env}),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        running = CeleryProcess(process=process, log_path=log_path)
        try:
            deadline = time.monotonic() + 30
            while ready not in running.log_text():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"celery {kind} did not start:\n{running.log_text()[-3000:]}")
                time.sleep(0.1)
            yield running
        finally:
            running.stop()
