class SearchUnavailable(Exception):
    """The search engine could not answer (down, timed out, index missing); the database can."""
