"""Fan-out inside one process: one subscription per topic, each fragment handed straight to the sockets.

A channel-layer group costs every socket a queue, a receive task and (on the Redis pub/sub
layer) a subscription of its own, and every message a decode and a dispatch per socket. Here
each process holds one Redis pub/sub connection, subscribed once to each topic some local
socket follows; a published fragment arrives once and the hub hands the same string to every
local socket's ASGI send, in one pass.

Publishing is a plain Redis PUBLISH from any thread or process (`publish`). Without Redis
(the embedded mode, one process) a publish is handed to this process's hub directly.
The hub is a hint like every push: a socket that misses one heals from its snapshot on
reconnect, and when the Redis connection is lost the hub closes its sockets with 4013 ("try
again later") so that their pages reconnect (and resubscribe) once Redis is back.
"""

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from functools import cache
from typing import Any, Protocol

import redis
import redis.asyncio as aioredis
from django.conf import settings

from .metrics import FANOUT_SECONDS

logger = logging.getLogger(__name__)
# What a closed page should do: try again later (static/js/store.js reconnects on it). Not 1013, the
# standard code: autobahn (Daphne) lets a server close only with 1000 or 3000-4999, and refused 1013
# with an exception, which left every socket open and silent after Redis came back.
CLOSE_TRY_AGAIN_LATER = 4013


class Sink(Protocol):
    """A live socket as the hub sees it (realtime.consumers.LiveConsumer)."""

    ready: bool  # accepted and its snapshot sent: fragments go straight out
    backlog: list[str]  # fragments that arrived before that, sent after the snapshot
    base_send: Callable[[dict[str, Any]], Awaitable[None]]

    async def close(self, code: int | None = None) -> None: ...


def channel_for(topic: str) -> str:
    return f"{settings.REALTIME_CHANNEL_PREFIX}:live:{topic}"


class Hub:
    def __init__(self) -> None:
        self._members: dict[str, set[Sink]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock: asyncio.Lock | None = None
        self._client: aioredis.Redis | None = None
        self._pubsub: Any = None
        self._subscribed: set[str] = set()
        self._reader: asyncio.Task[None] | None = None

    # --- membership (on the event loop) ---------------------------------------------------

    async def join(self, topics: list[str], sink: Sink) -> None:
        """Deliver these topics to `sink` from now on; raises if Redis cannot be subscribed to."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a new loop (tests run one per test): start afresh
            self._reset(loop)
        for topic in topics:
            self._members.setdefault(topic, set()).add(sink)
        if not settings.REDIS_URL:
            return
        try:
            await self._subscribe(topics)
        except Exception:
            await self.leave(topics, sink)
            raise

    async def leave(self, topics: list[str], sink: Sink) -> None:
        gone = []
        for topic in topics:
            members = self._members.get(topic)
            if members is None:
                continue
            members.discard(sink)
            if not members:
                del self._members[topic]
                gone.append(topic)
        if gone and settings.REDIS_URL and self._pubsub is not None:
            assert self._lock is not None  # noqa: S101 - set with the pubsub
            async with self._lock:
                unused = [t for t in gone if t not in self._members and t in self._subscribed]
                if unused:
                    self._subscribed.difference_update(unused)
                    try:
                        await self._pubsub.unsubscribe(*[channel_for(t) for t in unused])
                    except Exception:  # the connection is gone; the reader handles that
                        logger.debug("live hub unsubscribe failed", exc_info=True)

    def _reset(self, loop: asyncio.AbstractEventLoop) -> None:
        self._members = {}
        self._loop = loop
        self._lock = asyncio.Lock()
        self._client = self._pubsub = self._reader = None
        self._subscribed = set()

    async def _subscribe(self, topics: list[str]) -> None:
        assert self._lock is not None  # noqa: S101 - set by join
        async with self._lock:
            needed = [t for t in topics if t not in self._subscribed]
            if not needed:
                return
            if self._pubsub is None:
                self._client = aioredis.Redis.from_url(
                    settings.REDIS_URL, socket_connect_timeout=2, health_check_interval=30
                )
                self._pubsub = self._client.pubsub(ignore_subscribe_messages=True)
            await self._pubsub.subscribe(*[channel_for(t) for t in needed])
            self._subscribed.update(needed)
            if self._reader is None or self._reader.done():
                self._reader = asyncio.create_task(self._read(self._pubsub))

    async def _read(self, pubsub: Any) -> None:
        prefix = f"{settings.REALTIME_CHANNEL_PREFIX}:live:"
        try:
            while pubsub is self._pubsub:
                message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                if message is None or message.get("type") != "message":
                    continue
                channel = message["channel"].decode()
                await self.fan_out(channel.removeprefix(prefix), message["data"].decode())
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.warning("live hub lost Redis; closing its sockets so they reconnect", exc_info=True)
            await self._drop_all()

    async def _drop_all(self) -> None:
        sinks = {sink for members in self._members.values() for sink in members}
        pubsub, client = self._pubsub, self._client
        self._members, self._subscribed = {}, set()
        self._pubsub = self._client = self._reader = None
        for sink in sinks:
            try:
                await sink.close(code=CLOSE_TRY_AGAIN_LATER)
            except Exception:  # already closed
                logger.debug("live hub could not close a socket", exc_info=True)
        for closer in (getattr(pubsub, "aclose", None), getattr(client, "aclose", None)):
            if closer is not None:
                try:
                    await closer()
                except Exception:
                    logger.debug("live hub could not close Redis", exc_info=True)

    # --- delivery (on the event loop) -------------------------------------------------------

    async def fan_out(self, topic: str, text: str) -> int:
        """Hand `text` to every ready local socket following `topic`; returns how many got it.

        Under Daphne the frame is built once (autobahn's prepared message) and written to each
        socket as is, like a bare WebSocket server's broadcast; elsewhere (tests, other servers)
        each socket gets it through its ASGI send.
        """
        members = self._members.get(topic)
        if not members:
            return 0
        started = time.perf_counter()
        message = {"type": "websocket.send", "text": text}
        prepared: Any = None
        sent = 0
        for sink in list(members):
            if not sink.ready:
                # Still connecting: keep it for after the snapshot, so that a state read before
                # this change never lands after it.
                sink.backlog.append(text)
                continue
            try:
                protocol = _open_daphne_socket(sink)
                if protocol is not None:
                    if prepared is None:
                        prepared = protocol.factory.prepareMessage(text.encode("utf8"), isBinary=False)
                    protocol.sendPreparedMessage(prepared)
                else:
                    await sink.base_send(message)
                sent += 1
            except Exception:  # a socket closing under us
                logger.debug("live hub could not send to a socket", exc_info=True)
        FANOUT_SECONDS.observe(time.perf_counter() - started)
        return sent

    def fan_out_threadsafe(self, topic: str, text: str) -> None:
        """From any thread: deliver on this process's event loop (the embedded mode's publish)."""
        loop = self._loop
        if loop is None or loop.is_closed() or topic not in self._members:
            return
        if _running_loop() is loop:
            loop.create_task(self.fan_out(topic, text))
        else:
            asyncio.run_coroutine_threadsafe(self.fan_out(topic, text), loop)


_NO_PROTOCOL = object()


def _daphne_socket(sink: Sink) -> Any:
    """The Daphne (autobahn) protocol behind a socket's ASGI send, or None when there is none.

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
                found = (protocol, server)
            break
        send = getattr(getattr(send, "__self__", None), "real_send", None)
        if send is None:
            break
    sink._daphne_socket = found  # type: ignore[attr-defined]
    return found


def _open_daphne_socket(sink: Sink) -> Any:
    """The autobahn protocol to write a prepared frame to, if the socket is Daphne's and open."""
    found = _daphne_socket(sink)
    if found is None:
        return None
    protocol, server = found
    state = server.connections.get(protocol)
    if state is None or state.get("disconnected") or protocol.state != protocol.STATE_OPEN:
        return None  # closing: the ASGI send knows what to do (nothing)
    return protocol


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


hub = Hub()


@cache
def _publisher(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)


def publish_fragment(topic: str, text: str) -> None:
    """Send a fragment to every page following `topic`, in every process. Raises on a Redis failure."""
    if settings.REDIS_URL:
        _publisher(settings.REDIS_URL).publish(channel_for(topic), text)
    else:
        hub.fan_out_threadsafe(topic, text)


def has_followers(topic: str) -> bool:
    """Whether a socket in any process follows `topic` now (is a fragment for it worth rendering?)."""
    return topic in followed([topic])


def followed(topics: Sequence[str]) -> set[str]:
    """Those of `topics` some socket in any process follows now: one Redis round trip for all."""
    if not settings.REDIS_URL:
        return {topic for topic in topics if topic in hub._members}
    if not topics:
        return set()
    channels = {channel_for(topic): topic for topic in topics}
    try:
        counts: list[tuple[bytes, int]] = _publisher(settings.REDIS_URL).pubsub_numsub(*channels)  # type: ignore[assignment]
    except Exception:  # Redis is down: nothing would arrive anyway
        logger.warning("live hub could not count followers", exc_info=True)
        return set()
    return {
        channels[channel.decode() if isinstance(channel, bytes) else channel]
        for channel, count in counts
        if int(count) > 0
    }
