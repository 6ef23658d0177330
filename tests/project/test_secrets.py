"""Outside the embedded demo, a process without secrets of its own refuses to start, saying which."""

import sys

import pytest

from tests.project.bare_processes import PROCESSES, run

# Nothing listens there: the refusal comes before any connection is tried.
SERVICES = {"DATABASE_URL": "postgres://nobody@127.0.0.1:1/none", "REDIS_URL": "redis://127.0.0.1:1/0"}
REAL = {"SECRET_KEY": "kX9-a-deployment's-own-secret-0123456789-abcdefghijkl", "STRIPE_WEBHOOK_SECRET": "whsec_9f3a"}


@pytest.mark.parametrize("process", PROCESSES)
def test_a_services_process_without_secrets_refuses_to_start_and_names_them(process):
    result = run(PROCESSES[process], SERVICES)

    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "SECRET_KEY and STRIPE_WEBHOOK_SECRET must be set" in output, output[-2000:]


@pytest.mark.parametrize(
    ("given", "named"),
    [
        ({"SECRET_KEY": REAL["SECRET_KEY"]}, "STRIPE_WEBHOOK_SECRET must be set"),
        ({"STRIPE_WEBHOOK_SECRET": REAL["STRIPE_WEBHOOK_SECRET"]}, "SECRET_KEY must be set"),
        # The demo's values, published in project/settings.py, are no secrets even when set explicitly.
        ({**REAL, "SECRET_KEY": "embedded-demo-only-not-a-secret"}, "SECRET_KEY must be set"),
        ({**REAL, "STRIPE_WEBHOOK_SECRET": "whsec_localstripe"}, "STRIPE_WEBHOOK_SECRET must be set"),
        ({**REAL, "SECRET_KEY": ""}, "SECRET_KEY must be set"),
    ],
)
def test_each_missing_or_published_secret_is_named(given, named):
    result = run(PROCESSES["manage.py"], {**SERVICES, **given})

    assert result.returncode != 0
    assert named in result.stderr, result.stderr[-2000:]


@pytest.mark.parametrize("mode", [{"DATABASE_URL": SERVICES["DATABASE_URL"]}, {"REDIS_URL": SERVICES["REDIS_URL"]}])
def test_either_service_url_is_enough_to_leave_the_demo(mode):
    result = run(PROCESSES["manage.py"], mode)

    assert result.returncode != 0
    assert "SECRET_KEY and STRIPE_WEBHOOK_SECRET must be set" in result.stderr


def test_with_its_own_secrets_a_services_process_starts():
    result = run(PROCESSES["manage.py"], {**SERVICES, **REAL})

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_embedded_demo_runs_on_its_published_values():
    code = "import django; django.setup(); from django.conf import settings as s; print(s.SECRET_KEY)"

    result = run([sys.executable, "-c", code], {})

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "embedded-demo-only-not-a-secret"
