"""The server's HTTP handler (project/handler.py): one worker thread serves the whole request.

Driven as Daphne drives it (ASGI messages), against the real database: pages, forms with their
CSRF check, static files streamed, and each request's database connection given back by the
thread that used it.
"""

import re
import threading
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from channels.testing import HttpCommunicator
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import signals
from django.db import connection
from django.test.utils import CaptureQueriesContext

from project.handler import StoreASGIHandler
from tests.factories import VariantFactory

pytestmark = pytest.mark.django_db(transaction=True)
make_variant = sync_to_async(VariantFactory)


@pytest.fixture
def handler(settings):
    settings.HTTP_THREADS = 1  # one worker thread: what it holds after a request can be looked at
    made = StoreASGIHandler()
    yield made
    made.threads.shutdown(wait=True)


async def call(app, method: str, path: str, *, body: bytes = b"", headers: list | None = None) -> dict:
    query = path.split("?", 1)[1].encode() if "?" in path else b""
    communicator = HttpCommunicator(app, method, path.split("?", 1)[0], body=body, headers=headers or [])
    communicator.scope["query_string"] = query
    communicator.scope["server"] = ("127.0.0.1", 80)
    return await communicator.get_response(timeout=20)


def header(response: dict, name: bytes) -> list[str]:
    return [value.decode() for key, value in response["headers"] if key.lower() == name]


def cookies(response: dict) -> dict[str, str]:
    pairs = (value.split(";", 1)[0].split("=", 1) for value in header(response, b"set-cookie"))
    return dict(pairs)


def worker_holds_a_connection(handler: StoreASGIHandler) -> bool:
    return handler.threads.submit(lambda: connection.connection is not None).result(timeout=10)


async def test_a_first_visit_gets_the_page_and_a_csrf_cookie_and_no_session(handler):
    variant = await make_variant(product__name="Kettle of the handler test")

    response = await call(handler, "GET", variant.product.get_absolute_url())

    assert response["status"] == 200
    assert "Kettle of the handler test" in response["body"].decode()
    assert header(response, b"x-request-id")  # the whole middleware chain ran
    assert settings.CSRF_COOKIE_NAME in cookies(response)
    assert settings.SESSION_COOKIE_NAME not in cookies(response)
    assert await Session.objects.acount() == 0
    assert not worker_holds_a_connection(handler)  # request_finished ran in the thread that queried


async def test_a_form_post_is_checked_for_its_csrf_token_and_then_served(handler):
    variant = await make_variant(stock=3)
    page = await call(handler, "GET", variant.product.get_absolute_url())
    token = cookies(page)[settings.CSRF_COOKIE_NAME]
    form = f"variant={variant.pk}&quantity=1".encode()
    content_type = (b"content-type", b"application/x-www-form-urlencoded")

    refused = await call(handler, "POST", "/cart/add/", body=form, headers=[content_type])
    cookie = (b"cookie", f"{settings.CSRF_COOKIE_NAME}={token}".encode())
    with_token = form + f"&csrfmiddlewaretoken={token}".encode()
    added = await call(handler, "POST", "/cart/add/", body=with_token, headers=[content_type, cookie])

    assert refused["status"] == 403
    assert added["status"] == 302
    assert settings.SESSION_COOKIE_NAME in cookies(added)  # the cart made the session
    assert await Session.objects.acount() == 1
    assert not worker_holds_a_connection(handler)


async def test_a_static_file_is_streamed_whole(handler):
    path = Path(settings.BASE_DIR, "static", "css", "store.css")

    response = await call(handler, "GET", f"/static/css/{path.name}")

    assert response["status"] == 200
    content = await sync_to_async(path.read_bytes)()
    assert response["body"] == content
    assert header(response, b"content-length") == [str(len(content))]


async def test_a_missing_page_is_a_404_page(handler):
    response = await call(handler, "GET", "/no-such-page/")

    assert response["status"] == 404
    assert re.search(r"<html", response["body"].decode())
    assert not worker_holds_a_connection(handler)


async def test_the_request_signals_fire_once_each_in_the_thread_that_serves_it(handler):
    seen: list[tuple[str, int]] = []

    def started(**kwargs):
        seen.append(("started", threading.get_ident()))

    def finished(**kwargs):
        seen.append(("finished", threading.get_ident()))

    signals.request_started.connect(started)
    signals.request_finished.connect(finished)
    try:
        await call(handler, "GET", "/healthz")
    finally:
        signals.request_started.disconnect(started)
        signals.request_finished.disconnect(finished)

    worker = handler.threads.submit(threading.get_ident).result(timeout=10)
    assert seen == [("started", worker), ("finished", worker)]


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["/", "product", "/search/?q=kettle", "/cart/", "/accounts/login/", "/support/"])
def test_a_first_visit_writes_nothing_to_the_database(client, page):
    variant = VariantFactory(product__name="Kettle")
    url = variant.product.get_absolute_url() if page == "product" else page

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)

    assert response.status_code in {200, 302}
    writes = [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith(("SELECT", "SAVEPOINT", "RELEASE"))]
    assert writes == []
    assert Session.objects.count() == 0
