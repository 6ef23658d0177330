"""Static files are served by WhiteNoise's middleware (through the server's handler: tests/project/test_handler.py)."""


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
