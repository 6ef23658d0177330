"""Search backends: the database (default) and Elasticsearch (when ELASTICSEARCH_URL is set)."""

from .. import es_client
from .base import SearchBackend
from .database import DatabaseBackend


def database() -> SearchBackend:
    return DatabaseBackend()


def elasticsearch() -> SearchBackend | None:
    """The Elasticsearch backend when it is configured, else None."""
    if not es_client.configured():
        return None
    from .elastic import ElasticsearchBackend

    return ElasticsearchBackend()


def primary() -> SearchBackend:
    """The backend searches go to first."""
    return elasticsearch() or database()
