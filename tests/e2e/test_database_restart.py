"""PostgreSQL restarts under load: once it is back, no request fails (pooled connections are checked).

The restart is real (`pg_ctlcluster ... restart`), of a PostgreSQL cluster made for this test on a
free port, so nothing else using the machine's server (other test runs) is disturbed.
"""

import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.e2e.servers import ROOT, free_port, start_daphne

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]


def _as_root(args: list[str]) -> list[str]:
    return args if os.geteuid() == 0 else ["sudo", "-n", *args]


@dataclass(frozen=True)
class Cluster:
    version: str
    name: str
    port: int

    def ctl(self, action: str) -> None:
        command = ["pg_ctlcluster", "--skip-systemctl-redirect", self.version, self.name, action]
        subprocess.run(_as_root(command), check=True, timeout=60, capture_output=True)

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    if shutil.which("pg_createcluster") is None:
        pytest.fail(
            "pg_createcluster not found: this test needs Debian's postgresql-common (apt-get install postgresql)"
        )
    version = sorted(os.listdir("/etc/postgresql"))[0]
    made = Cluster(version=version, name=f"restart{uuid.uuid4().hex[:8]}", port=free_port())
    create = ["pg_createcluster", version, made.name, "-p", str(made.port), "--", "--auth=trust"]
    subprocess.run(_as_root(create), check=True, timeout=60, capture_output=True)
    try:
        made.ctl("start")
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", str(made.port), "-U", "postgres", "-c", "CREATE DATABASE store"],
            check=True,
            timeout=30,
            capture_output=True,
        )
        yield made
    finally:
        drop = ["pg_dropcluster", "--stop", version, made.name]
        subprocess.run(_as_root(drop), check=False, timeout=60, capture_output=True)


@dataclass
class Outcome:
    started: float
    status: int | str


def _get(url: str) -> int | str:
    try:
        with urllib.request.urlopen(url, timeout=15) as response:  # noqa: S310 - loopback URL we built
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except OSError as error:
        return repr(error)


def test_after_postgresql_restarts_every_request_succeeds(cluster, tmp_path_factory, localstripe_url):
    env = {**os.environ, "DATABASE_URL": cluster.url("store"), "DATABASE_POOL": "0"}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=180,
        capture_output=True,
    )
    # The production default: a psycopg pool of a few connections, reused across requests.
    with start_daphne(
        tmp_path_factory,
        localstripe_url,
        webhook=False,
        DATABASE_URL=cluster.url("store"),
        DATABASE_POOL="1",
        DATABASE_POOL_MIN="4",
    ) as server:
        paths = ["/", "/readyz", "/search/?q=tee", "/cart/"]
        for path in paths:  # every pooled connection has served before the restart
            assert _get(server.url + path) == 200, path

        outcomes: list[Outcome] = []
        stop = threading.Event()
        back = float("inf")

        def load(pause: float) -> None:
            """Requests one after another; after the restart, as fast as they come back."""
            turn = 0
            while not stop.is_set():
                started = time.monotonic()
                outcomes.append(Outcome(started, _get(server.url + paths[turn % len(paths)])))
                turn += 1
                if started < back:
                    time.sleep(pause)

        # One slow client while the server goes down and up: most pooled connections sit idle, dead.
        slow = threading.Thread(target=load, args=(3,))
        slow.start()
        busy: list[threading.Thread] = []
        try:
            time.sleep(1)
            cluster.ctl("restart")  # returns once the server accepts connections again
            back = time.monotonic()
            busy = [threading.Thread(target=load, args=(0,)) for _ in range(4)]
            for thread in busy:
                thread.start()
            time.sleep(4)
        finally:
            stop.set()
            for thread in [slow, *busy]:
                thread.join(timeout=30)

        after = [o for o in outcomes if o.started >= back]
        failed = [o.status for o in after if o.status != 200]
        assert len(after) >= 10, f"only {len(after)} requests after the restart"
        assert failed == [], (
            f"{len(failed)} of {len(after)} requests failed after the restart: {failed[:5]}\n"
            + (server.log_text()[-3000:])
        )
        assert [o for o in outcomes if o.started < back], "the load ran before the restart too"
