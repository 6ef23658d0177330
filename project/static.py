"""WhiteNoise as a middleware that can run on the event loop.

WhiteNoise's own middleware is sync only. Under ASGI, Django then runs it and every middleware
outside it in a worker thread, and comes back to the event loop for the middleware inside it
before going to a thread again for the view: three hand-overs between the loop and threads on
every request, static or not. This one is async-capable: a request for a page costs one dict
lookup here, and only the serving of a static file (which opens and stats it) goes to a thread.
"""

from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.http import HttpRequest, HttpResponseBase
from whitenoise.middleware import WhiteNoiseMiddleware  # type: ignore[import-untyped]  # no type information


class AsyncWhiteNoiseMiddleware(WhiteNoiseMiddleware):  # type: ignore[misc]  # an untyped base
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Any = None, **kwargs: Any) -> None:
        super().__init__(get_response, **kwargs)
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self.__acall__(request)
        return super().__call__(request)

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        if self.autorefresh:  # DEBUG: looks at the disk
            static_file = await sync_to_async(self.find_file, thread_sensitive=False)(request.path_info)
        else:
            static_file = self.files.get(request.path_info)
        if static_file is not None:
            response: HttpResponseBase = await sync_to_async(self.serve, thread_sensitive=False)(static_file, request)
            return response
        return await self.get_response(request)  # type: ignore[no-any-return]
