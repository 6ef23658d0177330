"""ETag and If-None-Match for catalog reads: a client that has the answer gets 304 and no body.

The tag is a digest of the answer itself (so it changes with any price, stock figure or rating
shown), with the `Vary` the answer depends on. Saves the network, not the server's work.
"""

import functools
import hashlib
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers

View = Callable[..., HttpResponseBase]


def with_etag(response: HttpResponseBase, request: HttpRequest, *, max_age: int = 0) -> HttpResponseBase:
    """Tag a 200 JSON answer; answer 304 when the client already holds it."""
    if response.status_code != 200 or not isinstance(response, HttpResponse):
        return response
    tag = f'"{hashlib.blake2b(response.content, digest_size=16).hexdigest()}"'
    response["ETag"] = tag
    patch_cache_control(response, public=True, max_age=max_age, must_revalidate=True)
    patch_vary_headers(response, ("Authorization", "Cookie"))
    conditional = get_conditional_response(request, etag=tag, response=response)
    return conditional if conditional is not None else response


def etag(view: View) -> View:
    """For ninja's `decorate_view`: `@router.get(...)` then `@decorate_view(etag)` above the function."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return with_etag(view(request, *args, **kwargs), request)

    return wrapped
