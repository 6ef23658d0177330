"""Live sockets that cannot pile up, against a real Daphne process and real clients.

A client that stops reading makes the server keep, for it, every fragment pushed since; past
REALTIME_MAX_SEND_BUFFER bytes the server drops it (1013, the page reconnects and heals from the
snapshot) while the other pages on the same topic keep receiving.
"""

import base64
import json
import os
import socket
import subprocess
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core import signing
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from realtime import topics
from realtime.hub import publish_fragment
from tests.e2e.servers import free_port
from tests.factories import VariantFactory

pytestmark = pytest.mark.e2e

FRAGMENT_BYTES = 256 * 1024
FRAGMENTS = 64  # 16 MiB: well past what the kernels of both ends buffer on loopback, plus the bound
SEND_BUFFER_BOUND = 1024 * 1024


def live_path(topic: str) -> tuple[str, str]:
    """The socket path for a guest session following `topic`, and that session's key."""
    store = SessionStore()
    store.create()
    token = signing.dumps({"t": [topic], "b": f"s:{store.session_key}"}, salt=topics.SALT, compress=True)
    return f"/ws/live/?t={urllib.parse.quote(token)}", str(store.session_key)


def reading_client(port: int, path: str, session_key: str) -> ClientConnection:
    return connect(
        f"ws://127.0.0.1:{port}{path}",
        origin=f"http://127.0.0.1:{port}",  # type: ignore[arg-type]
        additional_headers={"Cookie": f"sessionid={session_key}"},
        compression=None,
        max_size=None,
        open_timeout=10,
    )


class StalledClient:
    """A raw TCP WebSocket client that reads its handshake and first frame, then stops reading.

    Its receive buffer is small, so the server's side fills up soon after it stops.
    """

    def __init__(self, port: int, path: str, session_key: str) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024)  # before connect: the window
        self.sock.settimeout(10)
        self.sock.connect(("127.0.0.1", port))
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: http://127.0.0.1:{port}\r\n"
            f"Cookie: sessionid={session_key}\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        self.buffer = b""
        head = self._until(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101"), head

    def _until(self, marker: bytes) -> bytes:
        while marker not in self.buffer:
            self._more()
        head, self.buffer = self.buffer.split(marker, 1)
        return head

    def _more(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        self.buffer += chunk

    def _take(self, n: int) -> bytes:
        while len(self.buffer) < n:
            self._more()
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out

    def frame(self) -> tuple[int, bytes]:
        """The next frame the server sent (unmasked): its opcode and payload."""
        first, second = self._take(2)
        length = second & 0x7F
        if length == 126:
            length = int.from_bytes(self._take(2), "big")
        elif length == 127:
            length = int.from_bytes(self._take(8), "big")
        return first & 0x0F, self._take(length)

    def read_to_the_end(self, within: float) -> tuple[int, bool]:
        """Read everything from now on: (bytes read, whether the server ended the connection in time)."""
        received = len(self.buffer)
        deadline = time.monotonic() + within
        self.sock.settimeout(1)
        while time.monotonic() < deadline:
            try:
                chunk = self.sock.recv(1 << 20)
            except TimeoutError:
                continue
            except ConnectionResetError:
                return received, True
            if not chunk:
                return received, True
            received += len(chunk)
        return received, False

    def close(self) -> None:
        self.sock.close()


def log_records(text: str) -> list[dict[str, object]]:
    records = []
    for line in text.splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            continue
    return records


@pytest.mark.timeout(120)
def test_a_client_that_stops_reading_is_closed_and_the_others_keep_receiving(daphne, transactional_db):
    server = daphne(REALTIME_MAX_SEND_BUFFER=str(SEND_BUFFER_BOUND))
    port = int(server.url.rsplit(":", 1)[1])
    variant = VariantFactory(stock=4)
    topic = f"stock.{variant.pk}"
    path, session_key = live_path(topic)

    stalled = StalledClient(port, path, session_key)
    opcode, snapshot = stalled.frame()
    assert opcode == 1
    assert b'data-stock="4"' in snapshot
    try:
        with reading_client(port, path, session_key) as reader:
            assert 'data-stock="4"' in str(reader.recv(timeout=10))

            # Each fragment is published once the reading client has the one before: the hub has
            # handed every fragment to both sockets before the next arrives.
            published = 0
            for n in range(FRAGMENTS):
                text = f"<p id='big'>{n:03d}{'x' * FRAGMENT_BYTES}</p>"
                publish_fragment(topic, text)
                assert reader.recv(timeout=10) == text
                published += len(text)

            received, ended = stalled.read_to_the_end(within=15)
            assert ended, f"the stalled client was not closed ({received} of {published} bytes sent to it)"
            assert received < published // 2

            publish_fragment(topic, "<p id='small'>still live</p>")
            assert reader.recv(timeout=10) == "<p id='small'>still live</p>"
    finally:
        stalled.close()

    dropped = [r for r in log_records(server.log_text()) if r.get("message") == "live socket dropped: too far behind"]
    assert len(dropped) == 1, server.log_text()[-3000:]
    assert dropped[0]["reason"] == "slow_reader"
    assert int(str(dropped[0]["size"])) > SEND_BUFFER_BOUND

    # Its page reconnects and heals from the snapshot.
    with reading_client(port, path, session_key) as again:
        assert 'data-stock="4"' in str(again.recv(timeout=10))


@contextmanager
def private_redis() -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A Redis server of this test's own (the machine's is shared), to be stopped by the test."""
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0", process
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=10)


def test_a_process_that_loses_redis_closes_its_sockets_with_1013(daphne, transactional_db):
    """1013 (try again later) is what a page's ws extension reconnects on; Daphne's autobahn refuses
    to send it through an ASGI close, so it has to reach the page another way."""
    with private_redis() as (redis_url, redis_process):
        server = daphne(REDIS_URL=redis_url)
        port = int(server.url.rsplit(":", 1)[1])
        variant = VariantFactory(stock=3)
        path, session_key = live_path(f"stock.{variant.pk}")
        with reading_client(port, path, session_key) as page:
            assert 'data-stock="3"' in str(page.recv(timeout=10))

            redis_process.terminate()  # the Redis of this Daphne process goes away

            with pytest.raises(ConnectionClosed) as closed:
                page.recv(timeout=15)
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == 1013


def test_one_address_holds_at_most_the_limit_of_sockets(daphne, transactional_db):
    server = daphne(REALTIME_MAX_SOCKETS_PER_ADDRESS="2")
    port = int(server.url.rsplit(":", 1)[1])
    variant = VariantFactory(stock=6)
    path, session_key = live_path(f"stock.{variant.pk}")
    with reading_client(port, path, session_key) as first, reading_client(port, path, session_key) as second:
        for tab in (first, second):
            assert 'data-stock="6"' in str(tab.recv(timeout=10))

        with reading_client(port, path, session_key) as third:
            with pytest.raises(ConnectionClosed) as refused:
                third.recv(timeout=10)
            assert refused.value.rcvd is not None
            assert refused.value.rcvd.code == 1013

        first.close()  # a tab closed: its slot is free again, once the server has seen it go
        deadline = time.monotonic() + 10
        while True:  # (a page retries the same way, on 1013)
            with reading_client(port, path, session_key) as again:
                try:
                    assert 'data-stock="6"' in str(again.recv(timeout=10))
                    break
                except ConnectionClosed:
                    assert time.monotonic() < deadline, "the freed slot was never given back"

    refusals = [
        r
        for r in log_records(server.log_text())
        if r.get("message") == "live socket refused: too many open from one address"
    ]
    assert [r["address"] for r in refusals][:1] == ["127.0.0.1"]


def drain(page: ClientConnection) -> None:
    while True:
        page.recv(timeout=10)


@pytest.mark.parametrize(
    ("settings_env", "messages", "code"),
    [
        ({"REALTIME_MAX_INBOUND_BYTES": "64"}, ["x" * 65], 1009),  # message too big
        ({"REALTIME_INBOUND_RATE": "0.01", "REALTIME_INBOUND_BURST": "2"}, ['{"type": "ping"}'] * 4, 1008),  # too many
    ],
)
def test_a_socket_closed_for_what_it_sent_gets_the_standard_code(
    daphne, transactional_db, settings_env, messages, code
):
    """Daphne's ASGI close sends only 1000 and 3000-4999: the standard codes go out another way."""
    server = daphne(**settings_env)
    port = int(server.url.rsplit(":", 1)[1])
    variant = VariantFactory(stock=2)
    path, session_key = live_path(f"stock.{variant.pk}")
    with reading_client(port, path, session_key) as page:
        assert 'data-stock="2"' in str(page.recv(timeout=10))
        for message in messages:
            page.send(message)
        with pytest.raises(ConnectionClosed) as closed:
            drain(page)  # pongs, then the close
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == code
