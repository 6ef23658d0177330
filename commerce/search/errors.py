class SearchUnavailable(Exception):
    """The search engine could not answer (down, timed out, index missing); the database can."""


class SearchIndexMissing(SearchUnavailable):
    """The cluster answers but has no index under our alias yet (run `search_index --rebuild`)."""
