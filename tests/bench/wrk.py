"""Closed-loop HTTP load with `wrk` (a C load generator: far lighter than Python on 2 cores).

`wrk` keeps no cookies: every request is sent with the same headers, so without a Cookie header
each one is a first visit, and with one (`cookie=`) each one is the same returning visitor.
The figures come from tests/bench/wrk_report.lua (wrk's `done` hook) as one JSON line.
"""

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from .common import cpu_seconds

REPORT = Path(__file__).with_name("wrk_report.lua")


def wrk_path() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise RuntimeError("`wrk` is not installed: apt-get install wrk (the HTTP benchmarks use it for the load)")
    return found


def wrk(
    url: str,
    *,
    connections: int,
    seconds: int,
    cookie: str | None = None,
    threads: int = 1,
    server_pid: int | None = None,
) -> dict[str, Any]:
    """One wrk run against `url`; with `server_pid`, that process's CPU time per answered request."""
    args = [wrk_path(), "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s"]
    args += ["-s", str(REPORT)]
    if cookie:
        args += ["-H", f"Cookie: {cookie}"]
    cpu_before = cpu_seconds(server_pid) if server_pid else 0.0
    done = subprocess.run([*args, url], capture_output=True, text=True, timeout=seconds + 60, check=False)
    cpu_spent = cpu_seconds(server_pid) - cpu_before if server_pid else float("nan")
    lines = [line for line in done.stdout.splitlines() if line.startswith("WRK_JSON ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr[-500:]} {done.stdout[-500:]}")
    raw = json.loads(lines[-1].removeprefix("WRK_JSON "))
    seconds_run = raw["duration_us"] / 1e6
    requests = raw["requests"]
    errors = sum(raw[key] for key in ["connect", "read", "write", "status", "timeout"])
    return {
        "rps": requests / seconds_run,
        "requests": requests,
        "seconds": seconds_run,
        "bytes_per_request": raw["bytes"] / max(1, requests),
        "errors": errors,
        "error_kinds": {key: raw[key] for key in ["connect", "read", "write", "status", "timeout"] if raw[key]},
        "server_cpu_ms": cpu_spent * 1000 / max(1, requests),
        "server_cpu_share": cpu_spent / seconds_run,
        **{key: raw[key] / 1000 for key in ["p50", "p90", "p95", "p99", "max", "mean"]},
    }
