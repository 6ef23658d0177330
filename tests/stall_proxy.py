"""A TCP proxy on loopback that can pass, stall or drop the traffic to a server (Redis, PostgreSQL).

A stall is what a hung server looks like from outside: connections are accepted and bytes sent are
taken, but nothing comes back. A drop closes every connection and refuses new ones' traffic.

    with StallProxy("127.0.0.1", 6379) as proxy:      # proxy.port: point REDIS_URL at it
        proxy.stall()                                  # from now on nothing is answered
        proxy.drop()                                   # every connection is closed
        proxy.flow()                                   # traffic passes again (held bytes go on)
"""

import select
import socket
import threading
from types import TracebackType

FLOW, STALL, DROP = "flow", "stall", "drop"


class StallProxy:
    def __init__(self, host: str, port: int) -> None:
        self.upstream = (host, port)
        self.mode = FLOW
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self._closed = threading.Event()

    def __enter__(self) -> "StallProxy":
        threading.Thread(target=self._accept, daemon=True, name="stall-proxy").start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self._closed.set()
        self._listener.close()
        self._close_all()

    def flow(self) -> None:
        self.mode = FLOW

    def stall(self) -> None:
        self.mode = STALL

    def drop(self) -> None:
        self.mode = DROP
        self._close_all()

    def _close_all(self) -> None:
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            for end in pair:
                end.close()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.mode == DROP:
                client.close()
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._pairs.append((client, server))
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    def _pump(self, client: socket.socket, server: socket.socket) -> None:
        """Copy both ways while flowing; while stalled, read nothing (the kernel buffers fill, as on a hung peer)."""
        ends = {client: server, server: client}
        try:
            while not self._closed.is_set():
                if self.mode != FLOW:
                    if self.mode == DROP:
                        return
                    self._closed.wait(0.02)
                    continue
                readable, _, _ = select.select(list(ends), [], [], 0.05)
                for end in readable:
                    data = end.recv(65536)
                    if not data:
                        return
                    ends[end].sendall(data)
        except OSError:
            return
        finally:
            client.close()
            server.close()
