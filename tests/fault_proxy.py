"""A small HTTP proxy on loopback that forwards to localstripe and answers some requests itself,
as Stripe does during an outage (500) or when it refuses a request (400 with an error body).

    with FaultProxy(localstripe_url) as proxy:
        proxy.fail("POST", "/v1/refunds", times=2)      # the next two refund calls get a 500
        proxy.refuse("POST", "/v1/refunds", "Charge already refunded.")
        ...
        proxy.seen("POST", "/v1/refunds")               # the Idempotency-Key of each call that came in
"""

import http.client
import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit


@dataclass
class Rule:
    method: str
    path: str
    times: int  # answers left; -1: every time
    status: int
    body: dict[str, object]


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    idempotency_key: str | None
    answered: int


class FaultProxy:
    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self.rules: list[Rule] = []
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base's name
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                rule = proxy._take(self.command, self.path)
                if rule is not None:
                    status, payload = rule.status, json.dumps(rule.body).encode()
                    headers = [("Content-Type", "application/json")]
                else:
                    status, payload, headers = proxy._forward(self.command, self.path, self.headers, body)
                with proxy._lock:
                    proxy.requests.append(
                        Seen(self.command, self.path.split("?")[0], self.headers.get("Idempotency-Key"), status)
                    )
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_DELETE = _handle  # noqa: N815 - http.server's names

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "FaultProxy":
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=10)

    def fail(self, method: str, path: str, *, times: int = 1, status: int = 500) -> None:
        """The next `times` matching requests get `status` with Stripe's api_error body (-1: all)."""
        body = {"error": {"type": "api_error", "message": "An unknown error occurred."}}
        with self._lock:
            self.rules.append(Rule(method.upper(), path, times, status, body))

    def refuse(self, method: str, path: str, message: str, *, times: int = -1) -> None:
        """Matching requests get a 400 invalid_request_error with `message`, as Stripe refuses one."""
        body = {"error": {"type": "invalid_request_error", "message": message}}
        with self._lock:
            self.rules.append(Rule(method.upper(), path, times, 400, body))

    def heal(self) -> None:
        with self._lock:
            self.rules.clear()

    def seen(self, method: str, path: str) -> list[Seen]:
        with self._lock:
            return [r for r in self.requests if r.method == method.upper() and r.path.startswith(path)]

    def _take(self, method: str, path: str) -> Rule | None:
        with self._lock:
            for rule in self.rules:
                if rule.method == method and path.split("?")[0].startswith(rule.path) and rule.times != 0:
                    if rule.times > 0:
                        rule.times -= 1
                    return rule
        return None

    def _forward(
        self, method: str, path: str, headers: object, body: bytes
    ) -> tuple[int, bytes, list[tuple[str, str]]]:
        connection = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=30)
        try:
            sent = {k: v for k, v in headers.items() if k.lower() not in {"host", "connection"}}  # type: ignore[attr-defined]
            connection.request(method, path, body=body or None, headers=sent)
            response = connection.getresponse()
            payload = response.read()
            kept = [(k, v) for k, v in response.getheaders() if k.lower() == "content-type"]
            return response.status, payload, kept
        finally:
            connection.close()
