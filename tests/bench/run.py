"""`make bench`: run the benchmarks of tests/bench/ in the services mode and write BENCHMARKS.md.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/storefront_bench REDIS_URL=redis://127.0.0.1:6379/10 \\
        CHANNEL_PREFIX=bench .venv/bin/python -m tests.bench.run [--only fanout,cart] [--quick]

The database named by DATABASE_URL is the benchmark's own: it is dropped and created again
(migrated, seeded with `seed_demo`) when its name contains "bench" or BENCH_RESET_DB=1; otherwise it
is migrated and seeded as it is. Never point it at a database you want to keep. Raw figures go
to var/bench/results.json, logs of every process to var/bench/.
Checkout alone, fewer cases or no HTTP: BENCH_CHECKOUT_CASES=hot,spread,hot-code, BENCH_CHECKOUT_HTTP=0,
BENCH_CHECKOUT_RUNS=1. HTTP pages (`catalog`): BENCH_CATALOG_RUNS, BENCH_OPEN_RATE (req/s, default 100);
its closed-loop load is `wrk` (apt-get install wrk).
"""

import argparse
import io
import json
import os
import secrets
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

BENCHMARKS = ["fanout", "cart", "catalog", "connections", "checkout", "search"]


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _env_ints(name: str, default: list[int]) -> list[int]:
    raw = os.environ.get(name)
    return [int(part) for part in raw.split(",")] if raw else default


def _reset_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1].split("?", 1)[0]
    wanted = os.environ.get("BENCH_RESET_DB")
    if wanted == "0" or (wanted != "1" and "bench" not in name):
        return
    if name in {"postgres", "template0", "template1"}:
        raise SystemExit(f"refusing to drop {name}")
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _search(*, products: int) -> dict[str, Any]:
    """tests/bench/bench_search.py, as it runs on its own (pytest, a test database of its own)."""
    from .common import LOG_DIR, ROOT, log

    LOG_DIR.mkdir(parents=True, exist_ok=True)
    out = LOG_DIR / "search.json"
    rounds = 5
    env = {**os.environ, "BENCH_PRODUCTS": str(products), "BENCH_ROUNDS": str(rounds), "BENCH_JSON": str(out)}
    with (LOG_DIR / "search.log").open("wb") as log_file:
        subprocess.run(
            [sys.executable, "-m", "pytest", "tests/bench/bench_search.py", "-q", "-s"],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            check=True,
        )
    figures: dict[str, Any] = json.loads(out.read_text())
    log(f"search: all pages p50 {figures['figures']['all pages']['p50']:.1f} ms over {products:,} products")
    return {"products": products, "rounds": rounds, "figures": figures["figures"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default=",".join(BENCHMARKS), help="comma-separated: " + ", ".join(BENCHMARKS))
    parser.add_argument("--quick", action="store_true", help="small sizes and few rounds, to try the harness")
    parser.add_argument("--output", default="BENCHMARKS.md")
    parser.add_argument(
        "--report-only", action="store_true", help="write the report again from var/bench/results.json (no run)"
    )
    args = parser.parse_args()
    if args.report_only:
        from .common import LOG_DIR, ROOT
        from .report import write_report

        write_report(json.loads((LOG_DIR / "results.json").read_text()), ROOT / args.output)
        return 0
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(chosen) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmarks: {', '.join(sorted(unknown))}")
    if not os.environ.get("DATABASE_URL", "").startswith("postgres") or not os.environ.get("REDIS_URL"):
        parser.error("the benchmarks run in the services mode: set DATABASE_URL (PostgreSQL) and REDIS_URL")

    prefix = os.environ.setdefault("CHANNEL_PREFIX", "bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    os.environ["DATABASE_POOL"] = "0"  # this process's threads each hold their own connection
    os.environ["CELERY_QUEUE"] = f"{prefix}-bench-tasks"  # no worker runs: tasks queue here and are dropped
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # The services mode wants secrets of its own (project/settings.py): fresh ones per run.
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(40))
    os.environ.setdefault("STRIPE_WEBHOOK_SECRET", f"whsec_{secrets.token_hex(16)}")

    from .common import LOG_DIR, ROOT, log, machine, raise_nofile, versions

    raise_nofile()
    _reset_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    import redis
    from django.conf import settings
    from django.core.management import call_command

    started = time.monotonic()
    call_command("migrate", "--noinput", verbosity=0)
    call_command("seed_demo", verbosity=0, stdout=io.StringIO())
    tasks = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    tasks.delete(settings.CELERY_TASK_DEFAULT_QUEUE)

    quick = args.quick
    results: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "versions": versions(),
        "quick": quick,
        "chosen": chosen,
    }
    from . import cart, catalog, checkout, connections, fanout

    plan: dict[str, Callable[[], dict[str, Any]]] = {
        "fanout": lambda: fanout.run(
            sizes=_env_ints("BENCH_FANOUT_SIZES", [20, 100] if quick else [100, 1000, 2000]),
            rounds=_env_int("BENCH_FANOUT_ROUNDS", 5 if quick else 20),
            processes=_env_int("BENCH_CLIENT_PROCESSES", 4),
            default_window_rounds=3 if quick else 10,
        ),
        "cart": lambda: cart.run(
            runs=_env_int("BENCH_CART_RUNS", 2 if quick else 5),
            rounds=_env_int("BENCH_CART_ROUNDS", 10 if quick else 100),
        ),
        "catalog": lambda: catalog.run(
            runs=_env_int("BENCH_CATALOG_RUNS", 1 if quick else 3),
            connections=32,
            warmup=1,
            duration=3 if quick else 5,
            open_rate=_env_int("BENCH_OPEN_RATE", 100),
            open_warmup=2.0,
            open_duration=5.0 if quick else 10.0,
            writes_seconds=2,
        ),
        "connections": lambda: connections.run(
            levels=_env_ints("BENCH_CONNECTION_LEVELS", [200, 1000] if quick else [1000, 5000, 10000]),
            processes=_env_int("BENCH_CONNECTION_PROCESSES", 5),
        ),
        "search": lambda: _search(products=_env_int("BENCH_SEARCH_PRODUCTS", 2000 if quick else 20000)),
        # Last: it adds products (sorted after the demo catalog) and many orders.
        "checkout": lambda: checkout.run(
            runs=_env_int("BENCH_CHECKOUT_RUNS", 1 if quick else 3),
            http=os.environ.get("BENCH_CHECKOUT_HTTP", "1") != "0",
            cases=[c for c in os.environ.get("BENCH_CHECKOUT_CASES", "").split(",") if c] or None,
        ),
    }
    failed = []
    try:
        for name, bench in plan.items():
            if name not in chosen:
                continue
            try:
                results[name] = bench()
            except Exception as exc:  # one broken benchmark must not hide the others' figures
                log(f"{name} failed: {exc!r}")
                traceback.print_exc()
                results[name] = {"error": f"{type(exc).__name__}: {exc}"[:500]}
                failed.append(name)
    finally:
        tasks.delete(settings.CELERY_TASK_DEFAULT_QUEUE)
    results["seconds"] = time.monotonic() - started
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    (LOG_DIR / "results.json").write_text(json.dumps(results, indent=2))
    from .report import write_report

    write_report(results, ROOT / args.output)
    log(f"done in {results['seconds']:.0f}s: {args.output}" + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
