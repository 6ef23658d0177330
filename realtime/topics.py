"""Topics a page may follow, signed by the view that rendered it.

A view that has already checked permissions calls `sign_topics(request, [...])`
and puts the token in the page's `ws-connect` URL. The consumer verifies it
with `verify_topics(token, binding)`: a token is bound to the user (or, for a
guest, a keyed digest of the session: the key itself never appears in a token),
and expires, so it cannot be replayed from another browser or used to join a
topic the page was not given. A token naming only public topics (stock figures)
is bound to no one.

Each commerce area registers its topic kinds at startup (`register`), with the
function that renders the current state of one topic (the reconnect snapshot) and
the check of who may follow one (`allowed`), which matches the view that first
grants the topic. A token outlives a role or a cart, so the check runs again
whenever a token is re-signed (/live/extend/) and whenever a socket connects.
"""

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core import signing
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

logger = logging.getLogger(__name__)

SALT = "realtime.topics"
TOPIC_RE = re.compile(r"^[a-z_]+\.[A-Za-z0-9_-]{1,64}$")
PUBLIC_BINDING = "*"  # a token naming public topics only: valid for anyone


class Viewer(Protocol):
    """Who is looking: an HttpRequest, or a socket's scope as `SocketViewer`."""

    @property
    def user(self) -> Any: ...  # a User, or AnonymousUser

    @property
    def session(self) -> SessionBase: ...


@dataclass(frozen=True)
class SocketViewer:
    user: Any
    session: SessionBase


Snapshot = Callable[[str], str | None]
Push = Callable[[str, bool], str | None]
Allowed = Callable[[Viewer, str], bool]


def public(viewer: Viewer, key: str) -> bool:
    """The check of a topic anyone may follow (costs nothing: no query, no session)."""
    return True


@dataclass(frozen=True)
class TopicKind:
    prefix: str
    snapshot: Snapshot
    push: Push | None
    allowed: Allowed

    @property
    def public(self) -> bool:
        return self.allowed is public


_kinds: dict[str, TopicKind] = {}


def register(prefix: str, snapshot: Snapshot, *, push: Push | None = None, allowed: Allowed) -> None:
    """Declare a topic kind (`stock`, `cart`, ...), how to render one topic's current state, and who may follow one.

    `allowed(viewer, key)` answers whether this viewer (user and session) may follow the topic
    now, exactly as the view that grants it decides; `public` for a topic anyone may follow.

    `push(key, followed)`, if given, renders what the coalescer sends when the topic was marked
    changed (the snapshot plus what changed since the last push, say). It is called even when
    no page follows the topic (`followed` False, nothing is sent), so it can drop what it kept.
    Without it, the coalescer sends the snapshot, rendered only when followed.
    """
    _kinds[prefix] = TopicKind(prefix=prefix, snapshot=snapshot, push=push, allowed=allowed)


def kind_of(topic: str) -> TopicKind | None:
    return _kinds.get(topic.split(".", 1)[0])


def snapshot(topic: str) -> str | None:
    """The current fragment for a topic, straight from the database (None if there is nothing to show)."""
    kind = kind_of(topic)
    return kind.snapshot(topic.split(".", 1)[1]) if kind else None


def push(topic: str, *, followed: bool) -> str | None:
    """The fragment the coalescer sends for a topic marked changed (None: nothing to send)."""
    kind = kind_of(topic)
    if kind is None:
        return None
    key = topic.split(".", 1)[1]
    if kind.push is not None:
        return kind.push(key, followed)
    return kind.snapshot(key) if followed else None


def is_public(topic: str) -> bool:
    kind = kind_of(topic)
    return kind is not None and kind.public


def allowed_topics(viewer: Viewer, topics: Iterable[str]) -> list[str]:
    """The topics of `topics` this viewer may follow now, in order (public ones without a check)."""
    kept = []
    for topic in topics:
        kind = kind_of(topic)
        if kind is None:
            continue
        if not kind.public:
            try:
                ok = kind.allowed(viewer, topic.split(".", 1)[1])
            except Exception:  # a failed check grants nothing
                logger.exception("live access check failed", extra={"topic": topic})
                ok = False
            if not ok:
                continue
        kept.append(topic)
    return kept


def digest(value: str, *, purpose: str) -> str:
    """A keyed digest (SECRET_KEY) of a secret such as a session key, one per purpose: names it without revealing it."""
    return salted_hmac(f"realtime.{purpose}", value).hexdigest()[:32]


def binding_for(*, user_pk: int | None, session_key: str | None) -> str:
    if user_pk is not None:
        return f"u:{user_pk}"
    return f"s:{digest(session_key, purpose='binding')}" if session_key else "s:"


def request_binding(request: HttpRequest) -> str:
    if request.user.is_authenticated:
        return binding_for(user_pk=request.user.pk, session_key=None)
    if request.session.session_key is None:
        request.session.save()  # a guest needs a session for the socket to be bound to
    return binding_for(user_pk=None, session_key=request.session.session_key)


def sign_topics(request: HttpRequest, topics: Iterable[str]) -> str:
    """A token naming the topics this page may follow, for this user or session only (anyone: public topics only)."""
    unique = sorted({t for t in topics if TOPIC_RE.match(t) and kind_of(t)})
    binding = PUBLIC_BINDING if all(is_public(t) for t in unique) else request_binding(request)
    return signing.dumps({"t": unique, "b": binding}, salt=SALT, compress=True)


class TopicTokenError(Exception):
    pass


def verify_topics(token: str, *, binding: str) -> list[str]:
    """The topics of a valid token for this binding; raises TopicTokenError otherwise."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=settings.REALTIME_TOKEN_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise TopicTokenError("expired") from exc
    except signing.BadSignature as exc:
        raise TopicTokenError("bad signature") from exc
    if not isinstance(payload, dict):
        raise TopicTokenError("malformed topics")
    topics = payload.get("t")
    if not isinstance(topics, list) or not all(isinstance(t, str) and TOPIC_RE.match(t) for t in topics):
        raise TopicTokenError("malformed topics")
    if all(is_public(t) for t in topics):
        return topics  # public topics need no binding
    if payload.get("b") != binding or binding in {"s:", "u:None"}:
        raise TopicTokenError("token belongs to another session")
    return topics
