from commerce.errors import DomainError

SERVICE_UNAVAILABLE = 503


class SearchUnavailable(DomainError):
    """The search engine could not answer (down, timed out, index missing); the database can.

    The message is for the log (pages fall back to the database and never show it)."""

    code_name = "search_unavailable"

    def __init__(self, message: str) -> None:
        super().__init__(self.code_name, message, SERVICE_UNAVAILABLE)


class SearchIndexMissing(SearchUnavailable):
    """The cluster answers but has no index under our alias yet (run `search_index --rebuild`)."""

    code_name = "search_index_missing"
