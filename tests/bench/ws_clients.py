"""A process holding many WebSocket clients (the `websockets` library), driven over stdin/stdout.

Started by the harness, several at once, so the clients do not share one event loop with each
other nor with the server. One JSON object a line each way:

    {"cmd": "open", "n": 500}           -> {"event": "opened", "ok": 500, "failed": 0, "errors": [...]}
    {"cmd": "arm", "match": "...", "timeout": 10}
                                        -> {"event": "armed"}, then once every socket has received a
                                           message containing `match` (or the timeout passed):
                                           {"event": "round", "times": [...], "missing": 0}
    {"cmd": "count"}                    -> {"event": "count", "open": 500}
    {"cmd": "close"}                    -> {"event": "closed"}, and the process exits

Times are `time.monotonic()`: CLOCK_MONOTONIC, one clock for every process on the machine, so the
harness subtracts the instant of the commit (or of the bare server's broadcast) from them.
Each socket must first get one message (the snapshot the server sends on connect) before it
counts as open. Compression and client pings are off, as in the bare server: what is measured
is the server's path.
"""

import asyncio
import contextlib
import json
import resource
import sys
import time
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.protocol import State


def raise_nofile() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def emit(event: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


class Clients:
    def __init__(self, config: dict[str, Any]) -> None:
        self.url: str = config["url"]
        self.headers: dict[str, str] = config.get("headers", {})
        self.origin: str | None = config.get("origin")
        self.concurrency: int = config.get("concurrency", 32)
        self.snapshot_timeout: float = config.get("snapshot_timeout", 30.0)
        self.sockets: list[ClientConnection] = []
        self.readers: list[asyncio.Task[None]] = []
        self.times: list[float | None] = []
        self.match: str | None = None
        self.waiting = 0
        self.done = asyncio.Event()

    async def open(self, n: int) -> dict[str, Any]:
        gate = asyncio.Semaphore(self.concurrency)
        errors: list[str] = []

        async def one() -> None:
            async with gate:
                try:
                    ws = await connect(
                        self.url,
                        additional_headers=self.headers,
                        origin=self.origin,  # type: ignore[arg-type]
                        compression=None,
                        ping_interval=None,
                        open_timeout=60,
                        close_timeout=5,
                        max_queue=None,
                    )
                except Exception as exc:
                    errors.append(repr(exc)[:200])
                    return
                try:
                    await asyncio.wait_for(ws.recv(), timeout=self.snapshot_timeout)
                except Exception as exc:
                    errors.append(f"no snapshot: {exc!r}"[:200])
                    await ws.close()
                    return
                slot = len(self.sockets)
                self.sockets.append(ws)
                self.times.append(None)
                self.readers.append(asyncio.create_task(self.read(ws, slot)))

        before = len(self.sockets)
        await asyncio.gather(*(one() for _ in range(n)))
        return {"event": "opened", "ok": len(self.sockets) - before, "failed": len(errors), "errors": errors[:5]}

    async def read(self, ws: ClientConnection, slot: int) -> None:
        try:
            async for message in ws:
                if self.match is not None and self.times[slot] is None:
                    text = message if isinstance(message, str) else message.decode()
                    if self.match in text:
                        self.times[slot] = time.monotonic()
                        self.waiting -= 1
                        if self.waiting == 0:
                            self.done.set()
        except Exception:  # a dropped socket shows up as missing in the next round
            return

    async def arm(self, match: str, wait: float) -> None:
        self.times = [None] * len(self.sockets)
        self.waiting = len(self.sockets)
        self.done = asyncio.Event()
        self.match = match
        emit({"event": "armed"})
        if self.waiting:
            with contextlib.suppress(TimeoutError):  # the sockets still waiting count as missing
                await asyncio.wait_for(self.done.wait(), timeout=wait)
        self.match = None
        received = [t for t in self.times if t is not None]
        emit({"event": "round", "times": received, "missing": len(self.times) - len(received)})

    def count(self) -> int:
        return sum(1 for ws in self.sockets if ws.state is State.OPEN)

    async def close(self) -> None:
        gate = asyncio.Semaphore(256)

        async def one(ws: ClientConnection) -> None:
            async with gate:
                try:
                    await ws.close()
                except Exception:  # already gone
                    return

        await asyncio.gather(*(one(ws) for ws in self.sockets))
        for task in self.readers:
            task.cancel()


async def main() -> None:
    raise_nofile()
    config = json.loads(sys.argv[1])
    clients = Clients(config)
    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    while line := await stdin.readline():
        command = json.loads(line)
        match command["cmd"]:
            case "open":
                emit(await clients.open(int(command["n"])))
            case "arm":
                await clients.arm(command["match"], float(command.get("timeout", 10)))
            case "count":
                emit({"event": "count", "open": clients.count()})
            case "close":
                await clients.close()
                emit({"event": "closed"})
                return


if __name__ == "__main__":
    asyncio.run(main())
