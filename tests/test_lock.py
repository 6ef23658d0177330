"""The lock files hold what pyproject.toml asks for, pinned and hashed: the image installs requirements.lock,
`make venv` and CI install requirements-dev.lock, both with pip's --require-hashes (`make lock` writes them).

Offline and fast: the files are read, nothing is resolved or downloaded.
"""

import hashlib
import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
RUNTIME = [Requirement(line) for line in PROJECT["dependencies"]]
DEV = [Requirement(line) for line in PROJECT["optional-dependencies"]["dev"]]
LOCKS = {"requirements.lock": RUNTIME, "requirements-dev.lock": RUNTIME + DEV}
DIGEST_LINE = "# pyproject-dependencies-sha256: "
HASH = re.compile(r"sha256:[0-9a-f]{64}")


@dataclass(frozen=True)
class Pin:
    version: Version
    hashes: tuple[str, ...]


def read_lock(name: str) -> dict[str, Pin]:
    """Each package of a lock file: its pinned version and hashes, by normalised name."""
    text = (ROOT / name).read_text().replace("\\\n", " ")
    pins: dict[str, Pin] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        requirement, *hashes = re.split(r"\s+--hash=", line)
        parsed = Requirement(requirement)
        (specifier,) = parsed.specifier
        assert specifier.operator == "==", f"{name}: not pinned: {requirement}"
        pins[canonicalize_name(parsed.name)] = Pin(Version(specifier.version), tuple(h.strip() for h in hashes))
    return pins


def pyproject_digest() -> str:
    """The digest deploy/lock.py writes in each lock's header: requires-python and both lists, sorted."""
    lists = {
        "requires-python": PROJECT["requires-python"],
        "dependencies": sorted(PROJECT["dependencies"]),
        "dev": sorted(PROJECT["optional-dependencies"]["dev"]),
    }
    return hashlib.sha256(json.dumps(lists, sort_keys=True).encode()).hexdigest()


@pytest.mark.parametrize("name", LOCKS)
def test_the_lock_was_made_from_this_pyproject(name):
    digests = [
        line.removeprefix(DIGEST_LINE)
        for line in (ROOT / name).read_text().splitlines()
        if line.startswith(DIGEST_LINE)
    ]

    assert digests == [pyproject_digest()], f"pyproject.toml's dependencies changed since {name}: run `make lock`"


@pytest.mark.parametrize("name", LOCKS)
def test_every_requirement_is_pinned_at_a_version_it_allows(name):
    pins = read_lock(name)
    wanted = LOCKS[name]

    missing = [str(req) for req in wanted if canonicalize_name(req.name) not in pins]
    refused = {
        str(req): str(pins[canonicalize_name(req.name)].version)
        for req in wanted
        if canonicalize_name(req.name) in pins
        and not req.specifier.contains(pins[canonicalize_name(req.name)].version, prereleases=True)
    }
    assert missing == []
    assert refused == {}


@pytest.mark.parametrize("name", LOCKS)
def test_every_pin_has_its_hashes(name):
    pins = read_lock(name)

    assert len(pins) > len(LOCKS[name])  # the dependencies' own dependencies are pinned too
    unhashed = sorted(package for package, pin in pins.items() if not pin.hashes)
    malformed = sorted(h for pin in pins.values() for h in pin.hashes if not HASH.fullmatch(h))
    assert unhashed == []
    assert malformed == []


def test_the_tests_run_the_versions_the_image_ships():
    runtime = read_lock("requirements.lock")
    dev = read_lock("requirements-dev.lock")

    differing = {
        package: (str(pin.version), str(dev[package].version) if package in dev else None)
        for package, pin in runtime.items()
        if package not in dev or dev[package].version != pin.version
    }
    assert differing == {}
    assert {"pytest", "playwright", "ruff", "uv"}.isdisjoint(runtime)  # no test or build tools in the image
    assert {"pytest", "playwright", "ruff", "uv"} <= dev.keys()


def test_the_venv_and_the_image_install_from_the_locks_with_hashes():
    makefile = (ROOT / "Makefile").read_text()
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert "DEV_LOCK := requirements-dev.lock" in makefile
    assert "$(STAMP): $(DEV_LOCK) pyproject.toml" in makefile  # a new lock re-makes the venv
    assert "pip install --quiet --require-hashes -r $(DEV_LOCK)" in makefile
    assert "pip install --quiet --no-deps -e ." in makefile
    assert "pip install --require-hashes -r requirements.lock" in dockerfile
    assert "pip install --no-deps ." in dockerfile
