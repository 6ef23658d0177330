"""Each kind of store process (web, worker, beat, manage.py), started with only the environment a test
gives it: how the settings checks at start-up are tested. A plain module shared by those tests."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROCESSES = {
    "web": [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", "0", "project.asgi:application"],
    "worker": [sys.executable, "-m", "celery", "-A", "project", "worker", "--pool", "solo"],
    "beat": [sys.executable, "-m", "celery", "-A", "project", "beat", "--schedule", "/dev/null"],
    "manage.py": [sys.executable, "manage.py", "check"],
}


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run with only `env` (nothing leaks in from the test run's own environment)."""
    clean = {"PATH": "/usr/bin:/bin", "HOME": str(ROOT / "var"), "DJANGO_SETTINGS_MODULE": "project.settings", **env}
    return subprocess.run(args, cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60, check=False)
