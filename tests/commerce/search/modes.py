"""Which run this is: the embedded mode's (SQLite, FTS5: test_embedded.py starts it) or PostgreSQL's,
and so which search backends its tests cover. A plain module: conftest and the tests share it."""

import pytest
from django.db import connection

# The embedded mode's database (SQLite, FTS5): a run of its own (test_embedded.py) tests the database
# backend there; a run on PostgreSQL tests the database backend on PostgreSQL and Elasticsearch.
EMBEDDED = connection.vendor == "sqlite"
BACKENDS = ["sqlite"] if EMBEDDED else ["database", "elasticsearch"]
postgresql_run = pytest.mark.skipif(EMBEDDED, reason="checks the PostgreSQL run's backends")
embedded_run = pytest.mark.skipif(not EMBEDDED, reason="checks SQLite's index (test_embedded.py runs it)")
