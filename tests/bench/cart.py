"""2. Cart sync: a change in one tab, to the fragment in another tab of the same cart.

One browser (one session cookie) through Daphne: a product page (session and CSRF cookie),
"Add to cart", then the cart page, whose `ws-connect` token the second tab's socket uses, as
the htmx `ws` extension would. Each round the first tab sets the line's quantity with an htmx
POST (CSRF header), and the time runs from sending that POST to the second tab's socket
receiving the cart fragment whose `#cart-count` shows the new quantity.
"""

import asyncio
import re
import time
from typing import Any

import aiohttp
from websockets.asyncio.client import connect

from commerce.catalog.models import Variant

from .common import daphne, latency_summary, log, median, percentile

TOKEN_RE = re.compile(r'ws-connect="/ws/live/\?t=([^"]+)"')
COUNT_RE = re.compile(r'id="cart-count"[^>]*>\s*(\d+)\s*<')


def _variant() -> tuple[str, int]:
    variant = (
        Variant.objects.select_related("product")
        .filter(is_active=True, stock__gte=10, product__is_published=True, product__deleted_at__isnull=True)
        .order_by("-pk")
        .first()
    )
    if variant is None:
        raise RuntimeError("no variant with stock: run seed_demo first")
    return variant.product.slug, variant.pk


async def _drain(messages: "asyncio.Queue[tuple[float, str]]", quiet: float = 0.5) -> None:
    """Drop what arrived so far (the snapshots sent on connect), until `quiet` seconds pass without any."""
    while True:
        try:
            await asyncio.wait_for(messages.get(), timeout=quiet)
        except TimeoutError:
            return


async def _session(base: str, port: int, slug: str, variant_pk: int, rounds: int) -> dict[str, Any]:
    jar = aiohttp.CookieJar(unsafe=True)  # keep the cookies of 127.0.0.1
    async with aiohttp.ClientSession(base_url=base, cookie_jar=jar) as http:
        async with http.get(f"/products/{slug}/") as response:
            response.raise_for_status()
            await response.read()
        cookies = {c.key: c.value for c in jar}
        headers = {"X-CSRFToken": cookies["csrftoken"], "HX-Request": "true"}
        async with http.post("/cart/add/", data={"variant": variant_pk, "quantity": 1}, headers=headers) as response:
            response.raise_for_status()
            await response.read()
        async with http.get("/cart/") as response:
            response.raise_for_status()
            page = await response.text()
        found = TOKEN_RE.search(page)
        if found is None:
            raise RuntimeError("the cart page names no live socket (ws-connect)")
        cookies = {c.key: c.value for c in jar}
        socket = await connect(
            f"ws://127.0.0.1:{port}/ws/live/?t={found.group(1)}",
            additional_headers={"Cookie": f"sessionid={cookies['sessionid']}"},
            origin=f"http://127.0.0.1:{port}",  # type: ignore[arg-type]
            compression=None,
            ping_interval=None,
        )
        messages: asyncio.Queue[tuple[float, str]] = asyncio.Queue()

        async def read() -> None:
            async for message in socket:
                messages.put_nowait((time.monotonic(), str(message)))

        reader = asyncio.create_task(read())
        await _drain(messages)
        pushed: list[float] = []
        answered: list[float] = []
        lost = 0
        try:
            for i in range(rounds):
                quantity = 2 + i % 3
                sent = time.monotonic()
                async with http.post(
                    f"/cart/items/{variant_pk}/", data={"quantity": quantity}, headers=headers
                ) as response:
                    await response.read()
                    if response.status != 200:
                        raise RuntimeError(f"cart update answered {response.status}")
                answered.append((time.monotonic() - sent) * 1000)
                deadline = sent + 5
                while True:
                    try:
                        arrived, text = await asyncio.wait_for(
                            messages.get(), timeout=max(0.0, deadline - time.monotonic())
                        )
                    except TimeoutError:
                        lost += 1
                        break
                    count = COUNT_RE.search(text)
                    if count and int(count.group(1)) == quantity:
                        pushed.append((arrived - sent) * 1000)
                        break
                await asyncio.sleep(0.03)
        finally:
            reader.cancel()
            await socket.close()
    return {"push": pushed, "answer": answered, "lost": lost}


def run(*, runs: int, rounds: int) -> dict[str, Any]:
    """`runs` runs of `rounds` rounds each, every run a fresh browser session and socket."""
    slug, variant_pk = _variant()
    per_run = []
    with daphne("cart") as server:
        # The first rounds warm the server up (imports, templates, connections); they are not counted.
        asyncio.run(_session(server.url, server.port, slug, variant_pk, 10))
        for _ in range(runs):
            per_run.append(asyncio.run(_session(server.url, server.port, slug, variant_pk, rounds)))
    push = [[*r["push"]] for r in per_run]
    result = {
        "runs": runs,
        "rounds": rounds,
        "push": latency_summary([v for r in push for v in r]),
        "answer": latency_summary([v for r in per_run for v in r["answer"]]),
        "run_p50": [percentile(r, 50) for r in push],
        "run_p99": [percentile(r, 99) for r in push],
        "lost": sum(r["lost"] for r in per_run),
    }
    log(
        f"cart sync: push p50 {median(result['run_p50']):.1f} p99 {median(result['run_p99']):.1f} ms (medians of"
        f" {runs} runs), HTTP answer p50 {result['answer']['p50']:.1f} ms, lost {result['lost']}"
    )
    return result
