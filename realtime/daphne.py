"""Under Daphne: the autobahn protocol behind a live socket's ASGI send, to write a frame prepared
once for many sockets, to see what a socket has not sent yet, and to close it with any code.

Elsewhere (tests, other ASGI servers) none is found and callers use the ASGI send and close.
"""

import functools
from collections.abc import Awaitable, Callable
from typing import Any, Protocol


class Socket(Protocol):
    """What is needed here of a live socket (realtime.consumers.LiveConsumer): its ASGI send."""

    base_send: Callable[[dict[str, Any]], Awaitable[None]]


_NO_PROTOCOL = object()


def _daphne_socket(sink: Socket) -> Any:
    """The Daphne (autobahn) protocol behind a socket's ASGI send, its server, and the Twisted
    transport whose buffers hold what was written to it and not yet taken by the kernel (None if
    it has none we know); or None when there is no such protocol.

    Daphne hands each connection `partial(server.handle_reply, protocol)`; Channels' session
    middleware wraps it in a bound `send` that only acts on HTTP messages. Found once per socket.
    """
    found = getattr(sink, "_daphne_socket", _NO_PROTOCOL)
    if found is not _NO_PROTOCOL:
        return found
    found = None
    send: Any = sink.base_send
    for _ in range(3):  # the session wrapper, then Daphne's partial
        if isinstance(send, functools.partial):
            server = getattr(send.func, "__self__", None)
            protocol = send.args[0] if send.args else None
            if hasattr(protocol, "sendPreparedMessage") and hasattr(server, "connections"):
                found = (protocol, server, _buffering_transport(protocol))
            break
        send = getattr(getattr(send, "__self__", None), "real_send", None)
        if send is None:
            break
    sink._daphne_socket = found  # type: ignore[attr-defined]
    return found


def _buffering_transport(protocol: Any) -> Any:
    """The Twisted transport under an autobahn protocol that buffers its unsent bytes, or None.

    Twisted's `FileDescriptor.write` appends to `_tempDataBuffer` (`_tempDataLen` bytes) and the
    reactor moves that to `dataBuffer`, of which everything from `offset` on is still unsent: the
    kernel took no more. Under TLS that transport sits one level down.
    """
    transport = getattr(protocol, "transport", None)
    for _ in range(2):
        if all(hasattr(transport, name) for name in ("dataBuffer", "offset", "_tempDataLen")):
            return transport
        transport = getattr(transport, "transport", None)
    return None


def open_daphne_socket(sink: Socket) -> tuple[Any, Any] | None:
    """The autobahn protocol to write a prepared frame to, if the socket is Daphne's and open,
    and its buffering transport (or None)."""
    found = _daphne_socket(sink)
    if found is None:
        return None
    protocol, server, transport = found
    state = server.connections.get(protocol)
    if state is None or state.get("disconnected") or protocol.state != protocol.STATE_OPEN:
        return None  # closing: the ASGI send knows what to do (nothing)
    return protocol, transport


def close_daphne_socket(sink: Socket, code: int) -> bool:
    """Under Daphne, send a close frame with `code` straight through the socket's protocol (nothing
    if it is closing already); False where the socket is not Daphne's or not yet accepted (the
    ASGI close then applies: a refusal).

    Daphne hands an ASGI close to autobahn's `sendClose`, which sends only 1000 and 3000-4999 and
    raises on 1011-1014, the codes a page's ws extension reconnects on; the frame itself takes any
    code (Daphne writes 1011 that way when an application fails). Autobahn then waits
    `closeHandshakeTimeout` for the client's reply and drops the connection: a client that stopped
    reading is cut off then, and its page sees the connection lost (1006) and reconnects.
    """
    found = _daphne_socket(sink)
    if found is None:
        return False
    protocol = found[0]
    if protocol.state in (protocol.STATE_CONNECTING, getattr(protocol, "STATE_PROXY_CONNECTING", None)):
        return False
    if protocol.state == protocol.STATE_OPEN:
        protocol.sendCloseFrame(code=code)
    return True
