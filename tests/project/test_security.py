"""Production settings pass `manage.py check --deploy`; the defaults keep plain http working."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k3V9x-not-a-real-key-but-long-and-random-looking-0123456789abcdefXYZ",
    "ALLOWED_HOSTS": "localhost,shop.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://shop.example.com",
    "BEHIND_PROXY": "1",
    "SECURE_COOKIES": "1",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
}


def run_django(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run Python with only `env` (no settings leak in from the test run's environment)."""
    clean = {"PATH": "/usr/bin:/bin", "HOME": str(ROOT / "var"), "DJANGO_SETTINGS_MODULE": "project.settings", **env}
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120)


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run_django(env, "manage.py", "check", "--deploy", "--fail-level", "WARNING")


def test_production_settings_pass_check_deploy():
    result = check_deploy(PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_flags_the_embedded_defaults():
    result = check_deploy({})

    assert result.returncode == 1
    for code in ("W004", "W008", "W009", "W012", "W016"):
        assert f"security.{code}" in result.stderr


def test_the_defaults_serve_plain_http():
    names = [
        "DEBUG",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_PROXY_SSL_HEADER",
    ]
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        f"print(json.dumps([getattr(s, n) for n in {names!r}]))"
    )

    result = run_django({}, "-c", code)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [False, False, 0, False, False, None]


@pytest.mark.django_db
def test_probes_and_metrics_are_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    assert client.get("/healthz").status_code == 200
    assert client.get("/metrics").status_code == 200
    page = client.get("/", HTTP_HOST="localhost")
    assert (page.status_code, page["Location"]) == (301, "https://localhost/")
    assert client.get("/", HTTP_X_FORWARDED_PROTO="https").status_code == 200
