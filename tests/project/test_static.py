"""Static files are served by WhiteNoise from a middleware that stays on the event loop under ASGI."""

from asgiref.sync import iscoroutinefunction
from django.http import HttpRequest, HttpResponse

from project.static import AsyncWhiteNoiseMiddleware


async def test_under_asgi_a_static_file_is_served(async_client):
    response = await async_client.get("/static/css/store.css")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    assert b"".join(response.streaming_content)
    response.close()


async def test_under_asgi_other_paths_go_on_to_django(async_client):
    response = await async_client.get("/static/no-such-file.css")

    assert response.status_code == 404


def test_under_wsgi_a_static_file_is_served(client):
    response = client.get("/static/css/store.css")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")


def test_in_an_async_chain_the_middleware_is_async_and_in_a_sync_chain_sync():
    async def async_view(request: HttpRequest) -> HttpResponse:
        return HttpResponse()

    def sync_view(request: HttpRequest) -> HttpResponse:
        return HttpResponse()

    assert iscoroutinefunction(AsyncWhiteNoiseMiddleware(async_view))
    assert not iscoroutinefunction(AsyncWhiteNoiseMiddleware(sync_view))
