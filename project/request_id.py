"""A request id on every HTTP request, in every log line it causes, and in the Celery tasks it queues.

The id comes from the `X-Request-ID` header (set by the ingress or a client) when it looks
sane, or is made here; it goes back on the response. A context variable holds it for the
request's duration (it follows the request into the threads Django runs sync code in), the
logging filter copies it onto each record, and Celery carries it in a message header to the
worker, which holds it while the task runs.
"""

import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from contextvars import ContextVar, Token
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from celery import signals
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponseBase

HEADER = "X-Request-ID"
TASK_HEADER = "request_id"
# What an upstream may send: ids from nginx, load balancers and tracing headers, nothing that
# could forge a log line or bloat one.
_ACCEPTED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:=+/-]{0,127}")

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


def get_request_id() -> str | None:
    """The id of the request (or task) this code runs for, if any."""
    return request_id_var.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


def _from_request(request: HttpRequest) -> str:
    given = request.headers.get(HEADER, "")
    return given if _ACCEPTED.fullmatch(given) else new_request_id()


class RequestIdMiddleware:
    """Take X-Request-ID or make one; hold it while the request runs; send it back.

    Under ASGI the id is left set: each request runs in an asyncio task of its own whose context
    ends with it (asgiref carries what sync middleware set back to that task), so the line Django
    logs for a 4xx/5xx after the middleware chain has returned still carries the id.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponseBase | Awaitable[HttpResponseBase]:
        if self.is_async:
            return self.__acall__(request)
        request_id = _from_request(request)
        token = request_id_var.set(request_id)
        try:
            response: HttpResponseBase = self.get_response(request)
        finally:
            if not isinstance(request, ASGIRequest):
                request_id_var.reset(token)  # a WSGI thread serves the next request with this context
        response[HEADER] = request_id
        return response

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = _from_request(request)
        request_id_var.set(request_id)
        response: HttpResponseBase = await self.get_response(request)
        response[HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Put the current request id on each record (the JSON formatter writes it as `request_id`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = request_id_var.get()
        if request_id is not None and not hasattr(record, "request_id"):
            record.request_id = request_id
        return True


# --- Celery: the id travels in the task message's headers ------------------------


@signals.before_task_publish.connect
def _stamp_task(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    request_id = request_id_var.get()
    if request_id is not None and headers is not None:
        headers.setdefault(TASK_HEADER, request_id)


_task_tokens: dict[str, Token[str | None]] = {}


@signals.task_prerun.connect
def _adopt_task_request_id(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    if task is None or task_id is None or task.request.is_eager:
        return  # an eager task runs inside the request that queued it and already has its id
    request_id = getattr(task.request, TASK_HEADER, None)
    # Always set (None included): a pool process must not lend one task's id to the next.
    _task_tokens[task_id] = request_id_var.set(request_id if isinstance(request_id, str) else None)


@signals.task_postrun.connect
def _drop_task_request_id(task_id: str | None = None, **kwargs: Any) -> None:
    token = _task_tokens.pop(task_id or "", None)
    if token is not None:
        request_id_var.reset(token)
