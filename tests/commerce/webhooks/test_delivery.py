"""Delivery through the outbox: retries with backoff, once per endpoint, the sweep, send again."""

import threading

import pytest
from django.db import connection, transaction

from commerce.webhooks import services, tasks
from commerce.webhooks.models import WebhookDelivery
from commerce.webhooks.services import webhook_emit

pytestmark = pytest.mark.django_db
D = WebhookDelivery.Status
DATA = {"order": {"number": "A1"}}


def emit(key: str = "order.paid:1", event: str = "order.paid") -> list[WebhookDelivery]:
    return webhook_emit(event=event, key=key, data=DATA)


def test_a_500_is_retried_with_growing_backoff_until_it_succeeds(
    make_endpoint, receiver, clock, django_capture_on_commit_callbacks
):
    make_endpoint("order.paid")
    receiver.statuses = [500, 500, 200]
    started = clock.now

    with django_capture_on_commit_callbacks(execute=True):
        [delivery] = emit()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (D.PENDING, 1, 500)
    assert delivery.last_response == "answered 500"
    first_gap = (delivery.next_attempt_at - started).total_seconds()
    assert 30 <= first_gap <= 33  # 30 s plus up to 10% jitter

    # Not due yet: a run before the backoff has passed sends nothing.
    clock.advance(seconds=29)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.deliver(delivery.pk) == "skipped"
    assert len(receiver.requests) == 1

    clock.advance(seconds=first_gap - 29)
    second = clock.now
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.deliver(delivery.pk) == "retrying"
    delivery.refresh_from_db()
    second_gap = (delivery.next_attempt_at - second).total_seconds()
    assert (delivery.status, delivery.attempts) == (D.PENDING, 2)
    assert 60 <= second_gap <= 66

    clock.advance(seconds=second_gap)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.deliver(delivery.pk) == "succeeded"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_status_code, delivery.delivered_at) == (D.SUCCEEDED, 200, clock.now)
    log = list(delivery.attempt_log.order_by("at", "pk").values_list("status_code", "response_body", "error"))
    assert log == [(500, "answered 500", ""), (500, "answered 500", ""), (200, "answered 200", "")]
    assert len(receiver.requests) == 3
    # The same event each time: the same body and event id, signed anew.
    assert len({request.body for request in receiver.requests}) == 1
    assert {request.headers["Storefront-Delivery"] for request in receiver.requests} == {str(delivery.pk)}


def test_backoff_doubles_and_stops_at_six_hours():
    for attempt, base in [(1, 30), (2, 60), (3, 120), (4, 240), (10, 15360)]:
        assert base <= services.backoff_seconds(attempt) <= base * 1.1
    assert 6 * 3600 <= services.backoff_seconds(40) <= 6 * 3600 * 1.1


def test_after_the_last_attempt_the_delivery_fails(
    make_endpoint, receiver, clock, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    make_endpoint("order.paid")
    receiver.statuses = [503, 503, 200]

    with django_capture_on_commit_callbacks(execute=True):
        [delivery] = emit()
    clock.advance(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.deliver(delivery.pk) == "failed"
    clock.advance(hours=1)
    assert tasks.deliver(delivery.pk) == "skipped"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (D.FAILED, 2, 503)
    assert len(receiver.requests) == 2


def test_a_redirect_is_not_followed_but_counted_as_a_failure(
    make_endpoint, receiver, django_capture_on_commit_callbacks
):
    make_endpoint("order.paid")
    receiver.statuses = [302]

    with django_capture_on_commit_callbacks(execute=True):
        [delivery] = emit()

    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_status_code) == (D.PENDING, 302)
    assert [request.path for request in receiver.requests] == ["/hook"]


def test_a_private_address_is_not_called_unless_allowed(
    make_endpoint, receiver, settings, django_capture_on_commit_callbacks
):
    make_endpoint("order.paid")
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False

    with django_capture_on_commit_callbacks(execute=True):
        [delivery] = emit()

    delivery.refresh_from_db()
    assert delivery.status == D.PENDING
    assert delivery.last_error == "The host is on a private network: webhooks go to public addresses only."
    assert receiver.requests == []


def test_each_event_is_delivered_once_per_endpoint(make_endpoint, receiver, django_capture_on_commit_callbacks):
    make_endpoint("order.paid", "order.shipped", path="/erp")
    make_endpoint("order.paid", path="/crm")
    make_endpoint("order.shipped", path="/shipping-only")
    make_endpoint("order.paid", path="/off", active=False)

    with django_capture_on_commit_callbacks(execute=True):
        assert len(emit()) == 2
        assert emit() == []  # the same occurrence again: nothing new
    with django_capture_on_commit_callbacks(execute=True):
        assert emit() == []

    assert sorted(request.path for request in receiver.requests) == ["/crm", "/erp"]
    assert WebhookDelivery.objects.count() == 2
    assert len({request.body for request in receiver.requests}) == 1  # one event, one id, for both


def test_a_rolled_back_event_sends_nothing(make_endpoint, receiver, django_capture_on_commit_callbacks):
    make_endpoint("order.paid")

    with (  # noqa: PT012
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        emit()
        raise RuntimeError("the payment failed to record")

    assert not WebhookDelivery.objects.exists()
    assert receiver.requests == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(60)
def test_two_transactions_emitting_the_same_event_at_once_deliver_it_once(make_endpoint, receiver):
    make_endpoint("order.paid", path="/a")
    make_endpoint("order.paid", path="/b")
    first_written = threading.Event()
    second_started = threading.Event()
    results: dict[str, int] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                results["first"] = len(emit())
                first_written.set()
                second_started.wait(10)
                threading.Event().wait(0.5)  # the second's insert now waits on this one's rows
        finally:
            connection.close()

    def second() -> None:
        try:
            first_written.wait(10)
            second_started.set()
            with transaction.atomic():
                results["second"] = len(emit())
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert results == {"first": 2, "second": 0}
    assert WebhookDelivery.objects.filter(status=D.SUCCEEDED).count() == 2
    assert sorted(request.path for request in receiver.requests) == ["/a", "/b"]


def test_the_sweep_requeues_lost_and_abandoned_deliveries(
    make_endpoint, receiver, clock, django_capture_on_commit_callbacks
):
    make_endpoint("order.paid", path="/lost")
    make_endpoint("order.paid", path="/abandoned")
    lost, abandoned = emit()  # on commit never comes here: both enqueues are "lost"
    WebhookDelivery.objects.filter(pk=abandoned.pk).update(status=D.SENDING)  # a worker died mid-POST

    with django_capture_on_commit_callbacks(execute=True):
        assert services.webhooks_sweep() == 0  # the lost one is given its grace; the abandoned is not stale
        clock.advance(seconds=services.stale_seconds() + 1)
        assert services.webhooks_sweep() == 2

    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {D.SUCCEEDED}
    assert sorted(request.path for request in receiver.requests) == ["/abandoned", "/lost"]


def test_send_again_delivers_a_succeeded_event_again(
    make_endpoint, receiver, clock, django_capture_on_commit_callbacks
):
    make_endpoint("order.paid")
    with django_capture_on_commit_callbacks(execute=True):
        [delivery] = emit()
    clock.advance(minutes=5)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.delivery_resend(delivery=delivery)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.delivered_at) == (D.SUCCEEDED, clock.now)
    assert delivery.attempt_log.count() == 2
    assert len(receiver.requests) == 2
    assert receiver.requests[0].body == receiver.requests[1].body
    assert receiver.requests[0].headers["Storefront-Signature"] != receiver.requests[1].headers["Storefront-Signature"]


def test_a_delivery_for_a_switched_off_endpoint_fails_without_a_call(
    make_endpoint, receiver, django_capture_on_commit_callbacks
):
    endpoint = make_endpoint("order.paid")
    [delivery] = emit()
    endpoint.active = False
    endpoint.save()

    assert tasks.deliver(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_error) == (D.FAILED, "The endpoint is switched off.")
    assert receiver.requests == []
