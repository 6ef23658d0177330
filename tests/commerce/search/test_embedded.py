"""The search tests again, on the embedded mode's database (SQLite and its FTS5 index).

pytest-django gives a process one database engine, so this starts a second pytest in the embedded
mode (no DATABASE_URL, no REDIS_URL: what `make run` uses) over the behaviour and index tests; its
test database is SQLite (in memory, migrated like a new `make run`), and conftest.py gives it the
`sqlite` backend parameter. Its outcome is read from its JUnit report.
"""

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.commerce.search.modes import EMBEDDED

ROOT = Path(__file__).resolve().parents[3]
MODULES = ["tests/commerce/search/test_behaviour.py", "tests/commerce/search/test_index.py"]
# What makes a run the services mode, or points search elsewhere: the embedded run goes without.
SERVICE_VARIABLES = {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_EAGER", "ELASTICSEARCH_URL"}
POSTGRESQL_ONLY = {
    "test_the_database_index_holds_a_weighted_vector[sqlite]",
    "test_an_index_is_created_on_the_first_write",
}


@pytest.mark.skipif(EMBEDDED, reason="this is the run that starts the embedded one")
@pytest.mark.timeout(420)
def test_search_behaves_the_same_on_the_embedded_sqlite(tmp_path: Path) -> None:
    report = tmp_path / "sqlite-run.xml"
    env = {name: value for name, value in os.environ.items() if name not in SERVICE_VARIABLES | {"SEARCH_BACKEND"}}
    env["SQLITE_PATH"] = str(tmp_path / "db.sqlite3")  # never the worktree's var/db.sqlite3

    run = subprocess.run(  # noqa: S603 - our own interpreter and test files
        [sys.executable, "-m", "pytest", *MODULES, "-q", f"--junitxml={report}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=400,
    )

    cases = ET.parse(report).getroot().iter("testcase") if report.exists() else iter(())  # noqa: S314 - our own
    outcomes: dict[str, str] = {}
    for case in cases:
        kinds = [child.tag for child in case if child.tag in {"failure", "error", "skipped"}]
        outcomes[case.attrib["name"]] = kinds[0] if kinds else "passed"
    failed = sorted(name for name, outcome in outcomes.items() if outcome in {"failure", "error"})
    assert failed == [], f"failed on SQLite: {failed}\n{run.stdout[-8000:]}"
    assert run.returncode == 0, f"{run.stdout[-4000:]}\n{run.stderr[-4000:]}"
    assert {name for name, outcome in outcomes.items() if outcome == "skipped"} == POSTGRESQL_ONLY
    sqlite_cases = {name for name in outcomes if name.endswith("[sqlite]") or "[sqlite-" in name}
    assert {
        "test_a_one_letter_typo_finds_the_word[sqlite-hrabour]",
        "test_plurals_and_singulars_find_each_other[sqlite-tees-expected0]",
        "test_facet_counts_are_exact_and_each_ignores_its_own_filter[sqlite]",
        "test_suggestions_complete_what_is_typed[sqlite]",
        "test_check_repairs_missing_stale_and_orphaned_documents[sqlite]",
        "test_the_embedded_index_follows_every_write_to_the_documents[sqlite]",
    } <= sqlite_cases
    assert len(sqlite_cases) >= 40
