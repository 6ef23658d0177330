from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from .pages import live_token


def live(request: HttpRequest) -> dict[str, object]:
    """`live_token` for `<body ws-connect>`: the topics the view chose, signed for this browser."""
    return {"live_token": SimpleLazyObject(lambda: live_token(request))}
