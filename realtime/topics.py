"""Topics a page may follow, signed by the view that rendered it.

A view that has already checked permissions calls `sign_topics(request, [...])`
and puts the token in the page's `ws-connect` URL. The consumer verifies it
with `verify_topics(token, binding)`: a token is bound to the user (or, for a
guest, the session) that asked for it, and expires, so it cannot be replayed
from another browser or used to join a topic the page was not given.

Each commerce area registers its topic kinds at startup (`register`), with the
function that renders the current state of one topic: the reconnect snapshot.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.http import HttpRequest

SALT = "realtime.topics"
TOPIC_RE = re.compile(r"^[a-z_]+\.[A-Za-z0-9_-]{1,64}$")
Snapshot = Callable[[str], str | None]
Push = Callable[[str, bool], str | None]


@dataclass(frozen=True)
class TopicKind:
    prefix: str
    snapshot: Snapshot
    push: Push | None


_kinds: dict[str, TopicKind] = {}


def register(prefix: str, snapshot: Snapshot, *, push: Push | None = None) -> None:
    """Declare a topic kind (`stock`, `cart`, ...) and how to render one topic's current state.

    `push(key, followed)`, if given, renders what the coalescer sends when the topic was marked
    changed (the snapshot plus what changed since the last push, say). It is called even when
    no page follows the topic (`followed` False, nothing is sent), so it can drop what it kept.
    Without it, the coalescer sends the snapshot, rendered only when followed.
    """
    _kinds[prefix] = TopicKind(prefix=prefix, snapshot=snapshot, push=push)


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


def binding_for(*, user_pk: int | None, session_key: str | None) -> str:
    if user_pk is not None:
        return f"u:{user_pk}"
    return f"s:{session_key or ''}"


def request_binding(request: HttpRequest) -> str:
    if request.user.is_authenticated:
        return binding_for(user_pk=request.user.pk, session_key=None)
    if request.session.session_key is None:
        request.session.save()  # a guest needs a session for the socket to be bound to
    return binding_for(user_pk=None, session_key=request.session.session_key)


def sign_topics(request: HttpRequest, topics: Iterable[str]) -> str:
    """A token naming the topics this page may follow, for this user or session only."""
    unique = sorted({t for t in topics if TOPIC_RE.match(t) and kind_of(t)})
    return signing.dumps({"t": unique, "b": request_binding(request)}, salt=SALT, compress=True)


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
    if not isinstance(payload, dict) or payload.get("b") != binding or binding in {"s:", "u:None"}:
        raise TopicTokenError("token belongs to another session")
    topics = payload.get("t")
    if not isinstance(topics, list) or not all(isinstance(t, str) and TOPIC_RE.match(t) for t in topics):
        raise TopicTokenError("malformed topics")
    return topics
