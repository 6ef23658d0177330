"""Django's ASGI handler, serving each HTTP request in one hand-over to a worker thread.

Django's own ASGI handler runs the middleware chain in async mode: every `MiddlewareMixin`
middleware (sessions, CSRF, auth, messages, ...) then runs each half through `sync_to_async`,
and the sync view, the request signals and the response's close take more trips, each one a
hand-over between the event loop and a thread created for this request. That cost more than the
pages themselves (issue 19; BENCHMARKS.md, section 4). Here the chain is loaded in sync mode, as
under WSGI, and the whole request (`request_started`, the chain, `request_finished`) runs in one
call on a thread of a pool of HTTP_THREADS, kept for the life of the process: the event loop only
reads the body and writes the answer.

Each thread keeps its own database connection, as a WSGI thread does: it takes one from the pool
on its first query and gives it back when the request finishes (`request_finished`, in the same
thread). A streaming response (a static file, an export) is sent from its thread too, chunk by
chunk, so that what it reads runs where the request ran and the connection is given back after.
"""

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import AsyncToSync, SyncToAsync
from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.base import BaseHandler
from django.http import FileResponse, HttpResponseBase
from django.urls import set_script_prefix

Send = Any  # the ASGI send callable
Scope = dict[str, Any]


class StoreASGIHandler(ASGIHandler):
    def __init__(self) -> None:
        BaseHandler.__init__(self)
        self.load_middleware(is_async=False)
        self.threads = ThreadPoolExecutor(max_workers=settings.HTTP_THREADS, thread_name_prefix="http")
        self._serve_async = SyncToAsync(self._serve, thread_sensitive=False, executor=self.threads)

    async def __call__(self, scope: Scope, receive: Any, send: Send) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        set_script_prefix(get_script_prefix(scope))  # a context variable: the thread gets a copy
        try:
            response = await self._serve_async(scope, body_file, send)
            if response is not None:
                await self.send_response(response, send)
                if response.streaming:  # an async iterator, sent by the loop: closed after
                    await SyncToAsync(response.close, thread_sensitive=False, executor=self.threads)()
        finally:
            body_file.close()

    def _serve(self, scope: Scope, body_file: Any, send: Send) -> HttpResponseBase | None:
        """In a worker thread: the response, closed, for the loop to send; None if sent here (streaming)."""
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, response = self.create_request(scope, body_file)
        if request is not None:
            response = self.get_response(request)
            response._handler_class = self.__class__  # type: ignore[attr-defined]
            if isinstance(response, FileResponse):
                response.block_size = self.chunk_size
        if response is None:  # create_request answers with either
            raise RuntimeError("no request and no response")
        if not response.streaming:
            response.close()  # request_finished, in this thread: its database connection goes back now
            return response
        if response.is_async:  # type: ignore[attr-defined]  # (none in this store) the loop iterates it
            return response
        try:
            self._stream(response, send)
        finally:
            response.close()
        return None

    def _stream(self, response: Any, send: Send) -> None:
        """Send a streaming response from this thread (its iterator may read files or the database)."""
        send_sync = AsyncToSync(send)
        headers = self._headers(response)
        send_sync({"type": "http.response.start", "status": response.status_code, "headers": headers})
        for part in response:
            for chunk, _ in self.chunk_bytes(part):
                send_sync({"type": "http.response.body", "body": chunk, "more_body": True})
        send_sync({"type": "http.response.body", "body": b""})

    @staticmethod
    def _headers(response: HttpResponseBase) -> list[tuple[bytes, bytes]]:
        """As ASGIHandler.send_response encodes them (header case kept, then the cookies)."""
        headers = []
        for header, value in response.items():
            name = header.encode("ascii") if isinstance(header, str) else header
            headers.append((bytes(name), value.encode("latin1") if isinstance(value, str) else bytes(value)))
        for cookie in response.cookies.values():
            headers.append((b"Set-Cookie", cookie.output(header="").encode("ascii").strip()))
        return headers


def get_asgi_application() -> StoreASGIHandler:
    """As django.core.asgi.get_asgi_application, with the store's handler."""
    import django

    django.setup(set_prefix=False)
    return StoreASGIHandler()
