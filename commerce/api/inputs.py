"""Input no operation can store, refused before any operation runs (StoreAuth calls `inputs_check`).

PostgreSQL cannot hold a NUL character in text, and UTF-8 cannot hold a lone surrogate (JSON's
"\\ud800" decodes to one): either would reach the database as a server error. So a path or a
JSON body string carrying one is answered 422 (404 for the path) in the one error shape; a NUL in a
query value is dropped (query values are searched and filtered on, never stored).

Every body this API takes is a JSON object. ninja's Schema reads its fields by attribute from
whatever it is given, so a list, a string or a number sent as the body would pass for an object
whose fields are all optional: a body that is JSON but not an object is refused here (422).
"""

import json
from collections.abc import Iterator
from typing import Any

from django.http import HttpRequest, QueryDict

from .errors import ApiError

MESSAGE = "Null characters are not allowed."  # Django's own words (its forms' ProhibitNullCharactersValidator)
SURROGATE = "Text may not contain unpaired surrogates."
NOT_AN_OBJECT = "Send a JSON object as the body."
MAX_DEPTH = 64  # deeper bodies are not walked (json.loads has already bounded them)


def problem(text: str) -> str | None:
    """Why PostgreSQL's UTF-8 text cannot store `text`, or None when it can."""
    if "\x00" in text:
        return MESSAGE
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return SURROGATE
    return None


def _strings(value: Any, where: str, depth: int = 0) -> Iterator[tuple[str, str]]:
    """(dotted place, text) for every key and string in a decoded JSON value."""
    if depth > MAX_DEPTH:
        return
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            place = f"{where}.{key}" if where else str(key)
            yield place, str(key)
            yield from _strings(item, place, depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{where}.{index}" if where else str(index), depth + 1)


def inputs_check(request: HttpRequest) -> None:
    """Refuse a call whose path or JSON body holds text the database cannot store; drop NULs from the query."""
    if problem(request.path):
        raise ApiError.not_found()
    if "\x00" in request.META.get("QUERY_STRING", "") or "%00" in request.META.get("QUERY_STRING", ""):
        # Query values are searched and filtered on, not stored: a NUL in one is dropped, as the
        # search pages drop it ("mug\x00" finds the mug), rather than refused.
        cleaned = QueryDict(mutable=True)
        for key, values in request.GET.lists():
            cleaned.setlist(key.replace("\x00", ""), [value.replace("\x00", "") for value in values])
        cleaned._mutable = False
        request.GET = cleaned  # type: ignore[assignment] # made immutable just above
    unsafe = request.method in {"POST", "PUT", "PATCH", "DELETE"}
    body = request.body if unsafe and not (request.content_type or "").startswith("multipart/") else b""
    if not body:
        return
    try:
        data = json.loads(body)
    except ValueError:
        return  # not JSON (a raw NUL included): the operation's parser answers 400
    if not isinstance(data, dict):
        raise ApiError.invalid("body", NOT_AN_OBJECT)
    for place, text in _strings(data, ""):
        wrong = problem(text)
        if wrong:
            raise ApiError.invalid("body" if problem(place) else place, wrong)
