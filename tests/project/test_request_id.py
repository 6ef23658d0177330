"""A request id: taken or made, sent back, written on every log line, carried into Celery tasks."""

import io
import json
import logging
import re
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection, connections

from project import health
from project.request_id import HEADER, request_id_var
from tests.project.worker_tasks import log_something

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def json_log_lines() -> Iterator[list[dict]]:
    """What the configured stdout handler (JSON formatter, request id filter) writes, parsed."""
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "name", "") == "stdout")
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    lines: list[dict] = []
    try:
        yield lines
    finally:
        handler.setStream(previous)
        lines.extend(json.loads(line) for line in buffer.getvalue().splitlines() if line.startswith("{"))


@pytest.mark.django_db
def test_a_request_without_an_id_gets_a_new_one(client):
    first = client.get("/healthz")[HEADER]
    second = client.get("/healthz")[HEADER]

    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert second != first


@pytest.mark.django_db
def test_an_upstream_id_is_kept(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="edge-7f3a.42")

    assert response[HEADER] == "edge-7f3a.42"


@pytest.mark.django_db
@pytest.mark.parametrize("given", ["two words", "line\nbreak", "x" * 129, "", "-starts-with-a-dash"])
def test_an_unlikely_upstream_id_is_replaced(client, given):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=given)

    assert re.fullmatch(r"[0-9a-f]{32}", response[HEADER])


@pytest.mark.django_db
def test_log_lines_written_during_a_request_carry_its_id(client, monkeypatch):
    def broken() -> None:
        raise RuntimeError("down")

    monkeypatch.setattr(health, "CHECKS", {"thing": broken})

    with json_log_lines() as lines:
        response = client.get("/readyz", HTTP_X_REQUEST_ID="req-1")

    assert response.status_code == 503
    warning = next(line for line in lines if line["message"] == "readiness check failed")
    assert warning["request_id"] == "req-1"
    assert request_id_var.get() is None  # nothing leaks past the request


@pytest.mark.django_db(transaction=True)
async def test_under_asgi_djangos_own_4xx_line_carries_the_id_too(async_client):
    # Django logs "Not Found: ..." after the middleware chain has returned.
    try:
        with json_log_lines() as lines:
            response = await async_client.get("/products/no-such-thing/", headers={"X-Request-ID": "req-404"})
    finally:
        await sync_to_async(connections.close_all)()  # the view's connection, in asgiref's thread

    assert response.status_code == 404
    assert response[HEADER] == "req-404"
    not_found = next(line for line in lines if line["logger"] == "django.request")
    assert not_found["request_id"] == "req-404"


def test_log_lines_outside_a_request_have_no_id():
    with json_log_lines() as lines:
        logging.getLogger("commerce.test").warning("no request here")

    assert "request_id" not in lines[0]


def test_an_eager_task_logs_with_the_id_of_the_request_that_ran_it():
    token = request_id_var.set("req-eager")
    try:
        with json_log_lines() as lines:
            log_something.delay("hello")
    finally:
        request_id_var.reset(token)

    said = next(line for line in lines if line["message"] == "the task says hello")
    assert said["request_id"] == "req-eager"


# --- A real worker: the id crosses the broker; the exporter adds up the pool processes ---


def _worker_env(tmp_path: Path, queue: str, port: int) -> dict[str, str]:
    db = connection.settings_dict
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "project.settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DATABASE_POOL": "0",
        "REDIS_URL": settings.REDIS_URL,
        "CHANNEL_PREFIX": settings.REDIS_PREFIX,
        "SECRET_KEY": settings.SECRET_KEY,
        "STRIPE_WEBHOOK_SECRET": settings.STRIPE_WEBHOOK_SECRET,
        "CELERY_EAGER": "0",
        "LOG_LEVEL": "INFO",
        "METRICS_WORKER_PORT": str(port),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
    }


def _wait(condition, what: str, log: Path, timeout: float = 30) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.2)


def _scrape(port: int) -> str:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as response:  # noqa: S310
            return str(response.read().decode())
    except OSError:
        return ""


@pytest.mark.django_db(transaction=True)
def test_a_worker_task_logs_the_request_id_that_queued_it_and_is_counted(tmp_path, unused_tcp_port):
    from project.celery import app

    queue = f"test-h9-{uuid.uuid4().hex[:10]}"
    (tmp_path / "prometheus").mkdir()
    log = tmp_path / "worker.log"
    args = [sys.executable, "-m", "celery", "-A", "project", "worker", "--include", "tests.project.worker_tasks"]
    args += ["--queues", queue, "--hostname", f"{queue}@%h", "--pool", "prefork", "--concurrency", "1"]
    args += ["--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO"]
    with log.open("wb") as out:
        worker = subprocess.Popen(  # noqa: S603
            args, cwd=ROOT, env=_worker_env(tmp_path, queue, unused_tcp_port), stdout=out, stderr=subprocess.STDOUT
        )
    try:
        _wait(lambda: " ready." in log.read_text(errors="replace"), "the worker starting", log)
        _wait(lambda: bool(_scrape(unused_tcp_port)), "the worker's exporter answering", log)
        previous_eager = app.conf.task_always_eager
        app.conf.task_always_eager = False
        token = request_id_var.set("req-from-web")  # as RequestIdMiddleware does
        try:
            log_something.apply_async(("hi",), queue=queue)
        finally:
            request_id_var.reset(token)
            app.conf.task_always_eager = previous_eager

        _wait(lambda: "the task says hi" in log.read_text(errors="replace"), "the task running", log)
        _wait(lambda: "tests.project.log_something" in _scrape(unused_tcp_port), "the task being counted", log)
        metrics = _scrape(unused_tcp_port)
    finally:
        worker.terminate()
        worker.wait(timeout=20)
        redis.Redis.from_url(settings.REDIS_URL).delete(queue)

    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    said = next(line for line in lines if line["message"] == "the task says hi")
    assert said["request_id"] == "req-from-web"
    assert said["logger"] == "tests.project.worker_tasks"
    # The count was made in the pool process and served by the main process's exporter.
    assert 'storefront_celery_tasks_total{outcome="success",task="tests.project.log_something"} 1.0' in metrics
