"""Tasks are queued through one helper, `enqueue_on_commit`: after the transaction commits, never for
one that rolled back, and a broker that is down loses nothing that was committed."""

import ast
import json
import logging
from pathlib import Path

import pytest
import redis
from celery import Celery
from django.conf import settings
from django.db import transaction

from commerce.accounts.models import User
from project.celery import app
from project.enqueue import enqueue_on_commit
from tests.fake_stripe import free_port
from tests.processes import celery_queue

ROOT = Path(__file__).resolve().parents[2]
ran: list[str] = []


@app.task(name="tests.enqueue.record")
def record(word: str) -> None:
    ran.append(word)


@pytest.fixture(autouse=True)
def _nothing_ran_yet():  # type: ignore[no-untyped-def]
    ran.clear()


@pytest.mark.django_db(transaction=True)
def test_a_task_is_queued_once_the_transaction_commits():
    with transaction.atomic():
        enqueue_on_commit(record, "after commit")
        assert ran == []

    assert ran == ["after commit"]


@pytest.mark.django_db(transaction=True)
def test_a_transaction_that_rolls_back_queues_nothing():
    def fail_after_enqueue() -> None:
        with transaction.atomic():
            enqueue_on_commit(record, "never")
            raise RuntimeError("the request failed")

    with pytest.raises(RuntimeError):
        fail_after_enqueue()

    assert ran == []


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_task_is_queued_at_once():
    enqueue_on_commit(record, "now")

    assert ran == ["now"]


@pytest.mark.django_db(transaction=True)
def test_a_countdown_reaches_the_broker_with_the_task():
    with celery_queue() as queue:
        enqueue_on_commit(record, "later", countdown=30)
        raw = redis.Redis.from_url(settings.CELERY_BROKER_URL).lrange(queue, 0, -1)

    assert len(raw) == 1
    headers = json.loads(raw[0])["headers"]
    assert headers["task"] == "tests.enqueue.record"
    assert headers["eta"]  # the worker holds it until then


@pytest.mark.django_db(transaction=True)
def test_a_broker_that_is_down_is_logged_and_what_committed_stands(caplog):
    down = Celery("down", broker=f"redis://127.0.0.1:{free_port()}/0", set_as_current=False)
    down.conf.task_publish_retry = False
    down.conf.broker_connection_retry = False

    @down.task(name="tests.enqueue.unreachable")
    def unreachable(pk: int) -> None:
        raise AssertionError("never runs: nothing listens there")

    with caplog.at_level(logging.WARNING, logger="project.enqueue"), transaction.atomic():
        user = User.objects.create_user(email="kept@example.com", password="kept-pass-123")
        enqueue_on_commit(unreachable, user.pk)

    assert User.objects.filter(email="kept@example.com").exists()
    [warning] = [r for r in caplog.records if r.name == "project.enqueue"]
    assert warning.getMessage() == "task not queued; its sweep will find the work"
    assert (warning.task, warning.task_args) == ("tests.enqueue.unreachable", [user.pk])  # type: ignore[attr-defined]


def test_code_queues_tasks_only_through_enqueue_on_commit():
    """No `.delay()`, `.apply_async()` or `send_task()` but the helper's: one idiom, one failure policy."""
    helper = ROOT / "project" / "enqueue.py"
    found = []
    for package in ("commerce", "realtime", "project"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if path == helper:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in {"delay", "apply_async", "send_task"}
                ):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)}")

    assert found == []
