"""Small ephemeral signals a page sends over its socket: typing, presence heartbeats, "seen" marks.

Writes that matter travel over HTTP; these may be lost without harm. Each commerce area
registers the kinds it handles (`register_inbound`). A signal about a topic is only passed
on if the socket joined that topic with its signed token, so a page can only signal about
what its view let it follow.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Inbound:
    kind: str
    topic: str | None  # one of the socket's own topics, or None for a kind that needs none
    user: Any  # the socket's user (AnonymousUser for guests)
    session_key: str | None


@dataclass(frozen=True)
class InboundKind:
    handler: Callable[[Inbound], None]  # runs in a worker thread; may use the ORM and publish
    needs_topic: bool


_kinds: dict[str, InboundKind] = {}


def register_inbound(kind: str, handler: Callable[[Inbound], None], *, needs_topic: bool = True) -> None:
    _kinds[kind] = InboundKind(handler=handler, needs_topic=needs_topic)


def inbound_kind(kind: object) -> InboundKind | None:
    return _kinds.get(kind) if isinstance(kind, str) else None
