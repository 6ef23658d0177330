"""The fan-out floor: a bare `websockets` server that sends one string to every connected client.

No Django, no channel layer, no token: on connect it sends the snapshot it was started with (as
the store does), and on {"cmd": "broadcast", "html": ...} from stdin it stamps `time.monotonic()`
and hands the string to `websockets.asyncio.server.broadcast`, then answers
{"event": "sent", "t0": ..., "n": ...}. It prints {"event": "listening", "port": ...} first.
"""

import asyncio
import json
import sys
import time

from websockets.asyncio.server import ServerConnection, broadcast, serve

from tests.bench.ws_clients import emit, raise_nofile


async def main() -> None:
    raise_nofile()
    snapshot = sys.argv[1]
    connected: set[ServerConnection] = set()

    async def handler(ws: ServerConnection) -> None:
        connected.add(ws)
        try:
            await ws.send(snapshot)
            await ws.wait_closed()
        finally:
            connected.discard(ws)

    async with serve(handler, "127.0.0.1", 0, compression=None, ping_interval=None, backlog=4096) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        emit({"event": "listening", "port": port})
        loop = asyncio.get_running_loop()
        stdin = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
        while line := await stdin.readline():
            command = json.loads(line)
            if command["cmd"] == "broadcast":
                t0 = time.monotonic()
                broadcast(connected, command["html"])
                emit({"event": "sent", "t0": t0, "n": len(connected)})
            elif command["cmd"] == "count":
                emit({"event": "count", "open": len(connected)})


if __name__ == "__main__":
    asyncio.run(main())
