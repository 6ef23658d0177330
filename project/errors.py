"""Domain errors become answers in one way: the message the error carries, at the status it names.

Views that show an error inside their own form or partial call `error_response`; a DomainError that
no view catches reaches `DomainErrorMiddleware`, which answers with the message all the same (htmx:
a fragment and a `domainError` event the page shows in its toast; otherwise a page), never a 500.
"""

import json
import logging
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.deprecation import MiddlewareMixin

from commerce.errors import DomainError

logger = logging.getLogger(__name__)
HTMX_EVENT = "domainError"


def error_response(
    request: HttpRequest, template: str, context: dict[str, Any], error: DomainError, *, key: str = "error"
) -> HttpResponse:
    """`template` rendered with `error` under `key` (it reads as its message), at the error's status."""
    return render(request, template, {**context, key: error}, status=error.status)


class DomainErrorMiddleware(MiddlewareMixin):
    """Answer a DomainError that escaped its view with its message and status, not a server error."""

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError):
            return None
        logger.info("domain error", extra={"code": exception.code, "status": exception.status})
        if getattr(request, "htmx", False):
            response = render(request, "_error.html", {"error": exception}, status=exception.status)
            # Nothing on the page is replaced; the page's toast shows the message (static/js/store.js).
            response["HX-Reswap"] = "none"
            response["HX-Trigger"] = json.dumps({HTMX_EVENT: {"code": exception.code, "message": exception.message}})
            return response
        return render(request, "error.html", {"error": exception}, status=exception.status)
