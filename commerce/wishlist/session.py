"""The list a request sees: a signed-in person's rows, or what this guest session saved (a list of
product pks under SESSION_KEY, written by services). Views and the page section ask here."""

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest

from commerce.accounts.models import User

from .models import SESSION_KEY
from .selectors import user_has_saved, user_saved_pks


def session_saved(session: Mapping[str, Any]) -> list[int]:
    """The product pks a guest session saved, newest first (anything else in the session is ignored)."""
    value = session.get(SESSION_KEY)
    if not isinstance(value, list):
        return []
    return [pk for pk in value if isinstance(pk, int) and not isinstance(pk, bool) and pk > 0]


def _user(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


def saved_for_request(request: HttpRequest) -> list[int]:
    """The products this person (or this guest session) saved, newest first: never anyone else's."""
    user = _user(request)
    return user_saved_pks(user) if user is not None else session_saved(request.session)


def is_saved_for_request(request: HttpRequest, product_pk: int) -> bool:
    user = _user(request)
    return user_has_saved(user, product_pk) if user is not None else product_pk in session_saved(request.session)
