"""An open-loop HTTP load process: GETs sent at a fixed rate, whatever the answers.

Request i is due at `begin + i / rate` and is sent then, on a pooled keep-alive connection if
one is free, on a new one otherwise (no limit), without waiting for earlier answers. Its
latency runs from the time it was due, not from when it was sent: a client or server that falls
behind shows in the figures (no coordinated omission). The first `warmup` seconds of arrivals
are not counted. No cookies are kept or sent unless `cookie` is given (every request is then
the same returning visitor). Prints one JSON object: the latencies (ms) of the counted answers,
errors, the achieved rate, the connections opened and the worst lag of a send behind its time.

    python -m tests.bench.open_loop '{"url": ..., "rate": 100, "warmup": 2, "duration": 10}'
"""

import asyncio
import json
import sys
import time
from types import SimpleNamespace
from typing import Any

import aiohttp

from tests.bench.ws_clients import raise_nofile


async def main() -> None:
    raise_nofile()
    config = json.loads(sys.argv[1])
    url, rate = config["url"], float(config["rate"])
    warm, counted = int(float(config["warmup"]) * rate), int(float(config["duration"]) * rate)
    headers = {"Cookie": config["cookie"]} if config.get("cookie") else {}
    opened = 0

    async def on_connection(_session: Any, _context: SimpleNamespace, _params: Any) -> None:
        nonlocal opened
        opened += 1

    trace = aiohttp.TraceConfig()
    trace.on_connection_create_end.append(on_connection)
    latencies: list[float] = []
    ends: list[float] = []
    lags: list[float] = []
    errors: list[str] = []
    connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=60)
    timeout = aiohttp.ClientTimeout(total=float(config.get("timeout", 10)))

    async def one(session: aiohttp.ClientSession, due: float, count: bool) -> None:
        sent = time.monotonic()
        try:
            async with session.get(url, allow_redirects=False, headers=headers) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            if count:
                errors.append(repr(exc)[:200])
            return
        ended = time.monotonic()
        if not count:
            return
        lags.append(sent - due)
        if status == 200:
            latencies.append((ended - due) * 1000)
            ends.append(ended)
        else:
            errors.append(f"status {status}")

    async with aiohttp.ClientSession(
        connector=connector, cookie_jar=aiohttp.DummyCookieJar(), timeout=timeout, trace_configs=[trace]
    ) as session:
        begin = time.monotonic() + 0.1
        tasks = []
        for i in range(warm + counted):
            due = begin + i / rate
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(session, due, i >= warm)))
        await asyncio.gather(*tasks)
    first_due = begin + warm / rate
    span = (max(ends) - first_due) if ends else float("nan")
    result = {
        "offered_rate": rate,
        "scheduled": counted,
        "answered": len(latencies),
        "achieved_rate": len(latencies) / span if ends else 0.0,
        "errors": len(errors),
        "error_sample": errors[:3],
        "connections_opened": opened,
        "max_send_lag_ms": max(lags, default=0.0) * 1000,
        "latencies_ms": latencies,
    }
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    asyncio.run(main())
