"""compose.yaml: valid against the Compose Specification's schema, and wired as it should be.

`docker-compose config` (PyPI's docker-compose 1.x) does not install on Python 3.11, and no
Docker engine is here; check-jsonschema ships the compose-spec schema and checks it offline.
"""

import re

import pytest
import yaml

from tests.deploy.tools import ROOT, run, tool

COMPOSE = ROOT / "compose.yaml"
APP_ROLES = ("web", "worker", "beat", "migrate")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())  # merges the x-app anchors as Compose does


def test_compose_yaml_matches_the_compose_spec_schema():
    result = run(tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(COMPOSE))

    assert result.returncode == 0, result.stdout + result.stderr


def test_every_service_of_the_stack_is_there(compose):
    assert set(compose["services"]) == {"postgres", "redis", "elasticsearch", "migrate", "web", "worker", "beat"}
    for role in APP_ROLES:
        service = compose["services"][role]
        assert service["image"] == "storefront:local"
        assert service["build"] == "."
    assert compose["services"]["web"]["command"] == ["web"]
    assert compose["services"]["worker"]["command"][0] == "worker"
    assert compose["services"]["beat"]["command"] == ["beat"]


def test_long_running_services_have_health_checks(compose):
    for name, service in compose["services"].items():
        if name == "migrate":
            assert service["restart"] == "no"  # one shot
            continue
        check = service.get("healthcheck", {})
        assert check.get("test"), f"{name} has no health check"
        assert not check.get("disable"), f"{name} has its health check off"


def test_services_wait_for_what_they_need_to_be_healthy(compose):
    services = compose["services"]
    for name, service in services.items():
        for needed, how in service.get("depends_on", {}).items():
            assert needed in services, f"{name} depends on unknown {needed}"
            if how["condition"] == "service_healthy":
                assert not services[needed]["healthcheck"].get("disable"), f"{needed} can never be healthy"
            else:
                assert (needed, how["condition"]) == ("migrate", "service_completed_successfully")
    for role in ("web", "worker"):
        assert {k: v["condition"] for k, v in services[role]["depends_on"].items()} == {
            "migrate": "service_completed_successfully",
            "postgres": "service_healthy",
            "redis": "service_healthy",
            "elasticsearch": "service_healthy",
        }


def test_volumes_are_declared_and_data_persists(compose):
    declared = set(compose["volumes"])
    used = {
        mount.split(":", 1)[0]
        for service in compose["services"].values()
        for mount in service.get("volumes", [])
        if not mount.startswith((".", "/"))
    }

    assert used == declared == {"pgdata", "esdata", "media"}


def test_env_example_names_every_variable_compose_reads():
    example = (ROOT / ".env.example").read_text()
    named = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", example, flags=re.MULTILINE))
    read = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", COMPOSE.read_text()))

    assert read <= named, f"not in .env.example: {sorted(read - named)}"
    for secret in ("SECRET_KEY", "STRIPE_WEBHOOK_SECRET"):
        assert re.search(rf"^{secret}=$", example, flags=re.MULTILINE), f"no {secret} value is committed"
        assert f"${{{secret}:?" in COMPOSE.read_text(), f"compose refuses to start without {secret}"
