"""The hub's Daphne fast path: one prepared frame per fragment, written to every open socket."""

import functools

import pytest

from realtime.hub import Hub


class FakeFactory:
    def __init__(self) -> None:
        self.prepared: list[bytes] = []

    def prepareMessage(self, payload: bytes, isBinary: bool = False) -> bytes:  # noqa: N802 - autobahn's name
        self.prepared.append(payload)
        return b"frame:" + payload


class FakeProtocol:
    STATE_OPEN = 1

    def __init__(self, factory: FakeFactory, state: int = 1) -> None:
        self.factory, self.state, self.written = factory, state, []

    def sendPreparedMessage(self, prepared: bytes) -> None:  # noqa: N802 - autobahn's name
        self.written.append(prepared)


class FakeServer:
    def __init__(self) -> None:
        self.connections: dict[object, dict[str, object]] = {}

    async def handle_reply(self, protocol: object, message: dict[str, object]) -> None:
        raise AssertionError("the fast path should not go through the ASGI send")


class SessionWrapper:
    """Like Channels' session middleware: a bound `send` around Daphne's partial."""

    def __init__(self, real_send: object) -> None:
        self.real_send = real_send

    async def send(self, message: dict[str, object]) -> None:
        await self.real_send(message)  # type: ignore[operator]


class Sink:
    def __init__(self, base_send: object) -> None:
        self.base_send, self.ready, self.backlog = base_send, True, []


@pytest.mark.asyncio
async def test_a_fragment_is_framed_once_and_written_to_every_open_daphne_socket():
    factory, server = FakeFactory(), FakeServer()
    protocols = [FakeProtocol(factory) for _ in range(3)]
    closing = FakeProtocol(factory)
    sent_by_asgi: list[dict[str, object]] = []

    async def asgi_send(message: dict[str, object]) -> None:
        sent_by_asgi.append(message)

    sinks = [Sink(SessionWrapper(functools.partial(server.handle_reply, p)).send) for p in protocols]
    for p in protocols:
        server.connections[p] = {}
    server.connections[closing] = {"disconnected": True}
    sinks.append(Sink(functools.partial(server.handle_reply, closing)))
    closing_sink = sinks[-1]
    closing_sink.base_send = asgi_send  # what a closing socket falls back to
    closing_sink._daphne_socket = (closing, server, None)  # found earlier, while it was open
    sinks.append(Sink(asgi_send))  # not Daphne (a test communicator, another server)

    hub = Hub()
    hub._members["stock.1"] = set(sinks)

    assert await hub.fan_out("stock.1", "<span>5</span>") == 5

    assert factory.prepared == [b"<span>5</span>"]  # framed once
    assert [p.written for p in protocols] == [[b"frame:<span>5</span>"]] * 3
    assert closing.written == []
    assert sent_by_asgi == [{"type": "websocket.send", "text": "<span>5</span>"}] * 2
