"""Pin pyproject.toml's dependencies with their hashes (`make lock`): requirements.lock (what the image
installs) and requirements-dev.lock (the same pins plus the dev extra: what `make venv` and CI install).

Both are resolved by uv for Python 3.11 on Linux x86_64 (the image's and CI's), and each starts with the
sha256 of pyproject's dependency lists, so tests/test_lock.py sees a lock older than the pyproject.
The dev lock is resolved under the runtime lock's pins (`-c requirements.lock`): the tests run the very
versions the image ships. uv keeps a pin that still fits; `LOCK_ARGS=--upgrade` (or
`--upgrade-package NAME`) moves them.
"""

import argparse
import hashlib
import json
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON_VERSION = "3.11"
PLATFORM = "x86_64-manylinux_2_28"  # uv's name for Linux x86_64 with glibc 2.28+ (Debian bookworm has 2.36)
DIGEST_LINE = "# pyproject-dependencies-sha256: "
LOCKS = {
    "requirements.lock": ("runtime", []),
    "requirements-dev.lock": ("runtime and the dev extra", ["--extra", "dev", "-c", "requirements.lock"]),
}


def dependencies_digest(pyproject: dict[str, Any]) -> str:
    """sha256 of what the locks are made from: requires-python and the two dependency lists (in any order)."""
    project = pyproject["project"]
    lists = {
        "requires-python": project["requires-python"],
        "dependencies": sorted(project["dependencies"]),
        "dev": sorted(project["optional-dependencies"]["dev"]),
    }
    return hashlib.sha256(json.dumps(lists, sort_keys=True).encode()).hexdigest()


def header(name: str, what: str, digest: str) -> str:
    return (
        f"# {name}: the {what} dependencies of pyproject.toml, pinned with their hashes\n"
        f"# for Python {PYTHON_VERSION} on Linux x86_64. Do not edit: change pyproject.toml, run `make lock`\n"
        "# (deploy/lock.py, uv pip compile) and commit both. tests/test_lock.py checks the digest below.\n"
        f"{DIGEST_LINE}{digest}\n"
    )


def compile_lock(uv: str, name: str, what: str, extra_args: list[str], digest: str) -> None:
    path = ROOT / name
    command = [
        uv, "pip", "compile", "pyproject.toml", "--quiet", "--generate-hashes",
        "--python-version", PYTHON_VERSION, "--python-platform", PLATFORM,
        "--custom-compile-command", "make lock", "-o", name, *extra_args,
    ]  # fmt: skip
    subprocess.run(command, cwd=ROOT, check=True)  # noqa: S603 (our own command line)
    path.write_text(header(name, what, digest) + path.read_text())  # uv rewrites the whole file


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uv", default="uv", help="the uv command (the venv's, from the dev extra)")
    args, uv_args = parser.parse_known_args()  # the rest goes to uv pip compile: --upgrade, ...
    digest = dependencies_digest(tomllib.loads((ROOT / "pyproject.toml").read_text()))
    for name, (what, extra_args) in LOCKS.items():
        compile_lock(args.uv, name, what, [*extra_args, *uv_args], digest)
        print(f"wrote {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
