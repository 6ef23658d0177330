"""The one module that talks to Elasticsearch: the client, its timeouts, its errors mapped to ours.

After a failure the search falls back to the database for SEARCH_FALLBACK_SECONDS (per
process), so an outage costs one timeout, not one per shopper.
"""

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from django.conf import settings
from elastic_transport import HttpHeaders, TransportError, Urllib3HttpNode
from elastic_transport._node import NodeApiResponse
from elastic_transport.client_utils import DEFAULT, DefaultType
from elasticsearch import ApiError, Elasticsearch

from .errors import SearchIndexMissing, SearchUnavailable

logger = logging.getLogger(__name__)

PING_TIMEOUT = 1.0  # seconds: the readiness probe must answer within its own timeout
_COMPAT = "vnd.elasticsearch+"
_COMPAT_SUFFIX = "; compatible-with=8"


class PlainJsonNode(Urllib3HttpNode):
    """Send `application/json` (and `application/x-ndjson`) instead of the 8.x client's
    compatibility media types, which OpenSearch-compatible engines such as osmem-server reject.
    Elasticsearch 8 answers both alike."""

    def perform_request(
        self,
        method: str,
        target: str,
        body: bytes | None = None,
        headers: HttpHeaders | None = None,
        request_timeout: DefaultType | float | None = DEFAULT,
    ) -> NodeApiResponse:
        if headers:
            headers = headers.copy()
            for name in ("accept", "content-type"):
                value = headers.get(name)
                if value and _COMPAT in value:
                    headers[name] = value.replace(_COMPAT, "").replace(_COMPAT_SUFFIX, "")
        return super().perform_request(method, target, body=body, headers=headers, request_timeout=request_timeout)


def configured() -> bool:
    return settings.SEARCH_BACKEND == "elasticsearch" and bool(settings.ELASTICSEARCH_URL)


def client() -> Elasticsearch:
    """The client for ELASTICSEARCH_URL: short timeouts and no retries (a shopper is waiting)."""
    return _client(settings.ELASTICSEARCH_URL, settings.ELASTICSEARCH_PLAIN_JSON, settings.ELASTICSEARCH_TIMEOUT)


@lru_cache(maxsize=8)
def _client(url: str, plain_json: bool, timeout: float) -> Elasticsearch:
    options: dict[str, Any] = {"request_timeout": timeout, "max_retries": 0, "retry_on_timeout": False}
    if plain_json:
        options["node_class"] = PlainJsonNode
    return Elasticsearch(url, **options)


def index_name() -> str:
    """The alias searches and writes go through; a rebuild swaps the index behind it."""
    return str(settings.ELASTICSEARCH_INDEX)


@contextmanager
def errors(action: str, *, wait_out_failures: bool = True) -> Iterator[None]:
    """Map the client's connection and API errors to SearchUnavailable, logged with the action.

    A failure opens the breaker; while it is open, calls fail at once (unless told not to wait
    out failures: the readiness check and the rebuild command always try).
    """
    if wait_out_failures and breaker.is_open():
        raise SearchUnavailable("Elasticsearch failed recently; waiting before trying again")
    try:
        yield
    except (TransportError, ApiError) as exc:
        breaker.trip()
        logger.warning("elasticsearch failed", extra={"action": action, "error": repr(exc)})
        raise SearchUnavailable(f"{exc.__class__.__name__}: {exc}") from exc


class _Breaker:
    """Per process: skip Elasticsearch for a while after it failed."""

    def __init__(self) -> None:
        self._until = 0.0
        self._lock = threading.Lock()

    def trip(self) -> None:
        with self._lock:
            self._until = time.monotonic() + float(settings.SEARCH_FALLBACK_SECONDS)

    def reset(self) -> None:
        with self._lock:
            self._until = 0.0

    def is_open(self) -> bool:
        return time.monotonic() < self._until


breaker = _Breaker()


def ping() -> None:
    """Raise SearchUnavailable unless the cluster answers and the index (alias) exists; close the breaker if so."""
    with errors("ping", wait_out_failures=False):
        exists = client().options(request_timeout=PING_TIMEOUT).indices.exists_alias(name=index_name())
    if not exists:
        raise SearchIndexMissing(f"index {index_name()!r} does not exist (run search_index --rebuild)")
    breaker.reset()
