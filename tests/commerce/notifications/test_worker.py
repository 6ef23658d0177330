"""The outbox with a real Celery worker (and beat) on the test Redis: kills, duplicates, lost enqueues.

The worker delivers email through Django's file backend (one file per message, in tmp_path) and
SMS to the stub Twilio; both count what really went out.
"""

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kombu.exceptions import OperationalError

from commerce.notifications import tasks
from commerce.notifications.models import Channel, Event, Notification, Preference
from commerce.orders.models import Order
from tests.factories import OrderFactory, UserFactory
from tests.processes import celery_queue, start_celery
from tests.stub_twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, StubTwilio, stub_twilio_server

pytestmark = pytest.mark.django_db(transaction=True)
N = Notification.Status
WORKER_READY = " ready."  # "<hostname> ready." once the worker consumes
BEAT_READY = "beat: Starting"


@pytest.fixture
def stub() -> Iterator[StubTwilio]:
    with stub_twilio_server() as server:
        yield server


@pytest.fixture
def queue() -> Iterator[str]:
    with celery_queue() as name:
        yield name


@pytest.fixture
def worker_env(tmp_path: Path, stub: StubTwilio) -> dict[str, str]:
    (tmp_path / "mail").mkdir()
    return {
        "SMS_BACKEND": "twilio",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": FROM_NUMBER,
        "TWILIO_API_BASE": stub.url,
        "TWILIO_TIMEOUT": "30",  # longer than the test holds a request
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "NOTIFICATION_STALE_SECONDS": "2",
        "NOTIFICATION_SWEEP_INTERVAL_SECONDS": "1",
    }


def emails_sent(tmp_path: Path) -> list[str]:
    """Subjects of the emails the worker wrote, one per message."""
    return [
        line.removeprefix("Subject: ")
        for path in sorted((tmp_path / "mail").glob("*.log"))
        for line in path.read_text().splitlines()
        if line.startswith("Subject: ")
    ]


def paid_order() -> Order:
    """A shopper who asked for texts pays: one email row and one SMS row, committed with the order."""
    user = UserFactory(email="sam@example.com", phone="+14155552671")
    Preference.objects.create(user=user, event=Event.ORDER_PAID, channel=Channel.SMS, enabled=True)
    return OrderFactory(paid=True, user=user, variant__product__name="Tee", variant__price="24.00", quantity=2)


def wait_until(condition: Callable[[], bool], timeout: float = 30, message: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out: {message}")
        time.sleep(0.1)


def deliveries_finished(worker) -> int:  # type: ignore[no-untyped-def]
    """How many `deliver` tasks the worker has finished (other tasks, say search sync, also run)."""
    return sum(
        1 for line in worker.log_text().splitlines() if "notifications.tasks.deliver[" in line and "succeeded" in line
    )


def statuses() -> dict[str, str]:
    return dict(Notification.objects.values_list("channel", "status"))


def test_a_worker_killed_mid_delivery_still_delivers_exactly_once(tmp_path, stub, queue, worker_env):
    stub.hold()  # Twilio takes the message but its answer never reaches the worker
    with start_celery("worker", tmp_path, queue=queue, ready=WORKER_READY, **worker_env) as worker:
        order = paid_order()  # enqueues both rows on commit
        assert stub.wait_for_request(timeout=30), worker.log_text()
        worker.kill()

    sms = Notification.objects.get(channel=Channel.SMS)
    assert sms.status == N.SENDING  # claimed by the dead worker
    stub.release()

    with (
        start_celery("worker", tmp_path, queue=queue, ready=WORKER_READY, **worker_env),
        start_celery("beat", tmp_path, queue=queue, ready=BEAT_READY, **worker_env),
    ):
        wait_until(lambda: statuses() == {"email": N.SENT, "sms": N.SENT}, message=str(statuses()))

    sms.refresh_from_db()
    assert sms.attempts == 2
    # Sent again with the same idempotency key, so Twilio sent one text; we record its SID.
    assert [r.headers["I-Twilio-Idempotency-Token"] for r in stub.requests] == [sms.idempotency_key] * 2
    [text] = stub.messages.values()
    assert (text["to"], sms.provider_id) == ("+14155552671", text["sid"])
    assert f"{order.number}" in str(text["body"])
    assert emails_sent(tmp_path) == [f"Thank you, your order is confirmed: order {order.number}"]


def test_a_task_run_twice_sends_once(tmp_path, stub, queue, worker_env):
    stub.reply(201, {"sid": "SM" + "7" * 32, "status": "queued"}, delay=1.0)  # slow: the runs overlap
    with start_celery("worker", tmp_path, queue=queue, ready=WORKER_READY, concurrency=2, **worker_env) as worker:
        paid_order()
        sms = Notification.objects.get(channel=Channel.SMS)
        email = Notification.objects.get(channel=Channel.EMAIL)
        for pk in (sms.pk, sms.pk, email.pk):  # each row's task again, beside the one sent on commit
            tasks.deliver.delay(pk)
        wait_until(lambda: deliveries_finished(worker) >= 5, message=worker.log_text()[-2000:])

    assert statuses() == {"email": N.SENT, "sms": N.SENT}
    assert len(stub.requests) == 1
    assert len(emails_sent(tmp_path)) == 1
    assert Notification.objects.get(channel=Channel.SMS).attempts == 1


def test_rows_whose_enqueue_failed_are_delivered_by_the_sweep(tmp_path, stub, queue, worker_env, monkeypatch):
    def broker_down(*args: object, **kwargs: object) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.deliver, "delay", broker_down)
    order = paid_order()  # Redis is down as the order is paid: the order commits, the rows wait
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID
    assert statuses() == {"email": N.PENDING, "sms": N.PENDING}
    monkeypatch.undo()

    with (
        start_celery("worker", tmp_path, queue=queue, ready=WORKER_READY, **worker_env),
        start_celery("beat", tmp_path, queue=queue, ready=BEAT_READY, **worker_env),
    ):
        wait_until(lambda: statuses() == {"email": N.SENT, "sms": N.SENT}, message=str(statuses()))

    assert len(stub.messages) == 1
    assert emails_sent(tmp_path) == [f"Thank you, your order is confirmed: order {order.number}"]
