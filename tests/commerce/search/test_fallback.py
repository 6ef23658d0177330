"""Elasticsearch down: search answers from the database with a notice; /readyz says search is degraded."""

import socket
import time

import pytest
from django.test import Client

from commerce.search import es_client, selectors, services
from commerce.search.errors import SearchUnavailable
from commerce.search.models import SearchDocument
from tests.factories import VariantFactory


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"  # nothing listens there once the socket is closed


@pytest.fixture
def dead_elasticsearch(settings, db):  # type: ignore[no-untyped-def]
    """A catalog indexed in the database, and an Elasticsearch that refuses connections."""
    VariantFactory(product__name="Harbour Tee", price="24.00", stock=3)
    VariantFactory(product__name="Dune Tee", price="26.00", stock=0)
    settings.SEARCH_BACKEND = "database"
    services.search_index_rebuild()
    settings.SEARCH_BACKEND = "elasticsearch"
    settings.ELASTICSEARCH_URL = _closed_port_url()
    es_client.breaker.reset()
    yield
    es_client.breaker.reset()


@pytest.mark.usefixtures("dead_elasticsearch")
class TestElasticsearchDown:
    def test_search_falls_back_to_the_database_with_a_notice(self, client: Client):
        response = client.get("/search/", {"q": "tee"})

        html = response.content.decode()
        assert response.status_code == 200
        assert selectors.FALLBACK_NOTICE in html
        assert html.count('class="product-card__name"') == 2

    def test_after_a_failure_it_waits_before_trying_again(self):
        selectors.search_page(selectors.search_params_parse({"q": "tee"}))
        assert es_client.breaker.is_open()

        started = time.monotonic()
        page = selectors.search_page(selectors.search_params_parse({"q": "harbour"}))

        assert [p.name for p in page.products] == ["Harbour Tee"]
        assert page.notices == [selectors.FALLBACK_NOTICE]
        assert time.monotonic() - started < 0.5

    def test_suggestions_still_work(self, client: Client):
        html = client.get("/search/suggest/", {"q": "harb"}).content.decode()

        assert "<mark>Harbour</mark> Tee" in html

    def test_a_sync_writes_the_database_index_then_asks_to_be_retried(self):
        variant = VariantFactory(product__name="Lantern", price="30.00")

        with pytest.raises(SearchUnavailable):
            services.search_products_sync(product_pks=[variant.product_id])

        assert SearchDocument.objects.filter(pk=variant.product_id).exists()

    def test_readyz_reports_search_degraded_and_the_store_ready(self, client: Client):
        response = client.get("/readyz")

        body = response.json()
        assert response.status_code == 200
        assert body["status"] == "degraded"
        assert body["failed"] == []
        assert body["degraded"] == ["search"]
        # Fixed words: the client's error (the node's URL) goes to the log, not the body.
        assert body["checks"]["search"] == "degraded: elasticsearch unavailable, searching the database"
        assert body["checks"]["database"] == "ok"


def test_readyz_names_the_search_backend(client: Client, db, settings):
    settings.SEARCH_BACKEND = "database"

    assert client.get("/readyz").json()["checks"]["search"] == "ok: database"


def test_readyz_with_elasticsearch_up(client: Client, db, elasticsearch_url):
    services.search_index_rebuild()

    body = client.get("/readyz").json()

    assert body["checks"]["search"] == "ok: elasticsearch"
    assert body["status"] == "ok"


def test_readyz_with_no_index_yet(client: Client, db, elasticsearch_url):
    body = client.get("/readyz").json()

    assert body["checks"]["search"].startswith("degraded:")
    assert "does not exist (run search_index --rebuild)" in body["checks"]["search"]


def test_plain_json_node_strips_the_compatibility_media_type(elasticsearch_url):
    from elastic_transport import NodeConfig

    sent: dict[str, str] = {}
    node = es_client.PlainJsonNode(NodeConfig("http", "127.0.0.1", int(elasticsearch_url.rsplit(":", 1)[1])))
    original = node.pool.urlopen

    def record(method, url, body=None, headers=None, **kw):  # type: ignore[no-untyped-def]
        sent.update(headers or {})
        return original(method, url, body=body, headers=headers, **kw)

    node.pool.urlopen = record  # type: ignore[method-assign]
    node.perform_request(
        "GET",
        "/",
        headers={
            "accept": "application/vnd.elasticsearch+json; compatible-with=8",
            "content-type": "application/vnd.elasticsearch+x-ndjson; compatible-with=8",
        },
    )

    assert sent["accept"] == "application/json"
    assert sent["content-type"] == "application/x-ndjson"
