"""Every API error in one JSON shape, from the one error base (commerce.errors.DomainError).

    {"code": "out_of_stock", "message": "Only 2 left of Reef Tee S.", "fields": {}}

`code` is for programs, `message` for people, `fields` maps a field (dotted, as sent) to what is
wrong with it. Every operation documents these answers (`answers`), so that generated clients and
schemathesis know them.
"""

import logging
from typing import Any

from django.core.exceptions import BadRequest, ObjectDoesNotExist, PermissionDenied, SuspiciousOperation
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from commerce.errors import DomainError

logger = logging.getLogger(__name__)

# The error answers any operation may give: bad request, no or bad token, no scope or role, not
# found (or not yours), conflict, invalid input or a refused step, too many calls.
ERRORS = frozenset({400, 401, 403, 404, 409, 422, 429})
STATUS_CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found", 409: "conflict"}


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


class ApiError(DomainError):
    """An error the API itself raises (not one an area's service raised): 403 no scope, 404, and so on."""

    def __init__(self, code: str, message: str, status: int, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(code, message, status)
        self.fields = fields or {}

    @classmethod
    def not_found(cls, what: str = "It") -> "ApiError":
        return cls("not_found", f"{what} was not found.", 404)

    @classmethod
    def forbidden(cls, message: str, code: str = "forbidden") -> "ApiError":
        return cls(code, message, 403)

    @classmethod
    def invalid(cls, field: str, message: str, code: str = "invalid") -> "ApiError":
        return cls(code, message, 422, {field: [message]})


def answers(ok: dict[int, Any]) -> dict[Any, Any]:
    """An operation's `response=`: its success answers and, for every error status, ErrorOut."""
    return {**ok, ERRORS: ErrorOut}


def _error(api: NinjaAPI, request: HttpRequest, status: int, code: str, message: str, **fields: Any) -> HttpResponse:
    return api.create_response(
        request, {"code": code, "message": message, "fields": fields.get("fields") or {}}, status=status
    )


def _field(loc: list[Any]) -> str:
    # ninja's locations start with where the value came from ("body", "query", "path") and, for a body,
    # the parameter's name; the rest is the field as the client sent it.
    parts = [str(part) for part in loc]
    if parts and parts[0] == "body":
        parts = parts[2:] or parts[1:]
    elif parts and parts[0] in {"query", "path", "header", "cookie", "form"}:
        parts = parts[1:]
    return ".".join(parts) or "body"


def install(api: NinjaAPI) -> None:
    """Answer every error the API can meet in the one shape."""

    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        response = _error(api, request, exc.status, exc.code, exc.message, fields=getattr(exc, "fields", None))
        if exc.retry_after is not None:  # too many tries (project.throttle.Throttled, support's rate)
            response["Retry-After"] = str(exc.retry_after)
        return response

    @api.exception_handler(ValidationError)
    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        fields: dict[str, list[str]] = {}
        for error in exc.errors:
            fields.setdefault(_field(list(error.get("loc", []))), []).append(str(error.get("msg", "Invalid value.")))
        message = (
            "Some fields are not valid: " + ", ".join(sorted(fields)) + "." if fields else "The request is not valid."
        )
        return _error(api, request, 422, "invalid", message, fields=fields)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = _error(
            api, request, 401, "unauthenticated", "Sign in, or send a valid token: Authorization: Bearer <token>."
        )
        response["WWW-Authenticate"] = 'Bearer realm="api"'
        return response

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        status = exc.status_code
        return _error(api, request, status, STATUS_CODES.get(status, "error"), str(exc.message))

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        return _error(api, request, 404, "not_found", "Not found.")

    @api.exception_handler(ObjectDoesNotExist)
    def no_object(request: HttpRequest, exc: Exception) -> HttpResponse:
        return _error(api, request, 404, "not_found", "Not found.")

    @api.exception_handler(PermissionDenied)
    def denied(request: HttpRequest, exc: Exception) -> HttpResponse:
        return _error(api, request, 403, "forbidden", str(exc) or "You may not do this.")

    @api.exception_handler(SuspiciousOperation)
    @api.exception_handler(BadRequest)
    def bad_request(request: HttpRequest, exc: Exception) -> HttpResponse:
        # A body over DATA_UPLOAD_MAX_MEMORY_SIZE, too many fields, a bad host: Django's 400, in our shape.
        return _error(api, request, 400, "bad_request", "The request could not be read.")

    @api.exception_handler(DataError)
    def out_of_range(request: HttpRequest, exc: DataError) -> HttpResponse:
        # The database refused a value (a number out of its column's range, text too long) that the
        # operation's schema let through: the caller's input, not a fault of the server. Logged so
        # the schema gets the bound it lacks; the service's transaction has already rolled back.
        logger.warning("api input refused by the database", extra={"path": request.path, "error": str(exc)[:200]})
        return _error(api, request, 422, "out_of_range", "A value is out of range or too long.")
