"""What every benchmark shares: statistics, the processes it starts (Daphne, client processes, the
bare WebSocket server), signed socket tokens, and the description of the machine."""

import json
import os
import platform
import queue
import resource
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
LOG_DIR = ROOT / "var" / "bench"
PYTHON = sys.executable


# --- Statistics ---------------------------------------------------------------------------


def percentile(samples: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (p50 of [1, 2, 3, 4] is 2); NaN for no samples."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), int(-(-pct * len(ordered) // 100))))
    return ordered[rank - 1]


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples) if samples else float("nan")


def spread(values: Sequence[float]) -> dict[str, float]:
    """Median and range of one figure over repeated runs."""
    return {
        "median": median(values),
        "min": min(values, default=float("nan")),
        "max": max(values, default=float("nan")),
    }


def latency_summary(samples_ms: Sequence[float]) -> dict[str, float]:
    return {
        "n": len(samples_ms),
        "p50": percentile(samples_ms, 50),
        "p95": percentile(samples_ms, 95),
        "p99": percentile(samples_ms, 99),
        "max": max(samples_ms, default=float("nan")),
    }


def log(message: str) -> None:
    stamp = time.strftime("%H:%M:%S")
    sys.stderr.write(f"[bench {stamp}] {message}\n")
    sys.stderr.flush()


# --- Processes ----------------------------------------------------------------------------


def raise_nofile() -> None:
    """Raise this process's open-files limit to the hard limit (children inherit it)."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_kib(pid: int) -> int:
    """Resident set size of a process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


class LineProcess:
    """A child process spoken to in JSON lines over its stdin and stdout."""

    def __init__(self, args: list[str], *, env: dict[str, str], log_name: str) -> None:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.log_path = LOG_DIR / f"{log_name}.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            bufsize=1,
            start_new_session=True,
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def send(self, command: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()

    def receive(self, timeout: float = 120) -> dict[str, Any]:
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"{self.log_path.name}: no answer in {timeout}s") from None
        if line is None:
            tail = self.log_path.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{self.log_path.name} exited ({self.process.poll()}):\n{tail}")
        result: dict[str, Any] = json.loads(line)
        return result

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=15)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self._log.close()


@dataclass
class RoundResult:
    times: list[float] = field(default_factory=list)
    missing: int = 0


class ClientGroup:
    """Several `ws_clients` processes, all holding sockets to one URL."""

    def __init__(self, name: str, *, processes: int, url: str, headers: dict[str, str], origin: str) -> None:
        config = {"url": url, "headers": headers, "origin": origin, "concurrency": 24}
        self.members = [
            LineProcess(
                [PYTHON, "-m", "tests.bench.ws_clients", json.dumps(config)],
                env=child_env(),
                log_name=f"{name}-clients-{i}",
            )
            for i in range(processes)
        ]
        self.size = 0

    def open(self, total: int, timeout: float = 300) -> dict[str, Any]:
        """Open sockets until the group holds `total`, spread evenly over its processes."""
        wanted = total - self.size
        shares = [
            wanted // len(self.members) + (1 if i < wanted % len(self.members) else 0) for i in range(len(self.members))
        ]
        for member, share in zip(self.members, shares, strict=True):
            member.send({"cmd": "open", "n": share})
        ok = failed = 0
        errors: list[str] = []
        for member in self.members:
            answer = member.receive(timeout)
            ok += answer["ok"]
            failed += answer["failed"]
            errors += answer["errors"]
        self.size += ok
        return {"ok": ok, "failed": failed, "errors": errors[:5]}

    def arm(self, match: str, timeout: float = 10) -> None:
        for member in self.members:
            member.send({"cmd": "arm", "match": match, "timeout": timeout})
        for member in self.members:
            member.receive(30)

    def collect(self, timeout: float = 60) -> RoundResult:
        result = RoundResult()
        for member in self.members:
            answer = member.receive(timeout)
            result.times += answer["times"]
            result.missing += answer["missing"]
        return result

    def count(self) -> int:
        for member in self.members:
            member.send({"cmd": "count"})
        return sum(member.receive(60)["open"] for member in self.members)

    def close(self) -> None:
        for member in self.members:
            if member.process.poll() is None:
                member.send({"cmd": "close"})
        for member in self.members:
            with suppress(TimeoutError, RuntimeError):  # it is stopped next in any case
                member.receive(120)
            member.stop()


def child_env(**overrides: str) -> dict[str, str]:
    """The environment of a child process: this one's (services mode URLs included), plus overrides."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **overrides}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


@dataclass
class Server:
    url: str
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def ws_origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rss_kib(self) -> int:
        return rss_kib(self.process.pid)


def _wait_http(url: str, process: subprocess.Popen[bytes], log_path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log_path.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"server exited with {process.returncode}:\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - a loopback URL we built
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout}s")


@contextmanager
def daphne(
    name: str, *, settings: str = "tests.bench.settings", application: str = "project.asgi:application", **env: str
) -> Iterator[Server]:
    """One Daphne process on a free port, serving the store in the services mode (plus /bench/trivial/).

    Flags as in deploy/docker-entrypoint.sh, plus a listen backlog large enough for the
    connection bursts of the benchmarks. `settings` is its DJANGO_SETTINGS_MODULE: the store's
    plus the trivial view by default, `tests.bench.settings_bare` for the empty-middleware floor,
    which runs Django's own ASGI handler (`application`: tests.bench.asgi_bare), not the store's.
    """
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log_path = LOG_DIR / f"{name}-daphne.log"
    args = [PYTHON, "-m", "daphne", "-e", f"tcp:port={port}:interface=127.0.0.1:backlog=4096"]
    args += ["--application-close-timeout", "10", application]
    # Thousands of sockets come from 127.0.0.1 here: far past the store's limit per client address.
    env = {"REALTIME_MAX_SOCKETS_PER_ADDRESS": "100000", **env}
    child = child_env(DJANGO_SETTINGS_MODULE=settings, LOG_LEVEL="WARNING", **env)
    child.pop("DATABASE_POOL", None)  # the server keeps the store's default: a connection pool
    with log_path.open("wb") as out:
        process = subprocess.Popen(
            args, cwd=ROOT, env=child, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        server = Server(url=f"http://127.0.0.1:{port}", port=port, process=process, log_path=log_path)
        try:
            _wait_http(f"{server.url}/healthz", process, log_path)
            yield server
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=5)


@contextmanager
def floor_server(name: str, snapshot: str) -> Iterator[tuple[LineProcess, int]]:
    """The bare `websockets` broadcast server (ws_floor.py) and its port."""
    server = LineProcess([PYTHON, "-m", "tests.bench.ws_floor", snapshot], env=child_env(), log_name=f"{name}-floor")
    try:
        yield server, int(server.receive(30)["port"])
    finally:
        server.stop()


# --- Sockets of the store -------------------------------------------------------------------


def guest_session() -> str:
    """A guest session in the database, as a first page view leaves behind: its key for the cookie."""
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store.create()
    return str(store.session_key)


def socket_token(session_key: str, topics: list[str]) -> str:
    """A token for /ws/live/, signed as a view signs it (see tests/realtime/test_consumers.py)."""
    from django.core import signing

    from realtime.topics import SALT

    return signing.dumps({"t": sorted(topics), "b": f"s:{session_key}"}, salt=SALT, compress=True)


def store_clients(name: str, server: Server, topics: list[str], *, processes: int) -> ClientGroup:
    session_key = guest_session()
    url = f"ws://127.0.0.1:{server.port}/ws/live/?t={socket_token(session_key, topics)}"
    headers = {"Cookie": f"sessionid={session_key}"}
    return ClientGroup(name, processes=processes, url=url, headers=headers, origin=server.ws_origin)


# --- The machine --------------------------------------------------------------------------


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def machine() -> dict[str, str]:
    mem_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            mem_kib = int(line.split()[1])
    os_name = "Linux"
    release = Path("/etc/os-release")
    if release.exists():
        for line in release.read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = line.split("=", 1)[1].strip('"')
    return {
        "cores": str(os.cpu_count()),
        "cpu": _cpu_model(),
        "memory": f"{mem_kib / 1024 / 1024:.1f} GiB",
        "kernel": platform.release(),
        "os": os_name,
        "open files (hard limit)": str(resource.getrlimit(resource.RLIMIT_NOFILE)[1]),
    }


def versions() -> dict[str, str]:
    import psycopg
    import redis
    from django.conf import settings

    found = {"Python": platform.python_version()}
    for package in ["Django", "channels", "daphne", "channels-redis", "Twisted", "websockets", "psycopg", "aiohttp"]:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    found["Redis"] = str(redis.Redis.from_url(settings.REDIS_URL).info("server")["redis_version"])
    with psycopg.connect(database_url(), autocommit=True) as conn:
        row = conn.execute("SHOW server_version").fetchone()
        found["PostgreSQL"] = str(row[0]) if row else "unknown"
    return found


def database_url() -> str:
    return os.environ["DATABASE_URL"]
