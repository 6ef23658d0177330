"""3. Checkout under contention: many buyers at once for one variant, for many variants, for one code.

Three cases, each with 200 buyers (one cart of one unit each):
- hot: one variant with 100 units (every buyer wants it);
- spread: 100 variants with 1 unit each (two buyers per variant);
- hot-code: one variant with 1,000 units, every cart carrying the same discount code, limited to
  100 uses (a fresh code per run): the code, not the stock, is what runs out.
Successes must equal the units (the code's uses), nothing may be oversold, and no order may carry
the code beyond its limit, whatever the timing.

Through the service, `checkout_start` runs in threads, one database connection each, all released
at once by a barrier; the floor is the same number of connections running only the bare
conditional `UPDATE ... SET stock = stock - 1 WHERE id = %s AND stock >= 1` (psycopg, autocommit),
and for hot-code the same UPDATE of the code's counter (`times_used < usage_limit`).
Beside them, the HTTP figure: the same buyers POST /checkout/place/ to one Daphne process at once.

Each connection is warmed before the release, as a running store's pooled connections are: for the
service, one checkout of a cart of its own carrying a code of its own (no limit), rolled back (on
PostgreSQL a checkout is one call of a database function, whose statements PostgreSQL plans on a
connection's first call: ~8 ms each, and the code's statements only run for a cart with a code);
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
from dataclasses import dataclass
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
from commerce.discounts.errors import DiscountError
from commerce.discounts.models import DiscountCode, DiscountRedemption
from commerce.inventory.errors import OutOfStock
from commerce.orders.models import Order, OrderLine
from commerce.orders.services import checkout_start
from commerce.orders.views import CHECKOUT_KEY

from .common import daphne, database_url, latency_summary, log, percentile, spread

BUYERS = 200
UNITS = 100
CASES = ["hot", "spread", "hot-code"]
CODE_USES = 100  # hot-code: the code's usage_limit
CODE_STOCK_EACH = 10  # hot-code: units of each spread variant, more than its two buyers want
CODE_STOCK = CODE_STOCK_EACH * UNITS
WARM_UP_CODE = "BENCH-WARM-UP"
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


@dataclass(frozen=True)
class Stock:
    """What one run of a case sells: the variant each buyer wants, every variant of the case, and the
    code every cart carries (hot-code only)."""

    wanted: list[int]
    pks: list[int]
    code: DiscountCode | None = None

    @property
    def stock(self) -> int:
        """The units there were, in all."""
        return CODE_STOCK if self.code is not None else UNITS


def _one_variant(sku: str, slug: str, name: str) -> Variant:
    category, _ = Category.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    product, _ = Product.objects.get_or_create(
        slug=slug, defaults={"category": category, "name": name, "created_at": LONG_AGO}
    )
    variant, _ = Variant.objects.get_or_create(
        sku=sku, defaults={"product": product, "name": "One size", "price": Decimal("10.00")}
    )
    return variant


def _bench_variants() -> tuple[Variant, list[Variant]]:
    hot = _one_variant("BENCH-HOT", "bench-hot", "Bench hot item")
    category = Category.objects.get(slug="bench")
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


def _stock(case: str, hot: Variant, spread_variants: list[Variant]) -> Stock:
    """Reset the stock for a run (and make hot-code's fresh code): what the run sells."""
    if case == "hot":
        Variant.objects.filter(pk=hot.pk).update(stock=UNITS)
        return Stock([hot.pk] * BUYERS, [hot.pk])
    pks = [v.pk for v in spread_variants]
    if case == "hot-code":
        # The code is the one row every buyer queues on: the stock is spread (two buyers per variant).
        Variant.objects.filter(pk__in=pks).update(stock=CODE_STOCK_EACH)
        code = DiscountCode.objects.create(
            code=f"BENCH-{secrets.token_hex(6)}",
            description="tests/bench/checkout.py, hot-code",
            kind=DiscountCode.Kind.PERCENT,
            value=Decimal("10.00"),
            usage_limit=CODE_USES,
        )
        return Stock([pks[i % UNITS] for i in range(BUYERS)], pks, code)
    Variant.objects.filter(pk__in=pks).update(stock=1)
    return Stock([pks[i % UNITS] for i in range(BUYERS)], pks)


def _carts(wanted: list[int], code: str = "") -> list[Cart]:
    carts = Cart.objects.bulk_create([Cart(discount_code=code) for _ in wanted])
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
    """A cart per connection for its warm-up checkout (rolled back), of a variant no buyer wants,
    with a code no buyer uses (no limit): the function's statements for a code run, and are
    planned, only for a cart that has one."""
    variant = _one_variant("BENCH-WARM-UP", "bench-warm-up", "Bench warm-up")
    Variant.objects.filter(pk=variant.pk).update(stock=connections)
    DiscountCode.objects.get_or_create(
        code=WARM_UP_CODE,
        defaults={"description": "tests/bench/checkout.py, warm-up", "kind": DiscountCode.Kind.PERCENT, "value": 10},
    )
    return _carts([variant.pk] * connections, code=WARM_UP_CODE)


def _service_run(stock: Stock, connections: int) -> dict[str, Any]:
    wanted = stock.wanted
    carts = _carts(wanted, code=stock.code.code if stock.code else "")
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
        except (OutOfStock, DiscountError):
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
CODE_FLOOR_STATEMENT = sql.SQL(
    "UPDATE {} SET times_used = times_used + 1 WHERE id = %s AND times_used < usage_limit"
).format(sql.Identifier(DiscountCode._meta.db_table))


def _floor_run(stock: Stock, connections: int) -> dict[str, Any]:
    """The bare conditional UPDATE per buyer: of the variant's stock, or (hot-code) of the code's counter."""
    if stock.code is not None:
        statement, wanted = CODE_FLOOR_STATEMENT, [stock.code.pk] * len(stock.wanted)
    else:
        statement, wanted = FLOOR_STATEMENT, stock.wanted
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


async def _http_buyers(base: str, cookies: list[str], csrf: str, refusals: set[int]) -> dict[str, Any]:
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
                    elif response.status in refusals:
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


def _http_run(base: str, stock: Stock) -> dict[str, Any]:
    """The same buyers, each a guest with a session (cart and checkout details) and a CSRF cookie.

    A refusal is the review page again: 409 when the stock is short, 422 when the code is used up.
    """
    carts = _carts(stock.wanted, code=stock.code.code if stock.code else "")
    csrf = secrets.token_hex(16)  # 32 characters: a CSRF secret, sent as cookie and header
    cookies = []
    for i, cart in enumerate(carts):
        session = SessionStore()
        session[SESSION_KEY] = cart.pk
        session[CHECKOUT_KEY] = {"email": f"buyer{i}@example.com", "address": ADDRESS}
        session.create()
        cookies.append(f"sessionid={session.session_key}; csrftoken={csrf}")
    refusals = {422} if stock.code is not None else {409}
    result = asyncio.run(_http_buyers(base, cookies, csrf, refusals))
    result["carts"] = [c.pk for c in carts]
    return result


def _verify(result: dict[str, Any], stock: Stock) -> None:
    """Count what was sold from the database, not from the buyers' answers.

    Oversold: units sold beyond the units there were. Unaccounted: units neither sold nor left
    (stock taken without an order); both must be 0, and the successes must equal the units sold.
    For hot-code (`_verify_code`), what was sold is the code's uses.
    """
    stock_left = sum(Variant.objects.filter(pk__in=stock.pks).values_list("stock", flat=True))
    carts = result.pop("carts", None)
    if carts is None:  # the floor: every successful UPDATE is a unit sold (hot-code: a use taken)
        sold = result["ok"]
        stock_left = stock.stock - sold if stock.code is not None else stock_left  # it moved the code, not the stock
    else:
        lines = OrderLine.objects.filter(order__cart_id__in=carts, order__status=Order.Status.PENDING_PAYMENT)
        sold = sum(lines.values_list("quantity", flat=True))
    result["sold"] = sold
    result["stock_left"] = stock_left
    result["oversold"] = max(0, sold - stock.stock)
    result["unaccounted"] = stock.stock - sold - stock_left
    result["answers_match"] = result["ok"] == sold
    if stock.code is not None:
        _verify_code(result, stock.code, carts)


def _verify_code(result: dict[str, Any], code: DiscountCode, carts: list[int] | None) -> None:
    """The code's uses, counted three ways from the database: its counter (`times_used`), the uses
    recorded (redemptions not given back) and the orders carrying it. Over-use: the most of those
    beyond the limit (must be 0); the three must agree, and every order must carry the code (a buyer
    whose code ran out is refused, not sold to at full price)."""
    times_used = DiscountCode.objects.values_list("times_used", flat=True).get(pk=code.pk)
    if carts is None:  # the floor: each successful UPDATE is a use; nothing else is written
        redemptions = with_code = result["ok"]
        without_code = 0
    else:
        orders = Order.objects.filter(cart_id__in=carts, status=Order.Status.PENDING_PAYMENT)
        redemptions = DiscountRedemption.objects.filter(code=code, released_at__isnull=True).count()
        with_code = orders.filter(discount_code=code.code).count()
        without_code = orders.exclude(discount_code=code.code).count()
    result["code"] = {
        "times_used": times_used,
        "redemptions": redemptions,
        "orders_with_code": with_code,
        "orders_without_code": without_code,
    }
    result["over_use"] = max(0, max(times_used, redemptions, with_code) - CODE_USES)
    result["uses_match"] = times_used == redemptions == with_code == result["sold"] and without_code == 0


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
    } | (
        {
            "over_use": [r["over_use"] for r in runs],
            "uses_match": all(r["uses_match"] for r in runs),
            "code": [r["code"] for r in runs],
        }
        if "code" in runs[0]
        else {}
    )


def _code_text(figures: dict[str, Any]) -> str:
    if "over_use" not in figures:
        return ""
    return f" over-use {figures['over_use']} uses agree {figures['uses_match']}"


def run(*, runs: int, http: bool, cases: list[str] | None = None) -> dict[str, Any]:
    cases = cases or CASES
    if unknown := set(cases) - set(CASES):
        raise ValueError(f"unknown checkout cases: {', '.join(sorted(unknown))}; known: {', '.join(CASES)}")
    budget = connection_budget()
    connections = budget["connections"]
    log(f"checkout: {connections} connections (max_connections {budget['max_connections']})")
    hot, spread_variants = _bench_variants()
    results: dict[str, Any] = {
        "buyers": BUYERS,
        "units": UNITS,
        "code_uses": CODE_USES,
        "code_stock": CODE_STOCK,
        "runs": runs,
        **budget,
        "cases": {},
    }
    results["floor_sql"] = FLOOR_STATEMENT.as_string(None)
    results["code_floor_sql"] = CODE_FLOOR_STATEMENT.as_string(None)
    for case in cases:
        per_way: dict[str, list[dict[str, Any]]] = {"service": [], "floor": []}
        for _ in range(runs):
            for way in ["service", "floor"]:
                stock = _stock(case, hot, spread_variants)
                result = _service_run(stock, connections) if way == "service" else _floor_run(stock, connections)
                _verify(result, stock)
                per_way[way].append(result)
        results["cases"][case] = {way: _summarise(values) for way, values in per_way.items()}
        s, f = results["cases"][case]["service"], results["cases"][case]["floor"]
        log(
            f"checkout {case}: service {s['orders_per_s']['median']:.0f} orders/s p95 {s['p95']['median']:.0f} ms"
            f" ok {s['successes']} oversold {s['oversold']} errors {s['errors']}{_code_text(s)}"
            f" {s['error_sample'][:1]};"
            f" floor {f['orders_per_s']['median']:.0f}/s p95 {f['p95']['median']:.1f} ms ok {f['successes']}"
            f"{_code_text(f)}"
        )
    if http:
        with daphne("checkout") as server:
            for case in cases:
                http_runs = []
                for _ in range(runs):
                    stock = _stock(case, hot, spread_variants)
                    result = _http_run(server.url, stock)
                    _verify(result, stock)
                    http_runs.append(result)
                results["cases"][case]["http"] = _summarise(http_runs)
                h = results["cases"][case]["http"]
                log(
                    f"checkout {case} over HTTP: {h['orders_per_s']['median']:.0f} orders/s"
                    f" p95 {h['p95']['median']:.0f} ms ok {h['successes']} oversold {h['oversold']}{_code_text(h)}"
                    f" errors {h['errors']} {h['error_sample'][:1]}"
                )
    return results
