"""The one WebSocket endpoint: /ws/live/?t=<signed topics>."""

import json
import logging
import time
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from . import inbound, topics
from .hub import hub
from .metrics import LIVE_SOCKETS

logger = logging.getLogger(__name__)

CLOSE_FORBIDDEN = 4403
CLOSE_TOO_BIG = 1009
CLOSE_POLICY = 1008
CLOSE_TRY_AGAIN_LATER = 1013


@database_sync_to_async
def _snapshots(names: list[str]) -> list[str]:
    fragments = []
    for name in names:
        html = topics.snapshot(name)
        if html:
            fragments.append(html)
    return fragments


class LiveConsumer(AsyncWebsocketConsumer):
    """Follow the topics a signed token names, send their current state; the hub sends the pushes."""

    # No channel layer per socket (no queue, no receive task, no subscription of its own):
    # this process's hub (realtime/hub.py) hands each pushed fragment straight to base_send.
    channel_layer_alias = None
    topics_joined: list[str]
    backlog: list[str]
    ready = False  # accepted and the snapshot sent: the hub sends straight to it
    counted = False  # in the open-sockets gauge

    async def connect(self) -> None:
        self.topics_joined = []
        self.backlog = []
        self.allowance = float(settings.REALTIME_INBOUND_BURST)
        self.last_check = time.monotonic()
        query = parse_qs(self.scope.get("query_string", b"").decode())
        token = (query.get("t") or [""])[0]
        user = self.scope.get("user")
        session = self.scope.get("session")
        binding = topics.binding_for(
            user_pk=user.pk if user is not None and user.is_authenticated else None,
            session_key=session.session_key if session is not None else None,
        )
        try:
            names = topics.verify_topics(token, binding=binding)
        except topics.TopicTokenError as exc:
            logger.info("live socket refused", extra={"reason": str(exc)})
            await self.close(code=CLOSE_FORBIDDEN)
            return
        try:
            await hub.join(names, self)
        except Exception as exc:  # Redis is down: the page still works, just not live
            logger.warning("live socket could not join its topics", extra={"error": repr(exc)})
            await self.close(code=CLOSE_TRY_AGAIN_LATER)
            return
        self.topics_joined = names
        await self.accept()
        LIVE_SOCKETS.inc()
        self.counted = True
        # The snapshot heals whatever this page missed while it was disconnected. Pushes that
        # arrive while it is read wait in the backlog and follow it, in order.
        for html in await _snapshots(names):
            await self.send(text_data=html)
        while self.backlog:
            await self.send(text_data=self.backlog.pop(0))
        self.ready = True

    async def disconnect(self, code: int) -> None:
        if self.counted:
            LIVE_SOCKETS.dec()
            self.counted = False
        self.ready = False
        if self.topics_joined:
            await hub.leave(self.topics_joined, self)
            self.topics_joined = []

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Only small ephemeral signals come this way; writes go over HTTP."""
        size = len(text_data.encode()) if text_data is not None else len(bytes_data or b"")
        if size > settings.REALTIME_MAX_INBOUND_BYTES:
            await self.close(code=CLOSE_TOO_BIG)
            return
        if not self._allow():
            await self.close(code=CLOSE_POLICY)
            return
        try:
            message = json.loads(text_data or "")
        except ValueError:
            return
        if not isinstance(message, dict):
            return
        if message.get("type") == "ping":
            await self.send(text_data=json.dumps({"type": "pong"}))
            return
        await self._inbound(message)

    async def _inbound(self, message: dict[str, Any]) -> None:
        """Pass a registered signal on, about one of this socket's own topics only."""
        kind = inbound.inbound_kind(message.get("type"))
        if kind is None:
            return
        topic = message.get("topic")
        if kind.needs_topic and not (isinstance(topic, str) and topic in self.topics_joined):
            return
        session = self.scope.get("session")
        signal = inbound.Inbound(
            kind=str(message["type"]),
            topic=topic if kind.needs_topic else None,
            user=self.scope.get("user"),
            session_key=session.session_key if session is not None else None,
        )
        try:
            await database_sync_to_async(kind.handler)(signal)
        except Exception:  # an ephemeral signal may be lost; the socket stays up
            logger.exception("live signal failed", extra={"kind": signal.kind})

    def _allow(self) -> bool:
        """A token bucket: REALTIME_INBOUND_RATE messages a second, bursts up to REALTIME_INBOUND_BURST."""
        now = time.monotonic()
        rate = float(settings.REALTIME_INBOUND_RATE)
        self.allowance = min(float(settings.REALTIME_INBOUND_BURST), self.allowance + (now - self.last_check) * rate)
        self.last_check = now
        if self.allowance < 1:
            return False
        self.allowance -= 1
        return True
