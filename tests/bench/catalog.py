"""4. Catalog page: the product list (24 products with their stock) against a trivial Django view.

One Daphne process serves both (the trivial view is /bench/trivial/, added by tests/bench/urls.py,
through the same middleware). Load comes from `http_load` processes, 32 keep-alive connections in
all, each with its own cookies like a browser; on this 2-core machine they compete with the server
for the CPU, equally for both views. Runs alternate trivial view and catalog page.
"""

import json
import re
import subprocess
import time
import urllib.request
from typing import Any

from .common import PYTHON, child_env, cpu_seconds, daphne, latency_summary, log, median, spread

PAGE_SIZE = 24


def _load(
    url: str, *, server_pid: int, connections: int, processes: int, warmup: float, duration: float
) -> dict[str, Any]:
    start_at = time.monotonic() + warmup
    shares = [connections // processes + (1 if i < connections % processes else 0) for i in range(processes)]
    running = [
        subprocess.Popen(
            [
                PYTHON,
                "-m",
                "tests.bench.http_load",
                json.dumps({"url": url, "connections": share, "start_at": start_at, "duration": duration}),
            ],
            env=child_env(),
            stdout=subprocess.PIPE,
            text=True,
        )
        for share in shares
    ]
    # The server's CPU time over the measured window: what one request costs it.
    time.sleep(max(0.0, start_at - time.monotonic()))
    cpu_before = cpu_seconds(server_pid)
    time.sleep(duration)
    cpu_spent = cpu_seconds(server_pid) - cpu_before
    latencies: list[float] = []
    errors = 0
    samples: list[str] = []
    for process in running:
        out, _ = process.communicate(timeout=warmup + duration + 60)
        answer = json.loads(out)
        latencies += answer["latencies_ms"]
        errors += answer["errors"]
        samples += answer["error_sample"]
    return {
        "rps": len(latencies) / duration,
        "server_cpu_ms": cpu_spent * 1000 / max(1, len(latencies)),
        "server_cpu_share": cpu_spent / duration,
        "errors": errors,
        "error_sample": samples[:3],
        **latency_summary(latencies),
    }


def _check_page(url: str) -> int:
    """The number of products the list page shows (it must be PAGE_SIZE, all with their stock)."""
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - a loopback URL we built
        page = response.read().decode()
    return len(re.findall(r'<li class="product-card', page))


def page_cost(samples: int = 20) -> dict[str, Any]:
    """One catalog page in this process, without load: its SQL queries and time (a pointer when it is slow)."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    previous = settings.CATALOG_PAGE_SIZE
    settings.CATALOG_PAGE_SIZE = PAGE_SIZE
    try:
        client = Client(HTTP_HOST="127.0.0.1")
        client.get("/")  # the session, the template cache
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/")
        count = len(queries)  # now: the next requests reconnect, which clears the log
        times = []
        for _ in range(samples):
            began = time.perf_counter()
            client.get("/")
            times.append((time.perf_counter() - began) * 1000)
    finally:
        settings.CATALOG_PAGE_SIZE = previous
    return {"queries": count, "ms": median(times), "samples": samples, "bytes": len(response.content)}


def run(*, runs: int, connections: int, processes: int, warmup: float, duration: float) -> dict[str, Any]:
    targets = {"trivial": "/bench/trivial/", "catalog": "/"}
    per_run: dict[str, list[dict[str, Any]]] = {name: [] for name in targets}
    with daphne("catalog", CATALOG_PAGE_SIZE=str(PAGE_SIZE)) as server:
        shown = _check_page(server.url + "/")
        if shown != PAGE_SIZE:
            raise RuntimeError(f"the catalog page shows {shown} products, not {PAGE_SIZE}: seed more products")
        for i in range(runs):
            for name, path in targets.items():
                figures = _load(
                    server.url + path,
                    server_pid=server.process.pid,
                    connections=connections,
                    processes=processes,
                    warmup=warmup,
                    duration=duration,
                )
                per_run[name].append(figures)
                log(
                    f"catalog run {i + 1}/{runs} {name}: {figures['rps']:.0f} req/s, p50 {figures['p50']:.1f}"
                    f" p95 {figures['p95']:.1f} ms, errors {figures['errors']}"
                )
        # The same requests one at a time: each page's own time, with no queue in front of it.
        alone = {
            name: _load(
                server.url + path, server_pid=server.process.pid, connections=1, processes=1, warmup=1.0, duration=4.0
            )
            for name, path in targets.items()
        }
        log(
            "catalog, one connection: "
            + ", ".join(f"{name} p50 {f['p50']:.1f} p95 {f['p95']:.1f} ms" for name, f in alone.items())
        )
    ratios = [c["rps"] / t["rps"] for c, t in zip(per_run["catalog"], per_run["trivial"], strict=True)]
    return {
        "alone": alone,
        "page": page_cost(),
        "runs": runs,
        "connections": connections,
        "processes": processes,
        "duration": duration,
        "products": PAGE_SIZE,
        "per_run": per_run,
        **{
            name: {
                "rps": spread([r["rps"] for r in values]),
                "p50": spread([r["p50"] for r in values]),
                "p95": spread([r["p95"] for r in values]),
                "p99": spread([r["p99"] for r in values]),
                "server_cpu_ms": spread([r["server_cpu_ms"] for r in values]),
                "server_cpu_share": spread([r["server_cpu_share"] for r in values]),
                "errors": sum(r["errors"] for r in values),
            }
            for name, values in per_run.items()
        },
        "ratio": spread(ratios),
        "ratio_of_medians": median([r["rps"] for r in per_run["catalog"]])
        / median([r["rps"] for r in per_run["trivial"]]),
    }
