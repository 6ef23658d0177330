"""A local HTTP receiver for webhooks, and endpoints that point at it."""

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from commerce.webhooks.models import WebhookEndpoint
from tests.factories import UserFactory


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Records every POST and answers each with the next status of `statuses` (200 once they run out)."""

    url: str
    statuses: list[int] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self) -> int:
        with self.lock:
            return self.statuses.pop(0) if self.statuses else 200

    def of(self, path: str) -> list[Received]:
        return [request for request in self.requests if request.path == path]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with receiver.lock:
                receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
            status = receiver.answer()
            text = f"answered {status}".encode()
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", f"{receiver.url}/elsewhere")
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:  # type: ignore[no-untyped-def]
    """A receiver on 127.0.0.1 (private addresses allowed for the test)."""
    settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = True
    settings.WEBHOOK_TIMEOUT = 5.0
    receiver = Receiver(url="")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def make_endpoint(receiver, db) -> Callable[..., WebhookEndpoint]:  # type: ignore[no-untyped-def]
    """make_endpoint(*events, path="/hook"): an active endpoint of the receiver for those events."""

    def make(*events: str, path: str = "/hook", active: bool = True) -> WebhookEndpoint:
        return WebhookEndpoint.objects.create(url=receiver.url + path, events=list(events), active=active)

    return make


@pytest.fixture
def ops_user(db):  # type: ignore[no-untyped-def]
    from django.contrib.auth.models import Group

    user = UserFactory(email="oli@example.com", first_name="Oli", is_staff=True)
    user.groups.add(Group.objects.get_or_create(name="ops")[0])
    return user
