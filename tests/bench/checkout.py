"""3. Checkout under contention: many buyers at once for one variant, and for many variants.

Two cases, each with 200 buyers (one cart of one unit each):
- hot: one variant with 100 units (every buyer wants it);
- spread: 100 variants with 1 unit each (two buyers per variant).
Successes must equal the units and nothing may be oversold, whatever the timing.

Through the service, `checkout_start` runs in threads, one database connection each, all released
at once by a barrier; the floor is the same number of connections running only the bare
conditional `UPDATE ... SET stock = stock - 1 WHERE id = %s AND stock >= 1` (psycopg, autocommit).
Beside them, the HTTP figure: the same buyers POST /checkout/place/ to one Daphne process at once.

Each connection is warmed before the release, as a running store's pooled connections are: for the
service, one checkout of a cart of its own, rolled back (on PostgreSQL a checkout is one call of a
database function, whose statements PostgreSQL plans on a connection's first call: ~8 ms each);
for the floor, its UPDATE once, on no row.

PostgreSQL here allows `max_connections` (100 by default) for everyone using the server, so the
number of connections is 200 where the server allows it, and otherwise what it has free less a
margin for its other users; each connection then serves several buyers in turn.
"""

import asyncio
import os
import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import aiohttp
import psycopg
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection, transaction
from psycopg import sql

from commerce.cart.models import SESSION_KEY, Cart, CartLine
from commerce.catalog.models import Category, Product, Variant
from commerce.inventory.errors import OutOfStock
from commerce.orders.models import Order, OrderLine
from commerce.orders.services import checkout_start
from commerce.orders.views import CHECKOUT_KEY

from .common import daphne, database_url, latency_summary, log, percentile, spread

BUYERS = 200
UNITS = 100
ADDRESS = {
    "full_name": "Bench Buyer",
    "line1": "1 Harbour Road",
    "line2": "",
    "city": "Portland",
    "postal_code": "04101",
    "region": "ME",
    "country": "US",
    "phone": "",
}
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)  # bench products sort last on the catalog page


def connection_budget() -> dict[str, int]:
    """How many connections the benchmark may open: 200, or what PostgreSQL has free less a margin."""
    with psycopg.connect(database_url(), autocommit=True) as conn:
        settings = dict(
            conn.execute(
                "SELECT name, setting::int FROM pg_settings"
                " WHERE name IN ('max_connections', 'superuser_reserved_connections')"
            ).fetchall()
        )
        row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'").fetchone()
        in_use = int(row[0]) if row else 0
    free = settings["max_connections"] - settings.get("superuser_reserved_connections", 3) - in_use
    wanted = int(os.environ.get("BENCH_CHECKOUT_CONNECTIONS", "0")) or min(BUYERS, free - 25)
    return {
        "connections": max(1, wanted),
        "max_connections": settings["max_connections"],
        "in_use_before": in_use,
    }


def _bench_variants() -> tuple[Variant, list[Variant]]:
    category, _ = Category.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    hot_product, _ = Product.objects.get_or_create(
        slug="bench-hot", defaults={"category": category, "name": "Bench hot item", "created_at": LONG_AGO}
    )
    hot, _ = Variant.objects.get_or_create(
        sku="BENCH-HOT", defaults={"product": hot_product, "name": "One size", "price": Decimal("10.00")}
    )
    spread_product, _ = Product.objects.get_or_create(
        slug="bench-spread", defaults={"category": category, "name": "Bench spread item", "created_at": LONG_AGO}
    )
    existing = {v.sku: v for v in Variant.objects.filter(product=spread_product)}
    for i in range(UNITS):
        sku = f"BENCH-SPREAD-{i:03d}"
        if sku not in existing:
            existing[sku] = Variant.objects.create(
                product=spread_product, sku=sku, name=f"Option {i}", price=Decimal("10.00"), position=i
            )
    return hot, [existing[f"BENCH-SPREAD-{i:03d}"] for i in range(UNITS)]


def _stock(case: str, hot: Variant, spread_variants: list[Variant]) -> tuple[list[int], list[int]]:
    """Reset the stock for a run; the variant each buyer wants, and every variant of the case."""
    if case == "hot":
        Variant.objects.filter(pk=hot.pk).update(stock=UNITS)
        return [hot.pk] * BUYERS, [hot.pk]
    pks = [v.pk for v in spread_variants]
    Variant.objects.filter(pk__in=pks).update(stock=1)
    return [pks[i % UNITS] for i in range(BUYERS)], pks


def _carts(wanted: list[int]) -> list[Cart]:
    carts = Cart.objects.bulk_create([Cart() for _ in wanted])
    CartLine.objects.bulk_create(
        CartLine(cart=cart, variant_id=pk, quantity=1) for cart, pk in zip(carts, wanted, strict=True)
    )
    return carts


def _threads(
    connections: int,
    buyers: int,
    attempt: Callable[[int], bool],
    *,
    setup: Callable[[], None],
    teardown: Callable[[], None],
) -> dict[str, Any]:
    """Run `attempt(buyer)` for every buyer on `connections` threads released at once; time each attempt.

    Each thread runs `setup` (opens its connection) before the start and `teardown` once every
    thread is done: the run ends with its last attempt, and closing connections (a PostgreSQL
    backend's exit costs CPU) never competes with attempts still running.
    """
    order = list(range(buyers))
    lock = threading.Lock()
    latencies: list[float] = []
    outcomes = {"ok": 0, "refused": 0, "errors": 0}
    error_sample: list[str] = []
    started: list[float] = []
    ended = [0.0]
    barrier = threading.Barrier(connections + 1, action=lambda: started.append(time.monotonic()))
    finished = threading.Barrier(connections)

    def work() -> None:
        try:
            setup()
            barrier.wait()
            serve()
        except Exception as exc:  # a connection refused: no run at all
            barrier.abort()
            with lock:
                error_sample.append(repr(exc)[:200])
        finally:
            finished.wait()  # every thread gets here once, whatever happened before
            teardown()

    def serve() -> None:
        while True:
            with lock:
                if not order:
                    break
                buyer = order.pop(0)
            began = time.monotonic()
            try:
                key = "ok" if attempt(buyer) else "refused"
            except Exception as exc:
                key = "errors"
                with lock:
                    error_sample.append(repr(exc)[:200])
            now = time.monotonic()
            with lock:
                latencies.append((now - began) * 1000)
                outcomes[key] += 1
                ended[0] = max(ended[0], now)

    threads = [threading.Thread(target=work) for _ in range(connections)]
    for thread in threads:
        thread.start()
    try:
        barrier.wait()
    except threading.BrokenBarrierError:
        for thread in threads:
            thread.join()
        raise RuntimeError(f"could not start {connections} connections: {error_sample[:1]}") from None
    for thread in threads:
        thread.join()
    wall = ended[0] - started[0]
    return {"wall": wall, "latencies": latencies, **outcomes, "error_sample": error_sample[:3]}


def _warm_up_carts(connections: int) -> list[Cart]:
    """A cart per connection for its warm-up checkout (rolled back), of a variant no buyer wants."""
    category = Category.objects.get(slug="bench")
    product, _ = Product.objects.get_or_create(
        slug="bench-warm-up", defaults={"category": category, "name": "Bench warm-up", "created_at": LONG_AGO}
    )
    variant, _ = Variant.objects.get_or_create(
        sku="BENCH-WARM-UP", defaults={"product": product, "name": "One size", "price": Decimal("10.00")}
    )
    Variant.objects.filter(pk=variant.pk).update(stock=connections)
    return _carts([variant.pk] * connections)


def _service_run(wanted: list[int], connections: int) -> dict[str, Any]:
    carts = _carts(wanted)
    warm_up = _warm_up_carts(connections)
    warm_up_lock = threading.Lock()

    def setup() -> None:
        with warm_up_lock:
            cart = warm_up.pop()
        with transaction.atomic():
            checkout_start(cart=cart, user=None, email="warm-up@example.com", address=ADDRESS)
            transaction.set_rollback(True)

    def attempt(buyer: int) -> bool:
        try:
            checkout_start(cart=carts[buyer], user=None, email=f"buyer{buyer}@example.com", address=ADDRESS)
        except OutOfStock:
            return False
        return True

    # Django's connections are per thread: each thread opens its own before the start, in `setup`
    # (`connection` is looked up in the calling thread).
    result = _threads(connections, len(wanted), attempt, setup=setup, teardown=lambda: connection.close())
    result["carts"] = [c.pk for c in carts]
    return result


FLOOR_STATEMENT = sql.SQL("UPDATE {} SET stock = stock - 1 WHERE id = %s AND stock >= 1").format(
    sql.Identifier(Variant._meta.db_table)
)


def _floor_run(wanted: list[int], connections: int) -> dict[str, Any]:
    statement = FLOOR_STATEMENT
    local = threading.local()

    def setup() -> None:
        local.conn = psycopg.connect(database_url(), autocommit=True)
        local.conn.execute(statement, (0,))  # warm-up: no variant has id 0

    def teardown() -> None:
        if getattr(local, "conn", None) is not None:
            local.conn.close()

    def attempt(buyer: int) -> bool:
        return bool(local.conn.execute(statement, (wanted[buyer],)).rowcount == 1)

    return _threads(connections, len(wanted), attempt, setup=setup, teardown=teardown)


async def _http_buyers(base: str, cookies: list[str], csrf: str) -> dict[str, Any]:
    connector = aiohttp.TCPConnector(limit=0)
    latencies: list[float] = []
    outcomes = {"ok": 0, "refused": 0, "errors": 0}
    samples: list[str] = []
    async with aiohttp.ClientSession(base_url=base, connector=connector, cookie_jar=aiohttp.DummyCookieJar()) as http:

        async def buy(cookie: str) -> None:
            began = time.monotonic()
            try:
                async with http.post(
                    "/checkout/place/",
                    headers={"Cookie": cookie, "X-CSRFToken": csrf},
                    allow_redirects=False,
                    timeout=aiohttp.ClientTimeout(total=120),
                ) as response:
                    await response.read()
                    location = response.headers.get("Location", "")
                    if response.status == 302 and "/pay/" in location:
                        outcomes["ok"] += 1
                    elif response.status == 409:
                        outcomes["refused"] += 1
                    else:
                        outcomes["errors"] += 1
                        samples.append(f"{response.status} {location}")
            except aiohttp.ClientError as exc:
                outcomes["errors"] += 1
                samples.append(repr(exc)[:200])
            latencies.append((time.monotonic() - began) * 1000)

        started = time.monotonic()
        await asyncio.gather(*(buy(cookie) for cookie in cookies))
        wall = time.monotonic() - started
    return {"wall": wall, "latencies": latencies, **outcomes, "error_sample": samples[:3]}


def _http_run(base: str, wanted: list[int]) -> dict[str, Any]:
    """The same buyers, each a guest with a session (cart and checkout details) and a CSRF cookie."""
    carts = _carts(wanted)
    csrf = secrets.token_hex(16)  # 32 characters: a CSRF secret, sent as cookie and header
    cookies = []
    for i, cart in enumerate(carts):
        session = SessionStore()
        session[SESSION_KEY] = cart.pk
        session[CHECKOUT_KEY] = {"email": f"buyer{i}@example.com", "address": ADDRESS}
        session.create()
        cookies.append(f"sessionid={session.session_key}; csrftoken={csrf}")
    result = asyncio.run(_http_buyers(base, cookies, csrf))
    result["carts"] = [c.pk for c in carts]
    return result


def _verify(result: dict[str, Any], variant_pks: list[int], units: int) -> None:
    """Count what was sold from the database, not from the buyers' answers.

    Oversold: units sold beyond the units there were. Unaccounted: units neither sold nor left
    (stock taken without an order); both must be 0, and the successes must equal the units sold.
    """
    stock_left = sum(Variant.objects.filter(pk__in=variant_pks).values_list("stock", flat=True))
    carts = result.pop("carts", None)
    if carts is None:  # the floor: every successful UPDATE is a unit sold
        sold = result["ok"]
    else:
        lines = OrderLine.objects.filter(order__cart_id__in=carts, order__status=Order.Status.PENDING_PAYMENT)
        sold = sum(lines.values_list("quantity", flat=True))
    result["sold"] = sold
    result["stock_left"] = stock_left
    result["oversold"] = max(0, sold - units)
    result["unaccounted"] = units - sold - stock_left
    result["answers_match"] = result["ok"] == sold


def _summarise(runs: list[dict[str, Any]]) -> dict[str, Any]:
    rates = [r["ok"] / r["wall"] for r in runs]
    attempts = [(r["ok"] + r["refused"] + r["errors"]) / r["wall"] for r in runs]
    p95s = [percentile(r["latencies"], 95) for r in runs]
    return {
        "orders_per_s": spread(rates),
        "attempts_per_s": spread(attempts),
        "p95": spread(p95s),
        "p50": spread([percentile(r["latencies"], 50) for r in runs]),
        "successes": [r["ok"] for r in runs],
        "refused": [r["refused"] for r in runs],
        "errors": [r["errors"] for r in runs],
        "error_sample": [s for r in runs for s in r["error_sample"]][:3],
        "oversold": [r["oversold"] for r in runs],
        "unaccounted": [r["unaccounted"] for r in runs],
        "answers_match": all(r["answers_match"] for r in runs),
        "sold": [r["sold"] for r in runs],
        "latency": latency_summary([x for r in runs for x in r["latencies"]]),
    }


def run(*, runs: int, http: bool) -> dict[str, Any]:
    budget = connection_budget()
    connections = budget["connections"]
    log(f"checkout: {connections} connections (max_connections {budget['max_connections']})")
    hot, spread_variants = _bench_variants()
    results: dict[str, Any] = {"buyers": BUYERS, "units": UNITS, "runs": runs, **budget, "cases": {}}
    results["floor_sql"] = FLOOR_STATEMENT.as_string(None)
    for case in ["hot", "spread"]:
        per_way: dict[str, list[dict[str, Any]]] = {"service": [], "floor": []}
        for _ in range(runs):
            for way in ["service", "floor"]:
                wanted, pks = _stock(case, hot, spread_variants)
                result = _service_run(wanted, connections) if way == "service" else _floor_run(wanted, connections)
                _verify(result, pks, UNITS)
                per_way[way].append(result)
        results["cases"][case] = {way: _summarise(values) for way, values in per_way.items()}
        s, f = results["cases"][case]["service"], results["cases"][case]["floor"]
        log(
            f"checkout {case}: service {s['orders_per_s']['median']:.0f} orders/s p95 {s['p95']['median']:.0f} ms"
            f" ok {s['successes']} oversold {s['oversold']} errors {s['errors']};"
            f" floor {f['orders_per_s']['median']:.0f}/s p95 {f['p95']['median']:.1f} ms ok {f['successes']}"
        )
    if http:
        with daphne("checkout") as server:
            for case in ["hot", "spread"]:
                http_runs = []
                for _ in range(runs):
                    wanted, pks = _stock(case, hot, spread_variants)
                    result = _http_run(server.url, wanted)
                    _verify(result, pks, UNITS)
                    http_runs.append(result)
                results["cases"][case]["http"] = _summarise(http_runs)
                h = results["cases"][case]["http"]
                log(
                    f"checkout {case} over HTTP: {h['orders_per_s']['median']:.0f} orders/s"
                    f" p95 {h['p95']['median']:.0f} ms ok {h['successes']} oversold {h['oversold']}"
                    f" errors {h['errors']} {h['error_sample'][:1]}"
                )
    return results
