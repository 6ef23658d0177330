"""What a page follows: views add topics, the base template connects with their signed list."""

from collections.abc import Callable

from django.http import HttpRequest

from .topics import sign_topics

ATTR = "_live_topics"
OFF_ATTR = "_live_page_topics_off"
# Topics every page follows (the cart badge is on every page); set by the commerce apps.
_page_topics: list[Callable[[HttpRequest], list[str]]] = []


def add_page_topics(provider: Callable[[HttpRequest], list[str]]) -> None:
    _page_topics.append(provider)


def follow(request: HttpRequest, *topics: str) -> None:
    """Let the page rendered for this request follow these topics (the view checked permissions)."""
    current: list[str] = getattr(request, ATTR, [])
    setattr(request, ATTR, [*current, *topics])


def page_topics_off(request: HttpRequest) -> None:
    """This page follows only what its view names (a staff page watching someone else's cart)."""
    setattr(request, OFF_ATTR, True)


def page_topics(request: HttpRequest) -> list[str]:
    if getattr(request, OFF_ATTR, False):
        return []
    return [topic for provider in _page_topics for topic in provider(request)]


def live_token(request: HttpRequest) -> str:
    topics = [*getattr(request, ATTR, []), *page_topics(request)]
    return sign_topics(request, topics) if topics else ""
