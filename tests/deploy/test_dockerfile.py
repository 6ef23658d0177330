"""The Dockerfile passes hadolint, and the image is built the way deploy/ expects to run it."""

import re
from fnmatch import fnmatch

from tests.deploy.tools import DEPLOY, ROOT, run, tool

DOCKERFILE = ROOT / "Dockerfile"


def test_hadolint_finds_nothing():
    result = run(tool("hadolint"), "--no-color", str(DOCKERFILE))

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_one_image_for_every_role():
    text = DOCKERFILE.read_text()
    stages = re.findall(r"^FROM (\S+)", text, flags=re.MULTILINE)

    assert stages == ["python:3.11-slim-bookworm", "python:3.11-slim-bookworm"]  # builder, runtime
    assert re.search(r"^USER 10001:10001$", text, flags=re.MULTILINE), "runs as the non-root user"
    assert "collectstatic --noinput" in text
    assert re.search(r"^HEALTHCHECK .*\n.*/healthz", text, flags=re.MULTILINE)
    assert 'ENTRYPOINT ["docker-entrypoint.sh"]' in text
    # Only the lock and pyproject.toml before the dependency install: code changes keep that layer cached.
    install = text.index("pip install --require-hashes -r requirements.lock")
    assert text.rindex("COPY", 0, install) == text.index("COPY requirements.lock pyproject.toml ./")
    # Then the project alone: every dependency it has came from the lock, checked against its hashes.
    assert text.index("pip install --no-deps .", install) < text.index("FROM", install)


def test_the_entrypoint_starts_daphne_behind_a_proxy_and_every_role():
    script = DEPLOY / "docker-entrypoint.sh"

    assert run("sh", "-n", str(script)).returncode == 0
    text = script.read_text()
    assert "daphne -b 0.0.0.0 -p 8000 --proxy-headers" in text
    for role in ("web", "worker", "beat", "migrate", "seed"):
        assert re.search(rf"^  {role}\)$", text, flags=re.MULTILINE), role


def test_the_build_context_leaves_out_local_state_and_tests():
    ignored = (ROOT / ".dockerignore").read_text().split()

    for entry in (".git", ".venv", "var", ".env", "tests", "staticfiles"):
        assert entry in ignored
    assert "!deploy/docker-entrypoint.sh" in ignored


def test_the_image_ships_the_sql_the_migrations_run():
    """The migrate role installs the database checkout from commerce/orders/sql/*.sql: the source is
    copied whole (there is no package list to forget them in), and no ignore pattern may drop them."""
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith(("#", "!"))
    ]
    files = sorted((ROOT / "commerce" / "orders" / "sql").glob("*.sql"))

    assert re.search(r"^COPY \. \.$", DOCKERFILE.read_text(), flags=re.MULTILINE)
    assert files
    for path in files:
        relative = path.relative_to(ROOT)
        dropped = [p for p in patterns for part in (relative, *relative.parents[:-1]) if fnmatch(str(part), p)]
        assert dropped == [], relative
