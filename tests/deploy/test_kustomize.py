"""deploy/: each overlay renders with `kubectl kustomize`, every manifest validates offline against
the Kubernetes schemas (kubernetes-validate, strict), and the pieces fit together."""

import base64
import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.deploy.tools import DEPLOY, ROOT, run, tool

OVERLAYS = ("dev", "prod")
# The oldest Kubernetes the manifests target (HPA autoscaling/v2, PDB policy/v1 and
# networking/v1 are all GA there) and the newest kubernetes-validate knows.
KUBERNETES_VERSIONS = ("1.29.0", kubernetes_validate.latest_version())
# What current kustomize says about the syntax kept for Debian's kubectl (deploy/base/kustomization.yaml).
DEPRECATED = re.compile(r"^# Warning: '(bases|commonLabels|patchesJson6902|patchesStrategicMerge)' is deprecated\.")
APP_COMPONENTS = ("web", "worker", "beat", "migrate")

Manifest = dict[str, Any]


class Rendered:
    """The manifests one overlay renders, looked up by kind and name."""

    def __init__(self, overlay: str, documents: list[Manifest]) -> None:
        self.overlay = overlay
        self.documents = documents

    def __iter__(self) -> Iterator[Manifest]:
        return iter(self.documents)

    def all(self, kind: str) -> list[Manifest]:
        return [doc for doc in self.documents if doc["kind"] == kind]

    def get(self, kind: str, name: str) -> Manifest:
        (found,) = [doc for doc in self.all(kind) if doc["metadata"]["name"] == name]
        return found

    def generated(self, kind: str, prefix: str) -> Manifest:
        """A ConfigMap or Secret from a generator: its name carries a content hash."""
        (found,) = [doc for doc in self.all(kind) if re.fullmatch(rf"{prefix}-[a-z0-9]{{10}}", doc["metadata"]["name"])]
        return found


def render(overlay: str) -> Rendered:
    result = run(tool("kubectl"), "kustomize", str(DEPLOY / "overlays" / overlay))
    assert result.returncode == 0, result.stderr
    unexpected = [line for line in result.stderr.splitlines() if line.strip() and not DEPRECATED.match(line)]
    assert unexpected == [], "kustomize warned:\n" + "\n".join(unexpected)
    return Rendered(overlay, [doc for doc in yaml.safe_load_all(result.stdout) if doc])


@pytest.fixture(scope="module", params=OVERLAYS)
def rendered(request: pytest.FixtureRequest) -> Rendered:
    return render(request.param)


@pytest.fixture(scope="module")
def prod() -> Rendered:
    return render("prod")


@pytest.fixture(scope="module")
def dev() -> Rendered:
    return render("dev")


def pod_spec(workload: Manifest) -> Manifest:
    return workload["spec"]["template"]["spec"]


def pod_labels(workload: Manifest) -> dict[str, str]:
    return workload["spec"]["template"]["metadata"]["labels"]


def matches(selector: Manifest, labels: dict[str, str]) -> bool:
    """A LabelSelector (matchLabels and In/NotIn/Exists/DoesNotExist expressions) against labels."""
    if any(labels.get(key) != value for key, value in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        ok = {
            "In": labels.get(key) in values,
            "NotIn": labels.get(key) not in values,
            "Exists": key in labels,
            "DoesNotExist": key not in labels,
        }[operator]
        if not ok:
            return False
    return True


# --- Rendering and schemas ----------------------------------------------------------------


def test_every_manifest_validates_against_the_kubernetes_schemas(rendered):
    failures = []
    for doc in rendered:
        for version in KUBERNETES_VERSIONS:
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.ValidationError as exc:
                path = "/".join(str(part) for part in exc.path)
                failures.append(f"{doc['kind']}/{doc['metadata']['name']} ({version}) at {path}: {exc.message}")
    assert failures == []


def test_the_overlays_set_their_namespace_and_image(rendered):
    namespace = {"dev": "storefront-dev", "prod": "storefront"}[rendered.overlay]
    image = {"dev": "storefront:dev", "prod": "ghcr.io/example/storefront:0.1.0"}[rendered.overlay]

    assert {doc["metadata"].get("namespace") for doc in rendered} == {namespace}
    workloads = rendered.all("Deployment") + rendered.all("Job")
    app_images = {
        container["image"]
        for workload in workloads
        if pod_labels(workload)["app.kubernetes.io/component"] in APP_COMPONENTS
        for container in pod_spec(workload)["containers"]
    }
    assert app_images == {image}


def test_every_manifest_is_labelled_as_the_store(rendered):
    for doc in rendered:
        assert doc["metadata"]["labels"]["app.kubernetes.io/name"] == "storefront", doc["metadata"]["name"]


# --- Workloads ---------------------------------------------------------------------------


def test_every_container_has_resources_and_runs_unprivileged(rendered):
    for workload in rendered.all("Deployment") + rendered.all("StatefulSet") + rendered.all("Job"):
        spec = pod_spec(workload)
        assert spec["securityContext"]["runAsNonRoot"] is True, workload["metadata"]["name"]
        assert spec["automountServiceAccountToken"] is False
        for container in spec["containers"]:
            assert set(container["resources"]) == {"requests", "limits"}, container["name"]
            assert container["securityContext"]["allowPrivilegeEscalation"] is False
            assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]


def test_the_web_pods_probe_drain_and_scale(rendered):
    web = rendered.get("Deployment", "storefront-web")
    spec = pod_spec(web)
    (container,) = spec["containers"]

    assert container["args"] == ["web"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
    # The probes' Host must be allowed, since the pod's IP is not in ALLOWED_HOSTS.
    config = rendered.generated("ConfigMap", "storefront-config")["data"]
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        host = {h["name"]: h["value"] for h in container[probe]["httpGet"]["httpHeaders"]}["Host"]
        assert host in config["ALLOWED_HOSTS"].split(",")
    # Drain: leave the endpoints first, then let Daphne close the sockets (10 s) in the grace period.
    pre_stop = container["lifecycle"]["preStop"]["exec"]["command"]
    assert pre_stop[0] == "sleep"
    assert int(pre_stop[1]) + 10 < spec["terminationGracePeriodSeconds"]
    assert web["spec"]["strategy"]["rollingUpdate"] == {"maxUnavailable": 0, "maxSurge": 1}
    assert "replicas" not in web["spec"], "the HPA owns the web replica count"


def test_the_hpa_pdb_and_service_point_at_the_web_pods(rendered):
    web = rendered.get("Deployment", "storefront-web")
    labels = pod_labels(web)
    hpa = rendered.get("HorizontalPodAutoscaler", "storefront-web")
    pdb = rendered.get("PodDisruptionBudget", "storefront-web")
    service = rendered.get("Service", "storefront-web")

    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "storefront-web"}
    assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"
    assert 1 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]
    assert pdb["spec"]["maxUnavailable"] == 1
    assert matches(pdb["spec"]["selector"], labels)
    assert matches({"matchLabels": service["spec"]["selector"]}, labels)
    assert matches(web["spec"]["selector"], labels)
    for other in ("storefront-worker", "storefront-beat"):
        assert not matches({"matchLabels": service["spec"]["selector"]}, pod_labels(rendered.get("Deployment", other)))
    (port,) = service["spec"]["ports"]
    assert port["targetPort"] == pod_spec(web)["containers"][0]["ports"][0]["name"]


def test_prod_runs_at_least_three_web_pods(prod):
    assert prod.get("HorizontalPodAutoscaler", "storefront-web")["spec"]["minReplicas"] == 3


def test_exactly_one_beat_never_two_during_a_rollout(rendered):
    beat = rendered.get("Deployment", "storefront-beat")

    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    assert pod_spec(beat)["containers"][0]["args"] == ["beat"]
    assert not [
        hpa
        for hpa in rendered.all("HorizontalPodAutoscaler")
        if hpa["spec"]["scaleTargetRef"]["name"] == "storefront-beat"
    ]


def test_the_worker_shuts_down_warm_and_exports_its_metrics(rendered):
    worker = rendered.get("Deployment", "storefront-worker")
    spec = pod_spec(worker)
    (container,) = spec["containers"]
    config = rendered.generated("ConfigMap", "storefront-config")["data"]

    assert container["args"][0] == "worker"
    assert spec["terminationGracePeriodSeconds"] >= 60
    assert {"name": "metrics", "containerPort": int(config["METRICS_WORKER_PORT"])} in container["ports"]
    assert config["METRICS_WORKER_ADDR"] == "0.0.0.0"  # noqa: S104 - inside the pod, for the scraper


def test_the_migration_job_migrates_once(rendered):
    job = rendered.get("Job", "storefront-migrate")

    assert pod_spec(job)["containers"][0]["args"] == ["migrate"]
    assert pod_spec(job)["restartPolicy"] == "Never"
    assert job["spec"]["backoffLimit"] >= 1


# --- Configuration and secrets ---------------------------------------------------------------


def test_pods_read_the_generated_config_and_the_secret(rendered):
    config = rendered.generated("ConfigMap", "storefront-config")["metadata"]["name"]
    secret = "storefront-secrets"
    if rendered.overlay == "dev":
        secret = rendered.generated("Secret", "storefront-secrets")["metadata"]["name"]
    for workload in rendered.all("Deployment") + rendered.all("Job"):
        if pod_labels(workload)["app.kubernetes.io/component"] not in APP_COMPONENTS:
            continue
        env_from = pod_spec(workload)["containers"][0]["envFrom"]
        assert env_from == [{"configMapRef": {"name": config}}, {"secretRef": {"name": secret}}]


def test_prod_commits_no_secret(prod):
    assert prod.all("Secret") == []  # created out of band (deploy/README.md)
    config = prod.generated("ConfigMap", "storefront-config")["data"]
    for key in config:
        assert not re.search(r"SECRET|PASSWORD|TOKEN|_URL$", key) or key == "SITE_URL", key


def test_dev_secrets_are_throwaway_values(dev):
    values = {
        f"{secret['metadata']['name']}:{key}": base64.b64decode(value).decode()
        for secret in dev.all("Secret")
        for key, value in secret["data"].items()
    }

    assert len(values) == 5
    for name, value in values.items():
        # Marked as such, or pointing only at the in-namespace dev services.
        assert "dev-only" in value or value == "redis://storefront-redis:6379/0", name


def test_the_config_generator_is_labelled_for_the_migration_step(rendered):
    # deploy/README.md applies `-l app.kubernetes.io/component in (config,migrate)` before the rest.
    labels = rendered.generated("ConfigMap", "storefront-config")["metadata"]["labels"]

    assert labels["app.kubernetes.io/component"] == "config"


def test_prod_settings_pass_manage_py_check_deploy(prod):
    """The prod ConfigMap, plus the secret's keys, is what `check --deploy` wants to see."""
    config = prod.generated("ConfigMap", "storefront-config")["data"]
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(ROOT / "var"),
        "DJANGO_SETTINGS_MODULE": "project.settings",
        **config,
        "STATIC_MANIFEST": "0",  # no collectstatic output here; the image has it
        "SECRET_KEY": "k3V9x-placeholder-long-and-random-looking-0123456789abcdefXYZ",
        "STRIPE_WEBHOOK_SECRET": "whsec_placeholder",
        "DATABASE_URL": "postgres://storefront:x@db.invalid:5432/storefront",
        "REDIS_URL": "redis://redis.invalid:6379/0",
    }

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


# --- Network ---------------------------------------------------------------------------------


def test_the_ingress_keeps_websockets_open_and_routes_to_the_web_service(rendered):
    (ingress,) = rendered.all("Ingress")
    annotations = ingress["metadata"]["annotations"]
    host = {"dev": "storefront.localhost", "prod": "shop.example.com"}[rendered.overlay]

    assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-send-timeout"]) >= 3600
    assert "affinity" not in " ".join(annotations), "the Redis channel layer makes stickiness unnecessary"
    (rule,) = ingress["spec"]["rules"]
    assert rule["host"] == host
    backend = rule["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": "storefront-web", "port": {"name": "http"}}
    if rendered.overlay == "prod":
        assert ingress["spec"]["tls"] == [{"hosts": [host], "secretName": "storefront-tls"}]
    config = rendered.generated("ConfigMap", "storefront-config")["data"]
    assert host in config["ALLOWED_HOSTS"].split(",")
    assert config["CSRF_TRUSTED_ORIGINS"].endswith(f"://{host}")


@pytest.mark.parametrize(
    ("component", "port", "allowed"),
    [("postgresql", 5432, {"web", "worker", "beat", "migrate"}), ("redis", 6379, {"web", "worker", "beat"})],
)
def test_only_the_stores_pods_may_reach_postgresql_and_redis(dev, component, port, allowed):
    (policy,) = [p for p in dev.all("NetworkPolicy") if p["metadata"]["name"] == f"storefront-{component}"]
    spec = policy["spec"]
    database = next(
        w
        for w in dev.all("StatefulSet") + dev.all("Deployment")
        if pod_labels(w)["app.kubernetes.io/component"] == component
    )

    assert matches(spec["podSelector"], pod_labels(database)), "the policy covers the dev pod"
    assert spec["policyTypes"] == ["Ingress"]
    (rule,) = spec["ingress"]
    assert rule["ports"] == [{"protocol": "TCP", "port": port}]
    (peer,) = rule["from"]
    assert set(peer) == {"podSelector"}, "no namespaceSelector or ipBlock: only pods of this namespace"
    let_in = {
        pod_labels(w)["app.kubernetes.io/component"]
        for w in dev.all("Deployment") + dev.all("Job") + dev.all("StatefulSet")
        if matches(peer["podSelector"], pod_labels(w))
    }
    assert let_in == allowed
    # Anything else in the namespace (a debugging pod, the other database) is left out.
    assert not matches(
        peer["podSelector"], {"app.kubernetes.io/name": "storefront", "app.kubernetes.io/component": "debug"}
    )
    assert not matches(peer["podSelector"], {"run": "psql"})


def test_prod_has_the_same_network_policies(prod):
    assert {p["metadata"]["name"] for p in prod.all("NetworkPolicy")} == {"storefront-postgresql", "storefront-redis"}
