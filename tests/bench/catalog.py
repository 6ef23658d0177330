"""4. HTTP pages, per process: the store's pages against the empty-middleware Django floor.

Two Daphne processes: the floor (`tests.bench.settings_bare`: the store's settings with
`MIDDLEWARE = []`, serving only the trivial view) and the store (`tests.bench.settings`: the
full middleware, the store's URLs plus the same trivial view at /bench/trivial/). Closed-loop
load from `wrk` (tests/bench/wrk.py), 32 connections, one wrk thread: the floor, the trivial view
through the store's middleware, the catalog page `/` and a product page, each page without
cookies (every request a first visit) and with the cookies of a returning visitor. Every run
takes them all in turn between two measures of the floor (first and last), and each page is
compared with the floor's median over all runs (and, per run, with the mean of its run's two).

Then: latency under open-loop load (tests/bench/open_loop.py, arrivals at a fixed rate offered to
the catalog page), and the rows first visits write to the database, counted in PostgreSQL's
statistics across a server process of their own (its backends flush their counts as they exit).
"""

import http.cookiejar
import json
import re
import subprocess
import time
import urllib.parse
import urllib.request
from typing import Any

from .common import PYTHON, child_env, cpu_seconds, daphne, database_url, latency_summary, log, median, spread
from .wrk import wrk, wrk_path

PAGE_SIZE = 24
FLOOR_SETTINGS = "tests.bench.settings_bare"
FLOOR_APPLICATION = "tests.bench.asgi_bare:application"  # Django's own ASGI handler
TRIVIAL = "/bench/trivial/"
# name: (label, server, path, with the returning visitor's cookies)
CASES = {
    "floor": ("trivial view, empty middleware (floor)", "floor", TRIVIAL, False),
    "trivial": ("trivial view, full middleware", "store", TRIVIAL, False),
    "catalog": ("catalog page, no cookies", "store", "/", False),
    "catalog_cookies": ("catalog page, with cookies", "store", "/", True),
    "product": ("product page, no cookies", "store", "{product}", False),
    "product_cookies": ("product page, with cookies", "store", "{product}", True),
}


def _get(url: str, opener: urllib.request.OpenerDirector | None = None) -> tuple[int, str, list[str]]:
    open_ = opener.open if opener else urllib.request.urlopen
    with open_(url, timeout=10) as response:
        return response.status, response.read().decode(), response.headers.get_all("Set-Cookie") or []


def _product_path() -> str:
    """A demo product's page: the first live product (by slug) with a variant in stock."""
    from commerce.catalog.models import Product

    product = (
        Product.objects.live()
        .filter(variants__is_active=True, variants__stock__gte=1)
        .order_by("slug")
        .distinct()
        .first()
    )
    if product is None:
        raise RuntimeError("no live product with stock: run seed_demo first")
    return f"/products/{product.slug}/"


def _check_pages(store: str, floor: str, product: str) -> dict[str, Any]:
    """Every page answers 200 to a first visit; the catalog shows PAGE_SIZE products. Also: the cookies set."""
    status, page, first_cookies = _get(store + "/")
    shown = len(re.findall(r'<li class="product-card', page))
    if status != 200 or shown != PAGE_SIZE:
        raise RuntimeError(f"the catalog page answers {status} with {shown} products, not {PAGE_SIZE}: seed more")
    for url in [store + product, store + TRIVIAL, floor + TRIVIAL]:
        status, _page, _cookies = _get(url)
        if status != 200:
            raise RuntimeError(f"{url} answers {status}")
    return {"first_visit_sets": sorted({c.split("=", 1)[0] for c in first_cookies})}


def _returning_visitor(store: str, product: str) -> dict[str, Any]:
    """The cookies of an earlier visit: the product page, then "Add to cart" (one unit), as a browser keeps them.

    The cart makes sure a session exists whatever a first visit leaves (the session cookie and
    the CSRF cookie are what every later request sends).
    """
    from commerce.catalog.models import Variant

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    _get(store + product, opener)
    slug = product.strip("/").rsplit("/", 1)[1]
    variant = Variant.objects.filter(product__slug=slug, is_active=True, stock__gte=1).order_by("pk").first()
    if variant is None:
        raise RuntimeError(f"{slug} has no variant in stock")
    cookies = {c.name: c.value or "" for c in jar}
    if "csrftoken" not in cookies:
        raise RuntimeError("the product page set no csrftoken cookie")
    request = urllib.request.Request(  # noqa: S310 - a loopback URL we built
        store + "/cart/add/",
        data=urllib.parse.urlencode({"variant": variant.pk, "quantity": 1}).encode(),
        headers={"X-CSRFToken": cookies["csrftoken"], "HX-Request": "true", "Referer": store + product},
        method="POST",
    )
    with opener.open(request, timeout=10) as response:
        response.read()
    _get(store + "/", opener)
    cookies = {c.name: c.value or "" for c in jar}
    if "sessionid" not in cookies:
        raise RuntimeError("no session cookie after adding to the cart")
    return {"cookie": "; ".join(f"{k}={v}" for k, v in sorted(cookies.items())), "names": sorted(cookies)}


# --- Rows written to the database -----------------------------------------------------------------


def _write_counts(conn: Any) -> dict[str, int]:
    rows = conn.execute("SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_user_tables").fetchall()
    return {str(name): int(count) for name, count in rows}


def _backends(conn: Any) -> int:
    row = conn.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    ).fetchone()
    return int(row[0])


def _settled_counts(conn: Any, backends: int, timeout: float = 20) -> dict[str, int]:
    """The write counts once no more backends than `backends` remain and the counts stop moving for 1 s."""
    deadline = time.monotonic() + timeout
    while _backends(conn) > backends and time.monotonic() < deadline:
        time.sleep(0.2)
    counts = _write_counts(conn)
    while time.monotonic() < deadline:
        time.sleep(1.0)
        again = _write_counts(conn)
        if again == counts:
            break
        counts = again
    return counts


def _writes(paths: list[str], *, cookie: str | None, seconds: int) -> dict[str, Any]:
    """Rows inserted, updated or deleted while a fresh store process serves `paths` (wrk, 4 connections each).

    PostgreSQL 15 keeps each backend's table counts to itself until it is idle (at most once a
    second) or exits, so the counts are read after the server has stopped and its backends are gone.
    """
    import psycopg
    from django.db import connections

    connections.close_all()  # this process's own backend exits, flushing what it counted
    with psycopg.connect(database_url(), autocommit=True) as conn:
        backends = _backends(conn)
        before = _settled_counts(conn, backends)
        sessions_before = int(conn.execute("SELECT count(*) FROM django_session").fetchone()[0])  # type: ignore[index]
        visits = 0
        errors = 0
        with daphne("writes", CATALOG_PAGE_SIZE=str(PAGE_SIZE)) as server:
            for path in paths:
                figures = wrk(server.url + path, connections=4, seconds=seconds, cookie=cookie)
                visits += figures["requests"]
                errors += figures["errors"]
        after = _settled_counts(conn, backends)
        sessions_after = int(conn.execute("SELECT count(*) FROM django_session").fetchone()[0])  # type: ignore[index]
    changed = {name: after.get(name, 0) - before.get(name, 0) for name in after}
    changed = {name: delta for name, delta in changed.items() if delta}
    rows = sum(changed.values())
    return {
        "paths": paths,
        "visits": visits,
        "errors": errors,
        "rows": rows,
        "rows_per_visit": rows / max(1, visits),
        "tables": changed,
        "sessions_added": sessions_after - sessions_before,
    }


def _baseline_writes() -> dict[str, Any]:
    """Rows a store process writes when started and stopped with no request but its health check."""
    return _writes([], cookie=None, seconds=0)


# --- Open loop ---------------------------------------------------------------------------------------


def _open_loop(url: str, *, server_pid: int, rate: float, warmup: float, duration: float) -> dict[str, Any]:
    config = {"url": url, "rate": rate, "warmup": warmup, "duration": duration}
    process = subprocess.Popen(
        [PYTHON, "-m", "tests.bench.open_loop", json.dumps(config)], env=child_env(), stdout=subprocess.PIPE, text=True
    )
    time.sleep(warmup + 0.1)
    cpu_before = cpu_seconds(server_pid)
    time.sleep(duration)
    cpu_spent = cpu_seconds(server_pid) - cpu_before
    out, _ = process.communicate(timeout=warmup + duration + 60)
    if process.returncode != 0:
        raise RuntimeError(f"open_loop exited with {process.returncode}")
    answer = json.loads(out)
    latencies = answer.pop("latencies_ms")
    return {**answer, "server_cpu_share": cpu_spent / duration, **latency_summary(latencies)}


# --- In process ----------------------------------------------------------------------------------------


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


def _summarise(values: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        **{
            key: spread([r[key] for r in values])
            for key in [
                "rps",
                "p50",
                "p90",
                "p95",
                "p99",
                "max",
                "server_cpu_ms",
                "server_cpu_share",
                "bytes_per_request",
            ]
        },
        "errors": sum(r["errors"] for r in values),
        "error_kinds": [r["error_kinds"] for r in values if r["error_kinds"]][:3],
    }


def run(
    *,
    runs: int,
    connections: int,
    warmup: int,
    duration: int,
    open_rate: float,
    open_warmup: float,
    open_duration: float,
    writes_seconds: int,
) -> dict[str, Any]:
    wrk_path()  # fail early, with the package to install
    product = _product_path()
    per_run: dict[str, list[dict[str, Any]]] = {name: [] for name in CASES}
    with (
        daphne("http-floor", settings=FLOOR_SETTINGS, application=FLOOR_APPLICATION) as floor,
        daphne("catalog", CATALOG_PAGE_SIZE=str(PAGE_SIZE)) as store,
    ):
        checked = _check_pages(store.url, floor.url, product)
        visitor = _returning_visitor(store.url, product)
        servers = {"floor": floor, "store": store}
        # Each run: the floor, every page, the floor again; a page's run is compared with the mean of its two floors.
        order = [*CASES, "floor"]
        for i in range(runs):
            for name in order:
                _label, server_name, path, cookies = CASES[name]
                server = servers[server_name]
                url = server.url + path.format(product=product)
                cookie = visitor["cookie"] if cookies else None
                wrk(url, connections=connections, seconds=warmup, cookie=cookie)  # warm-up, not counted
                figures = wrk(
                    url, connections=connections, seconds=duration, cookie=cookie, server_pid=server.process.pid
                )
                per_run[name].append(figures)
                log(
                    f"http run {i + 1}/{runs} {name}: {figures['rps']:.0f} req/s, p50 {figures['p50']:.1f}"
                    f" p99 {figures['p99']:.1f} ms, CPU {figures['server_cpu_ms']:.1f} ms/req,"
                    f" errors {figures['errors']}"
                )
        open_loop = _open_loop(
            store.url + "/", server_pid=store.process.pid, rate=open_rate, warmup=open_warmup, duration=open_duration
        )
        log(
            f"open loop {open_rate:.0f}/s on the catalog: p50 {open_loop['p50']:.1f} p95 {open_loop['p95']:.1f}"
            f" p99 {open_loop['p99']:.1f} max {open_loop['max']:.1f} ms, {open_loop['achieved_rate']:.1f}/s,"
            f" errors {open_loop['errors']}, {open_loop['connections_opened']} connections"
        )
    baseline = _baseline_writes()
    first_visits = _writes(["/", product], cookie=None, seconds=writes_seconds)
    returning = _writes(["/", product], cookie=visitor["cookie"], seconds=writes_seconds)
    log(
        f"rows written: start and stop {baseline['rows']}; first visits {first_visits['rows']} in"
        f" {first_visits['visits']} ({first_visits['tables']}); returning {returning['rows']} in {returning['visits']}"
    )
    floors = per_run["floor"]
    floor_of_run = [(floors[2 * i]["rps"] + floors[2 * i + 1]["rps"]) / 2 for i in range(runs)]
    ratios = {
        name: [r["rps"] / f for r, f in zip(values, floor_of_run, strict=True)]
        for name, values in per_run.items()
        if name != "floor"
    }
    return {
        "runs": runs,
        "connections": connections,
        "warmup": warmup,
        "duration": duration,
        "products": PAGE_SIZE,
        "product_path": product,
        "labels": {name: label for name, (label, *_rest) in CASES.items()},
        "first_visit_sets": checked["first_visit_sets"],
        "returning_cookies": visitor["names"],
        "per_run": per_run,
        "pages": {name: _summarise(values) for name, values in per_run.items()},
        "ratio": {name: spread(values) for name, values in ratios.items()},
        # The targets' figure: the page's median req/s over the floor's (a floor run that another
        # process on the machine slowed moves one run's ratio, not the medians).
        "share": {
            name: median([r["rps"] for r in values]) / median([r["rps"] for r in per_run["floor"]])
            for name, values in per_run.items()
        },
        # The same from the server's CPU time per request: what the share would be with a core each.
        "cpu_share": {
            name: median([r["server_cpu_ms"] for r in per_run["floor"]]) / median([r["server_cpu_ms"] for r in values])
            for name, values in per_run.items()
        },
        "open_loop": {**open_loop, "warmup": open_warmup, "duration": open_duration, "path": "/"},
        "writes": {"baseline": baseline, "first_visits": first_visits, "returning": returning},
        "writes_seconds": writes_seconds,
        "page": page_cost(),
    }
