"""1. Stock fan-out: a stock change made through the service, to every page following `stock.<pk>`.

N WebSocket clients (in several client processes) follow one variant through one Daphne process
on the Redis layer; the same number follow the bare `websockets` server (the floor). Each round
arms every client, changes the stock through the inventory service in one transaction (a take,
then a give-back, alternately), and measures from the commit to each client receiving the new
figure. Rounds alternate store and floor, so both see the same machine at nearly the same time.
"""

import time
from typing import Any

from django.conf import settings
from django.db import transaction

from commerce.catalog.live import stock_fragment
from commerce.catalog.models import Variant
from commerce.inventory.services import stock_return, stock_take

from .common import ClientGroup, LineProcess, daphne, floor_server, latency_summary, log, percentile, store_clients

START_STOCK = 500


def bench_variant() -> Variant:
    """A variant of a published product on the catalog page, with room to move either way."""
    variant = (
        Variant.objects.select_related("product")
        .filter(is_active=True, product__is_published=True, product__deleted_at__isnull=True)
        .order_by("pk")
        .first()
    )
    if variant is None:
        raise RuntimeError("no variant to follow: run seed_demo first")
    Variant.objects.filter(pk=variant.pk).update(stock=START_STOCK)
    variant.stock = START_STOCK
    return variant


def stock_change(variant_pk: int, *, take: bool) -> float:
    """Take one unit (or give one back) through the inventory service; the monotonic instant of the commit."""
    committed: list[float] = []
    with transaction.atomic():
        # Registered first, so it runs first after the commit: before the service's publish.
        transaction.on_commit(lambda: committed.append(time.monotonic()))
        if take:
            stock_take(quantities=[(variant_pk, 1)])
        else:
            stock_return(quantities=[(variant_pk, 1)])
    return committed[0]


def _store_round(group: ClientGroup, variant: Variant) -> tuple[list[float], int]:
    take = variant.stock >= START_STOCK
    figure = variant.stock - 1 if take else variant.stock + 1
    group.arm(f'data-stock="{figure}"')
    committed = stock_change(variant.pk, take=take)
    variant.stock = figure
    result = group.collect()
    return [(t - committed) * 1000 for t in result.times], result.missing


def _floor_round(group: ClientGroup, floor: LineProcess, variant: Variant, round_no: int) -> tuple[list[float], int]:
    figure = START_STOCK - 1 if round_no % 2 == 0 else START_STOCK
    # The very fragment the store pushes for this figure (rendered from a copy: the store's rounds
    # keep `variant.stock` in step with the database).
    html = stock_fragment(Variant(pk=variant.pk, product=variant.product, stock=figure, is_active=True))
    group.arm(f'data-stock="{figure}"')
    floor.send({"cmd": "broadcast", "html": html})
    sent = floor.receive(30)["t0"]
    result = group.collect()
    return [(t - sent) * 1000 for t in result.times], result.missing


def _rounds(
    store: ClientGroup, floor_group: ClientGroup, floor: LineProcess, variant: Variant, rounds: int, *, floor_too: bool
) -> dict[str, Any]:
    out: dict[str, Any] = {"store": [], "floor": [], "store_missing": 0, "floor_missing": 0}
    out["store_rounds"], out["floor_rounds"] = [], []
    for r in range(rounds):
        latencies, missing = _store_round(store, variant)
        out["store"] += latencies
        out["store_missing"] += missing
        out["store_rounds"].append({"p50": percentile(latencies, 50), "p99": percentile(latencies, 99)})
        time.sleep(0.15)
        if floor_too:
            latencies, missing = _floor_round(floor_group, floor, variant, r)
            out["floor"] += latencies
            out["floor_missing"] += missing
            out["floor_rounds"].append({"p50": percentile(latencies, 50), "p99": percentile(latencies, 99)})
            time.sleep(0.15)
    return out


def run(*, sizes: list[int], rounds: int, processes: int, default_window_rounds: int) -> dict[str, Any]:
    variant = bench_variant()
    default_window = float(settings.REALTIME_COALESCE_SECONDS)
    results: dict[str, Any] = {"rounds": rounds, "processes": processes, "coalesce_default": default_window}
    results["sizes"] = []
    with daphne("fanout") as server, floor_server("fanout", stock_fragment(variant)) as (floor, floor_port):
        store = store_clients("fanout-store", server, [f"stock.{variant.pk}"], processes=processes)
        floor_group = ClientGroup(
            "fanout-floor",
            processes=processes,
            url=f"ws://127.0.0.1:{floor_port}/",
            headers={},
            origin=f"http://127.0.0.1:{floor_port}",
        )
        try:
            for n in sizes:
                started = time.monotonic()
                opened = store.open(n)
                connect_seconds = time.monotonic() - started
                floor_group.open(n)
                log(
                    f"fan-out N={n}: store {store.size}/{n} sockets in {connect_seconds:.1f}s"
                    f" (failed {opened['failed']} {opened['errors'][:1]}), floor {floor_group.size}/{n}"
                )
                settings.REALTIME_COALESCE_SECONDS = 0.0  # publish at the commit; the window is measured below
                figures = _rounds(store, floor_group, floor, variant, rounds, floor_too=True)
                entry: dict[str, Any] = {
                    "n": n,
                    "connected": store.size,
                    "connect_failed": opened["failed"],
                    "connect_errors": opened["errors"],
                    "connect_seconds": connect_seconds,
                    "connect_added": opened["ok"],
                    "floor_connected": floor_group.size,
                    "store": latency_summary(figures["store"]),
                    "floor": latency_summary(figures["floor"]),
                    "store_missing": figures["store_missing"],
                    "floor_missing": figures["floor_missing"],
                    "store_rounds": figures["store_rounds"],
                    "floor_rounds": figures["floor_rounds"],
                }
                if n == sizes[-1] and default_window_rounds and default_window > 0:
                    settings.REALTIME_COALESCE_SECONDS = default_window
                    windowed = _rounds(store, floor_group, floor, variant, default_window_rounds, floor_too=False)
                    entry["store_default_window"] = latency_summary(windowed["store"])
                    entry["store_default_window_missing"] = windowed["store_missing"]
                settings.REALTIME_COALESCE_SECONDS = default_window
                s, f = entry["store"], entry["floor"]
                log(
                    f"fan-out N={n}: store p50 {s['p50']:.1f} p99 {s['p99']:.1f} ms, floor p50 {f['p50']:.1f}"
                    f" p99 {f['p99']:.1f} ms, missing {entry['store_missing']}/{entry['floor_missing']}"
                )
                results["sizes"].append(entry)
        finally:
            settings.REALTIME_COALESCE_SECONDS = default_window
            store.close()
            floor_group.close()
    return results
