"""A closed-loop HTTP load process: `connections` keep-alive connections, each a browser of its own.

Each connection has its own cookie jar (the first page gives it a session, as a browser keeps it)
and sends the next GET as soon as the previous answer is read. Requests that start in the
warm-up (before `start_at`, a `time.monotonic()` instant shared by every load process) are not
counted; the rest, until `duration` seconds later, are. Prints one JSON object:
{"count": ..., "errors": ..., "latencies_ms": [...], "seconds": ...}.
"""

import asyncio
import json
import sys
import time

import aiohttp

from tests.bench.ws_clients import raise_nofile


async def connection(url: str, start: float, stop: float, latencies: list[float], errors: list[str]) -> None:
    jar = aiohttp.CookieJar(unsafe=True)  # unsafe: keep cookies of a bare IP address such as 127.0.0.1
    connector = aiohttp.TCPConnector(limit=1, force_close=False)
    async with aiohttp.ClientSession(cookie_jar=jar, connector=connector) as session:
        while (began := time.monotonic()) < stop:
            try:
                async with session.get(url, allow_redirects=False) as response:
                    await response.read()
                    ok = response.status == 200
            except aiohttp.ClientError as exc:
                ok = False
                errors.append(repr(exc)[:200])
            ended = time.monotonic()
            if began >= start and ended <= stop:
                if ok:
                    latencies.append((ended - began) * 1000)
                else:
                    errors.append("status")


async def main() -> None:
    raise_nofile()
    config = json.loads(sys.argv[1])
    start = float(config["start_at"])  # monotonic, the same instant for every load process
    stop = start + float(config["duration"])
    latencies: list[float] = []
    errors: list[str] = []
    await asyncio.gather(
        *(connection(config["url"], start, stop, latencies, errors) for _ in range(int(config["connections"])))
    )
    result = {"count": len(latencies), "errors": len(errors), "error_sample": errors[:3], "seconds": stop - start}
    sys.stdout.write(json.dumps({**result, "latencies_ms": latencies}) + "\n")


if __name__ == "__main__":
    asyncio.run(main())
