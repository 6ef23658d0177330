"""5. Connections: idle sockets one Daphne process holds, and its memory per socket.

A fresh Daphne process; a few sockets first (so code paths, caches and pools are warm), then its
resident memory as the baseline; then sockets are added, spread over several client processes,
up to each level (1,000, 5,000, 10,000). At each level, after a pause, the sockets still open are
counted on the clients and the server's RSS is sampled: (RSS - baseline) / (sockets - warm-up
sockets) is the memory per socket. At the top level one stock change is pushed to every socket,
which shows they are live, not only open.
"""

import time
from typing import Any

from django.conf import settings

from .common import daphne, latency_summary, log, median, open_fds, store_clients
from .fanout import bench_variant, stock_change

WARM = 20


def _rss(server_pid: int, samples: int = 5) -> float:
    from .common import rss_kib

    values = []
    for _ in range(samples):
        values.append(rss_kib(server_pid))
        time.sleep(0.3)
    return median(values)


def run(*, levels: list[int], processes: int) -> dict[str, Any]:
    variant = bench_variant()
    result: dict[str, Any] = {"levels": [], "processes": processes, "warm": WARM}
    with daphne("connections") as server:
        group = store_clients("connections", server, [f"stock.{variant.pk}"], processes=processes)
        try:
            group.open(WARM)
            time.sleep(1.0)
            baseline = _rss(server.process.pid)
            result["baseline_rss_kib"] = baseline
            for level in levels:
                started = time.monotonic()
                opened = group.open(level)
                seconds = time.monotonic() - started
                time.sleep(2.0)
                held = group.count()
                rss = _rss(server.process.pid)
                per_socket = (rss - baseline) / max(1, held - WARM)
                entry = {
                    "level": level,
                    "held": held,
                    "failed": opened["failed"],
                    "errors": opened["errors"],
                    "connect_seconds": seconds,
                    "connect_rate": opened["ok"] / seconds if seconds else 0.0,
                    "rss_kib": rss,
                    "per_socket_kib": per_socket,
                    "server_fds": open_fds(server.process.pid),
                }
                log(
                    f"connections {level}: {held} held, RSS {rss / 1024:.0f} MiB, {per_socket:.1f} KiB/socket,"
                    f" {opened['ok']} opened in {seconds:.0f}s, failed {opened['failed']} {opened['errors'][:1]}"
                )
                result["levels"].append(entry)
                if held < level * 0.5:
                    break  # the server is not keeping up; the next level would only take longer
            # One push to every socket held: they are live. Published at the commit (no window).
            default_window = settings.REALTIME_COALESCE_SECONDS
            settings.REALTIME_COALESCE_SECONDS = 0.0
            try:
                take = variant.stock >= 500
                figure = variant.stock - 1 if take else variant.stock + 1
                group.arm(f'data-stock="{figure}"', timeout=60)
                committed = stock_change(variant.pk, take=take)
                delivered = group.collect(timeout=120)
            finally:
                settings.REALTIME_COALESCE_SECONDS = default_window
            result["push"] = latency_summary([(t - committed) * 1000 for t in delivered.times])
            result["push_missing"] = delivered.missing
            log(
                f"connections: one push to {len(delivered.times)} sockets (missing {delivered.missing}),"
                f" p50 {result['push']['p50']:.0f} p99 {result['push']['p99']:.0f} ms"
            )
        finally:
            group.close()
    return result
