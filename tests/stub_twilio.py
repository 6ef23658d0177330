"""A stub Twilio REST API on loopback that records what it is sent (Twilio's servers cannot run here).

By default it answers every POST with 201 and a queued message. Tests queue other replies
(errors, slow answers), or hold requests at a gate to catch a sender in the middle of a call.
Like Twilio with `I-Twilio-Idempotency-Token`, a request repeating a token it has already
accepted gets the same message back and sends nothing new: `messages` holds what went out.
"""

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "twilio-test-token"
FROM_NUMBER = "+15005550006"
IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token"


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, list[str]]


@dataclass
class Reply:
    status: int
    body: dict[str, object]
    delay: float = 0.0


def message_json(sid: str = "SM" + "1" * 32, to: str = "+14155552671", body: str = "hi") -> dict[str, object]:
    return {"sid": sid, "status": "queued", "to": to, "from": FROM_NUMBER, "body": body, "account_sid": ACCOUNT_SID}


@dataclass
class StubTwilio:
    url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)
    # Messages accepted for sending, by idempotency token (or a fresh key when a request has none).
    messages: dict[str, dict[str, object]] = field(default_factory=dict)
    gate: threading.Event = field(default_factory=threading.Event)
    arrived: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.gate.set()

    def reply(self, status: int, body: dict[str, object], delay: float = 0.0) -> None:
        self.replies.append(Reply(status, body, delay))

    def error(self, status: int, code: int, message: str = "Twilio says no") -> None:
        """Queue an error in Twilio's format."""
        self.reply(status, {"code": code, "message": message, "more_info": "", "status": status})

    def hold(self) -> None:
        """Accept requests but keep their answers back until `release()`: the sender waits mid-call."""
        self.arrived.clear()
        self.gate.clear()

    def release(self) -> None:
        self.gate.set()

    def wait_for_request(self, timeout: float) -> bool:
        return self.arrived.wait(timeout)

    def handle(self, recorded: Recorded) -> Reply:
        with self.lock:
            self.requests.append(recorded)
            reply = self.replies.pop(0) if self.replies else None
            if reply is None:
                token = recorded.headers.get(IDEMPOTENCY_HEADER) or f"request-{len(self.requests)}"
                if token not in self.messages:
                    sid = f"SM{len(self.messages) + 1:032d}"
                    to = recorded.form.get("To", [""])[0]
                    self.messages[token] = message_json(sid, to=to, body=recorded.form.get("Body", [""])[0])
                reply = Reply(201, self.messages[token])
        self.arrived.set()
        return reply


@contextmanager
def stub_twilio_server() -> Iterator[StubTwilio]:
    """Serve a StubTwilio from a thread on a free loopback port until the block ends."""
    stub = StubTwilio()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            reply = stub.handle(Recorded("POST", self.path, dict(self.headers.items()), parse_qs(raw)))
            stub.gate.wait(60)
            if reply.delay:
                time.sleep(reply.delay)
            payload = json.dumps(reply.body).encode()
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeouts, a killed worker)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    stub.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield stub
    finally:
        stub.release()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
