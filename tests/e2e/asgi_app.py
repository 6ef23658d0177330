"""The store's ASGI application as the browser tests' Daphne serves it.

Between tests the test database is flushed and Django makes its content types again, under new
ids; a server process that outlives the flush would keep the old ids in ContentType's cache (the
test process's cache is cleared by the flush, the server's is not), and the admin's log of a change
would then point at a content type that no longer exists. So each HTTP request here starts with
that cache cleared, as each test starts in the test process.
"""

from typing import Any

from project.asgi import application as store


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "http":
        from django.contrib.contenttypes.models import ContentType  # once project.asgi has set Django up

        ContentType.objects.clear_cache()
    await store(scope, receive, send)
