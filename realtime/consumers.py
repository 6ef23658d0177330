"""The one WebSocket endpoint: /ws/live/?t=<signed topics>."""

import json
import logging
import time
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import DEFAULT_CHANNEL_LAYER
from django.conf import settings

from project.clients import scope_client_address

from . import closing, inbound, topics
from .address_slots import address_slots
from .daphne import close_daphne_socket
from .hub import hub
from .metrics import LIVE_SOCKETS, LIVE_SOCKETS_CLOSED

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


def _user_pk(scope: dict[str, Any]) -> int | None:
    user = scope.get("user")
    return user.pk if user is not None and user.is_authenticated else None


@database_sync_to_async
def _still_allowed(scope: dict[str, Any], names: list[str]) -> list[str]:
    """The token's topics this socket's viewer may follow now (a token outlives roles and carts)."""
    return topics.allowed_topics(topics.SocketViewer(user=scope.get("user"), session=scope["session"]), names)


class LiveConsumer(AsyncWebsocketConsumer):
    """Follow the topics a signed token names, send their current state; the hub sends the pushes."""

    # No channel layer per socket (no queue, no receive task, no subscription of its own):
    # this process's hub (realtime/hub.py) hands each pushed fragment straight to base_send.
    channel_layer_alias = None
    topics_joined: list[str]
    backlog: list[str]
    ready = False  # accepted and the snapshot sent: the hub sends straight to it
    counted = False  # in the open-sockets gauge
    address: str | None = None  # the client address whose slot this socket holds
    live_groups: list[str]  # channel-layer groups joined, to be closed through (realtime/closing.py)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        # A signed-in user's socket takes a channel (its groups close it on sign-out or a lost role);
        # a guest's socket, most sockets, stays without one.
        if _user_pk(scope) is not None:
            self.channel_layer_alias = DEFAULT_CHANNEL_LAYER
        await super().__call__(scope, receive, send)

    async def connect(self) -> None:
        self.topics_joined = []
        self.live_groups = []
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
        address = scope_client_address(self.scope)
        if not address_slots.take(address):
            # Accepted first, so that the client sees the code: 1013, try again later.
            logger.warning("live socket refused: too many open from one address", extra={"address": address})
            LIVE_SOCKETS_CLOSED.labels(reason="address_limit").inc()
            await self.accept()
            await self.close(code=CLOSE_TRY_AGAIN_LATER)
            return
        self.address = address
        try:
            # Before the access check: a role withdrawn while it runs still reaches this socket.
            await self._join_groups()
            given = names
            if not all(topics.is_public(name) for name in names):  # public ones cost no check (and no thread)
                names = await _still_allowed(self.scope, names)
            if given and not names:
                logger.info("live socket refused", extra={"reason": "no topic still allowed"})
                await self._leave()
                await self.close(code=CLOSE_FORBIDDEN)
                return
            await hub.join(names, self)
        except Exception as exc:  # Redis is down: the page still works, just not live
            logger.warning("live socket could not join its topics", extra={"error": repr(exc)})
            await self._leave()
            await self.close(code=CLOSE_TRY_AGAIN_LATER)
            return
        self.topics_joined = names
        await self.accept()
        LIVE_SOCKETS.inc()
        self.counted = True
        # Joined and never ready, a socket would keep every later push: whatever stops the catch-up
        # (PostgreSQL restarting, the hub dropping it, the server cancelling a connect whose page went
        # away), it leaves the hub at once.
        try:
            caught_up = await self._catch_up(names)
        except Exception:
            logger.warning("live socket's snapshot failed; closing it so that the page retries", exc_info=True)
            LIVE_SOCKETS_CLOSED.labels(reason="snapshot_failed").inc()
            caught_up = False
        except BaseException:
            await self._leave()
            raise
        if not caught_up:
            await self._leave()
            await self.close(code=CLOSE_TRY_AGAIN_LATER)

    async def _catch_up(self, names: list[str]) -> bool:
        """Send the current state of each topic, then the pushes that arrived meanwhile, in order;
        False if the hub dropped this socket meanwhile (its backlog overflowed, Redis was lost).

        The snapshot heals whatever this page missed while it was disconnected.
        """
        fragments = await _snapshots(names)
        if not hub.joined(self):
            return False
        for html in fragments:
            await self.send(text_data=html)
        while self.backlog:
            await self.send(text_data=self.backlog.pop(0))
        if not hub.joined(self):
            return False
        self.ready = True
        return True

    async def close(self, code: int | bool | None = None, reason: str | None = None) -> None:
        """Close from the server end; the standard codes (1008, 1009, 1013) reach the page under Daphne too,
        whose ASGI close sends only 1000 and 3000-4999 (see close_daphne_socket)."""
        if (
            isinstance(code, int)
            and not isinstance(code, bool)
            and 1000 < code < 3000
            and close_daphne_socket(self, code)
        ):
            return
        await super().close(code=code, reason=reason)

    async def disconnect(self, code: int) -> None:
        await self._leave()

    async def _leave(self) -> None:
        """Leave the hub and give back the address slot and the gauge, whatever connect got to; idempotent."""
        self.ready = False
        if self.counted:
            LIVE_SOCKETS.dec()
            self.counted = False
        if self.address is not None:
            address_slots.release(self.address)
            self.address = None
        self.topics_joined = []
        await hub.leave_all(self)
        await self._leave_groups()

    async def _join_groups(self) -> None:
        """A signed-in user's socket can be closed by user (a role withdrawn) and by session (signed out)."""
        user_pk = _user_pk(self.scope)
        session = self.scope.get("session")
        if user_pk is None or self.channel_layer is None:
            return
        groups = [closing.user_group(user_pk)]
        if session is not None and session.session_key:
            groups.append(closing.session_group(session.session_key))
        for group in groups:
            self.live_groups.append(group)
            await self.channel_layer.group_add(group, self.channel_name)

    async def _leave_groups(self) -> None:
        groups, self.live_groups = getattr(self, "live_groups", []), []
        for group in groups:
            try:
                await self.channel_layer.group_discard(group, self.channel_name)
            except Exception as exc:  # the layer is gone; so is the subscription
                logger.warning("live socket could not leave a group", extra={"error": repr(exc)})

    async def live_close(self, event: dict[str, Any]) -> None:
        """Sent to a group (realtime.closing.close_group): signed out, or a role withdrawn."""
        await self.close(code=int(event.get("code") or CLOSE_FORBIDDEN))

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
