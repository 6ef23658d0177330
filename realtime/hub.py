"""Fan-out inside one process: one subscription per topic, each fragment handed straight to the sockets.

A channel-layer group costs every socket a queue, a receive task and (on the Redis pub/sub
layer) a subscription of its own, and every message a decode and a dispatch per socket. Here
each process holds one Redis pub/sub connection, subscribed once to each topic some local
socket follows; a published fragment arrives once and the hub hands the same string to every
local socket's ASGI send, in one pass.

Publishing is a plain Redis PUBLISH from any thread or process (`publish`). Without Redis
(the embedded mode, one process) a publish is handed to this process's hub directly.
The hub is a hint like every push: a socket that misses one heals from its snapshot on
reconnect, and when the Redis connection is lost the hub closes its sockets with 1013 so
that their pages reconnect (and resubscribe) once Redis is back.

No socket may cost the process without bound: one still reading its snapshot keeps at most
REALTIME_MAX_BACKLOG pushes, and one whose client stops reading (what was written to it and
not yet taken by the kernel passes REALTIME_MAX_SEND_BUFFER bytes) is dropped from the hub and
closed with 1013; its page reconnects and heals from the snapshot.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from functools import cache
from typing import Any, Protocol

import redis
import redis.asyncio as aioredis
from django.conf import settings

from project.breaker import BreakerConnection, redis_breaker

from .daphne import open_daphne_socket
from .metrics import FANOUT_SECONDS, LIVE_SOCKETS_CLOSED

logger = logging.getLogger(__name__)
CLOSE_TRY_AGAIN_LATER = 1013


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
        self._joined: dict[Sink, list[str]] = {}  # the topics each local socket follows
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
        joined = self._joined.setdefault(sink, [])
        for topic in topics:
            members = self._members.setdefault(topic, set())
            if sink not in members:
                members.add(sink)
                joined.append(topic)
        if not settings.REDIS_URL:
            return
        try:
            await self._subscribe(topics)
        except Exception:
            await self.leave(topics, sink)
            raise

    def joined(self, sink: Sink) -> bool:
        """Whether `sink` still follows anything here (False once it left or the hub dropped it)."""
        return sink in self._joined

    async def leave(self, topics: list[str], sink: Sink) -> None:
        """Stop delivering these topics to `sink`.

        Membership ends before the first await, so a caller cancelled meanwhile has still left;
        only the Redis unsubscription of topics no one here follows any more is awaited.
        """
        await self._unsubscribe(self._discard(topics, sink))

    async def leave_all(self, sink: Sink) -> None:
        """Stop delivering anything to `sink`, whatever it joined; safe to call again."""
        await self.leave(list(self._joined.get(sink, ())), sink)

    def _discard(self, topics: list[str], sink: Sink) -> list[str]:
        """Take `sink` out of these topics at once; returns the topics no local socket follows now."""
        joined = self._joined.get(sink)
        if joined is not None:
            remaining = [t for t in joined if t not in topics]
            if remaining:
                self._joined[sink] = remaining
            else:
                del self._joined[sink]
        gone = []
        for topic in topics:
            members = self._members.get(topic)
            if members is None:
                continue
            members.discard(sink)
            if not members:
                del self._members[topic]
                gone.append(topic)
        return gone

    async def _unsubscribe(self, gone: list[str]) -> None:
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
        self._joined = {}
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
            # Redis answered: this process may ask it again at once (its publishes resume with the pages).
            redis_breaker(settings.REDIS_URL).reset()
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
        # Sockets still reading their snapshot close themselves when they find they were dropped
        # (a close now could come before their accept).
        sinks = [sink for sink in self._joined if sink.ready]
        pubsub, client = self._pubsub, self._client
        self._members, self._joined, self._subscribed = {}, {}, set()
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

        A socket past a bound (see the module's docstring) gets nothing more: it is dropped and
        closed once the pass is over.
        """
        members = self._members.get(topic)
        if not members:
            return 0
        started = time.perf_counter()
        message = {"type": "websocket.send", "text": text}
        prepared: Any = None
        sent = 0
        max_backlog = settings.REALTIME_MAX_BACKLOG
        max_queued = settings.REALTIME_MAX_SEND_BUFFER
        dropped: list[tuple[Sink, str, int]] = []
        for sink in list(members):
            if not sink.ready:
                # Still connecting: keep it for after the snapshot, so that a state read before
                # this change never lands after it.
                if len(sink.backlog) >= max_backlog:
                    dropped.append((sink, "backlog", len(sink.backlog)))
                else:
                    sink.backlog.append(text)
                continue
            try:
                found = open_daphne_socket(sink)
                if found is not None:
                    protocol, unsent = found
                    # Bytes earlier pushes left in Twisted's buffers. `dataBuffer` stays empty while the
                    # kernel takes everything (the client reads), so most sockets cost one attribute
                    # here. Checked before this write, so that one large fragment, not yet flushed,
                    # never counts against every socket.
                    if unsent is not None and unsent.dataBuffer:
                        queued = len(unsent.dataBuffer) - unsent.offset + unsent._tempDataLen
                        if queued > max_queued:
                            dropped.append((sink, "slow_reader", queued))
                            continue
                    if prepared is None:
                        prepared = protocol.factory.prepareMessage(text.encode("utf8"), isBinary=False)
                    protocol.sendPreparedMessage(prepared)
                else:
                    await sink.base_send(message)
                sent += 1
            except Exception:  # a socket closing under us
                logger.debug("live hub could not send to a socket", exc_info=True)
        FANOUT_SECONDS.observe(time.perf_counter() - started)
        for sink, reason, size in dropped:
            await self._drop(sink, reason, size)
        return sent

    async def _drop(self, sink: Sink, reason: str, size: int) -> None:
        """Stop delivering to a socket past a bound and close it with 1013 (its page reconnects)."""
        if not self.joined(sink):  # dropped by an earlier push of this burst
            return
        logger.warning(
            "live socket dropped: too far behind", extra={"reason": reason, "size": size, "topics": self._joined[sink]}
        )
        LIVE_SOCKETS_CLOSED.labels(reason=reason).inc()
        sink.backlog.clear()
        gone = self._discard(list(self._joined[sink]), sink)
        if sink.ready:  # one still reading its snapshot closes itself when it finds it was dropped
            try:
                await sink.close(code=CLOSE_TRY_AGAIN_LATER)
            except Exception:  # already closed
                logger.debug("live hub could not close a socket", exc_info=True)
        await self._unsubscribe(gone)

    def fan_out_threadsafe(self, topic: str, text: str) -> None:
        """From any thread: deliver on this process's event loop (the embedded mode's publish)."""
        loop = self._loop
        if loop is None or loop.is_closed() or topic not in self._members:
            return
        if _running_loop() is loop:
            loop.create_task(self.fan_out(topic, text))
        else:
            asyncio.run_coroutine_threadsafe(self.fan_out(topic, text), loop)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


hub = Hub()


@cache
def _publisher(url: str) -> redis.Redis:
    # The breaker's connections: a stalled Redis is waited on once, not by every publish (project/breaker.py).
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2, connection_class=BreakerConnection)


def publish_fragment(topic: str, text: str) -> None:
    """Send a fragment to every page following `topic`, in every process. Raises on a Redis failure."""
    if settings.REDIS_URL:
        _publisher(settings.REDIS_URL).publish(channel_for(topic), text)
    else:
        hub.fan_out_threadsafe(topic, text)


# Followed by no page: every topic a page follows has a kind and a key ("stock.12").
READY_TOPIC = "readyz"


def publisher_check() -> None:
    """Raise unless this process can publish fragments: one PUBLISH on the connection `publish_fragment`
    uses, to a channel no page follows. Nothing to check in the embedded mode (the hub is in process)."""
    if settings.REDIS_URL:
        _publisher(settings.REDIS_URL).publish(channel_for(READY_TOPIC), "")


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
