"""Error tracking (project/sentry.py): off without SENTRY_DSN; with one, a view's or a task's exception
reaches Sentry (a stub server on loopback here) with its request id and release, and without the
shopper's e-mail address, cookies, credentials or IP address.
"""

import asyncio
import gzip
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import sentry_sdk
from asgiref.sync import sync_to_async
from celery import signals
from channels.testing import HttpCommunicator
from django.conf import settings as django_settings
from django.test import Client

from project.handler import StoreASGIHandler
from project.request_id import request_id_var
from project.sentry import scrub_event, sentry_asgi, sentry_start, sentry_stop
from tests.factories import UserFactory
from tests.project.sentry_failures import failing_task

EMAIL = "shopper@example.com"
RELEASE = "storefront@4f2c9e1"


class SentryStub(ThreadingHTTPServer):
    """Takes Sentry's envelopes (POST /api/1/envelope/) and keeps them, decompressed."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _EnvelopeHandler)
        self.received: list[bytes] = []

    @property
    def dsn(self) -> str:
        return f"http://public@127.0.0.1:{self.server_port}/1"

    def raw(self) -> bytes:
        return b"\n".join(self.received)

    def events(self) -> list[dict[str, Any]]:
        return [
            json.loads(payload) for envelope in self.received for kind, payload in _items(envelope) if kind == "event"
        ]


class _EnvelopeHandler(BaseHTTPRequestHandler):
    server: SentryStub

    def do_POST(self) -> None:  # noqa: N802 (the http.server API)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        self.server.received.append(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


def _items(envelope: bytes) -> Iterator[tuple[str, bytes]]:
    """An envelope's items: (type, payload), after the envelope's own header line."""
    rest = envelope.split(b"\n", 1)[1] if b"\n" in envelope else b""
    while rest.strip():
        header_line, rest = rest.split(b"\n", 1)
        header = json.loads(header_line)
        length = header.get("length")
        if length is None:
            payload, _, rest = rest.partition(b"\n")
        else:
            payload, rest = rest[:length], rest[length + 1 :]
        yield header["type"], payload


@pytest.fixture
def sentry_stub() -> Iterator[SentryStub]:
    stub = SentryStub()
    thread = threading.Thread(target=stub.serve_forever, daemon=True)
    thread.start()
    yield stub
    stub.shutdown()
    stub.server_close()
    thread.join(timeout=5)


@pytest.fixture
def sentry_dsn(settings, sentry_stub):  # type: ignore[no-untyped-def]
    """SENTRY_DSN pointing at the stub; whatever started Sentry, it is stopped after the test."""
    settings.SENTRY_DSN = sentry_stub.dsn
    settings.SENTRY_ENVIRONMENT = "test"
    settings.SENTRY_RELEASE = RELEASE
    yield sentry_stub
    sentry_stop()
    assert not sentry_sdk.get_client().is_active()


@pytest.fixture
def sentry_on(sentry_dsn):  # type: ignore[no-untyped-def]
    assert sentry_start()
    return sentry_dsn


def test_off_without_a_dsn(settings):
    settings.SENTRY_DSN = ""

    assert sentry_start() is False
    assert not sentry_sdk.get_client().is_active()
    app = object()
    assert sentry_asgi(app) is app


def test_worker_and_beat_start_it_when_they_boot(sentry_dsn):
    signals.celeryd_init.send(sender="worker@test", instance=None, conf=None, options={})

    client = sentry_sdk.get_client()
    assert client.is_active()
    assert {"django", "celery"} <= set(client.integrations)
    assert client.options["release"] == RELEASE
    assert client.options["environment"] == "test"
    assert client.options["traces_sample_rate"] is None  # errors only, no tracing
    assert client.options["include_local_variables"] is False


@pytest.mark.timeout(120)
def test_the_web_process_starts_it_and_wraps_its_app(sentry_stub):
    report = (
        "import project.asgi, sentry_sdk;"
        "print(sentry_sdk.get_client().is_active(), type(project.asgi.application).__name__)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "project.settings", "SENTRY_DSN": sentry_stub.dsn}

    out = subprocess.run(
        [sys.executable, "-c", report], env=env, capture_output=True, text=True, check=True, timeout=90
    )

    assert out.stdout.strip().splitlines()[-1] == "True _SentryASGI"


def _session_of(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[django_settings.SESSION_COOKIE_NAME].value


@pytest.mark.django_db(transaction=True)
@pytest.mark.urls("tests.project.sentry_failures")
async def test_a_view_s_exception_reaches_sentry_tagged_and_without_personal_data(sentry_on, settings):
    settings.HTTP_THREADS = 1
    user = await sync_to_async(UserFactory)(email=EMAIL)
    session = await sync_to_async(_session_of)(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}=csrf-cookie-value"
    handler = StoreASGIHandler()
    communicator = HttpCommunicator(
        sentry_asgi(handler),
        "POST",
        "/failing/",
        body=b"email=shopper%40example.com&note=ring+me",
        headers=[
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"authorization", b"Bearer sk-live-very-secret"),
            (b"cookie", cookie.encode()),
            (b"x-request-id", b"req-sentry-1"),
            (b"x-forwarded-for", b"203.0.113.9"),
            (b"user-agent", b"Firefox/140"),
        ],
    )
    communicator.scope["query_string"] = b"email=shopper%40example.com&t=live-token-123&page=2"
    communicator.scope["server"] = ("127.0.0.1", 80)
    communicator.scope["client"] = ("203.0.113.9", 50000)
    try:
        response = await communicator.get_response(timeout=20)
    finally:
        handler.threads.shutdown(wait=True)
    await sync_to_async(sentry_sdk.flush)(timeout=10)

    assert response["status"] == 500
    (event,) = sentry_on.events()
    (exception,) = event["exception"]["values"]
    assert (exception["type"], exception["value"]) == ("RuntimeError", "the till jammed for [email]")
    assert event["tags"]["request_id"] == "req-sentry-1"
    assert (event["release"], event["environment"]) == (RELEASE, "test")
    assert event["user"] == {"id": str(user.pk)}
    request = event["request"]
    assert request["url"] == "http://127.0.0.1/failing/"
    assert request["query_string"] == "email=[Filtered]&t=[Filtered]&page=2"
    assert "data" not in request
    assert "cookies" not in request
    assert request["headers"] == {
        "content-type": "application/x-www-form-urlencoded",
        "authorization": "[Filtered]",
        "cookie": "[Filtered]",
        "x-request-id": "req-sentry-1",
        "x-forwarded-for": "[Filtered]",
        "user-agent": "Firefox/140",
    }
    assert "looking at the cart of [email]" in [crumb.get("message") for crumb in event["breadcrumbs"]["values"]]
    assert all("vars" not in frame for frame in exception["stacktrace"]["frames"])
    raw = sentry_on.raw()
    for personal in (EMAIL, "shopper%40example.com", session, "csrf-cookie-value", "sk-live-very-secret"):
        assert personal.encode() not in raw
    for personal in ("live-token-123", "203.0.113.9", "ring+me"):
        assert personal.encode() not in raw


async def _no_content(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


async def test_an_asyncio_task_s_failure_reaches_sentry_once_the_server_has_served(sentry_on):
    app = sentry_asgi(_no_content)
    response = await HttpCommunicator(app, "GET", "/").get_response(timeout=10)

    async def follow_hub() -> None:
        raise LookupError(f"no topic for {EMAIL}")

    with pytest.raises(LookupError):
        await asyncio.create_task(follow_hub())
    await sync_to_async(sentry_sdk.flush)(timeout=10)

    assert response["status"] == 204
    (event,) = sentry_on.events()
    (exception,) = event["exception"]["values"]
    assert (exception["type"], exception["value"]) == ("LookupError", "no topic for [email]")
    assert exception["mechanism"]["type"] == "asyncio"
    assert EMAIL.encode() not in sentry_on.raw()


def test_a_task_failure_reaches_sentry_with_the_request_id_and_no_arguments(sentry_on):
    token = request_id_var.set("req-task-7")
    try:
        with pytest.raises(ValueError, match="no receipt for shopper@example.com"):
            failing_task.apply(args=(EMAIL,))
    finally:
        request_id_var.reset(token)
    sentry_sdk.flush(timeout=10)

    (event,) = sentry_on.events()
    (exception,) = event["exception"]["values"]
    assert (exception["type"], exception["value"]) == ("ValueError", "no receipt for [email]")
    assert exception["mechanism"]["type"] == "celery"
    assert event["tags"]["request_id"] == "req-task-7"
    assert event["release"] == RELEASE
    assert event["extra"]["celery-job"] == {
        "task_name": "tests.project.sentry_failing_task",
        "args": "[Filtered]",
        "kwargs": "[Filtered]",
    }
    assert EMAIL.encode() not in sentry_on.raw()


def test_the_scrubber_keeps_the_fault_and_drops_the_personal_data():
    event = {
        "message": "refund for ann@example.org failed: Authorization: Bearer abc.def",
        "request": {
            "url": "https://shop.example/ws/live/?t=signed.token",
            "query_string": "t=signed.token&page=3",
            "headers": {
                "Authorization": "Basic eHl6",
                "Cookie": "sessionid=s1",
                "User-Agent": "Firefox/140",
                "X-Forwarded-For": "198.51.100.4",
                "Stripe-Signature": "t=1,v1=ab",
                "Referer": "https://shop.example/account/?email=ann%40example.org",
            },
            "cookies": {"sessionid": "s1"},
            "data": {"email": "ann@example.org"},
            "env": {"REMOTE_ADDR": "198.51.100.4", "SERVER_NAME": "shop.example"},
        },
        "user": {"id": 42, "email": "ann@example.org", "ip_address": "198.51.100.4", "username": "ann"},
        "breadcrumbs": {"values": [{"category": "httplib", "data": {"url": "https://hooks.example/in?token=abc&x=1"}}]},
        "exception": {"values": [{"stacktrace": {"frames": [{"context_line": '    send(to="a@b.example")'}]}}]},
    }
    token = request_id_var.set("req-unit-1")
    try:
        scrubbed = scrub_event(event, {})  # type: ignore[arg-type]
    finally:
        request_id_var.reset(token)

    assert scrubbed == {
        "message": "refund for [email] failed: Authorization: Bearer [Filtered]",
        "request": {
            "url": "https://shop.example/ws/live/?t=[Filtered]",
            "query_string": "t=[Filtered]&page=3",
            "headers": {
                "Authorization": "[Filtered]",
                "Cookie": "[Filtered]",
                "User-Agent": "Firefox/140",
                "X-Forwarded-For": "[Filtered]",
                "Stripe-Signature": "[Filtered]",
                "Referer": "https://shop.example/account/?email=[Filtered]",
            },
            "env": {"SERVER_NAME": "shop.example"},
        },
        "user": {"id": "42"},
        "tags": {"request_id": "req-unit-1"},
        "breadcrumbs": {
            "values": [{"category": "httplib", "data": {"url": "https://hooks.example/in?token=[Filtered]&x=1"}}]
        },
        "exception": {"values": [{"stacktrace": {"frames": [{"context_line": '    send(to="a@b.example")'}]}}]},
    }
