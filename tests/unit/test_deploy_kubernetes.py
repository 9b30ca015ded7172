"""deploy/kubernetes: every manifest valid against the Kubernetes 1.34 schemas (strict: no unknown field), offline,
with kubernetes-validate; and the deployment's rules: a Deployment per stage with no more replicas than its input
partitions, the single router replaced by Recreate, probes on /livez and /readyz, resources, a non-root user on a
read-only root file system, secrets from Secrets only, and Prometheus scraping every component."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from hub.topology import TOPICS

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "deploy" / "kubernetes" / "base"
KUBERNETES_VERSION = "1.34.0"
MANIFESTS = sorted(p for p in BASE.glob("*.yaml") if p.name != "kustomization.yaml")
STAGES = ("normalise", "pseudonymise", "router", "sink", "alert-store")
COMPONENTS = (*STAGES, "connectors", "console", "acks")
# The topics each stage's consumer group reads: its workers share their partitions.
INPUTS = {"normalise": ("raw.",), "pseudonymise": ("canon.",), "sink": ("canon.",), "alert-store": ("alerts.", "acks.")}


Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def _parsed(path: Path) -> tuple[dict[str, Any], ...]:
    return tuple(doc for doc in yaml.load_all(path.read_text(), Loader=Loader) if doc)


def resources() -> list[dict[str, Any]]:
    """Every resource of the base (parsed once; tests that change one copy it first)."""
    return [doc for path in MANIFESTS for doc in _parsed(path)]


def of_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in resources() if doc["kind"] == kind}


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_manifests_are_valid_against_the_kubernetes_schemas(path: Path) -> None:
    kubernetes_validate = pytest.importorskip(
        "kubernetes_validate", reason="kubernetes-validate is not installed (the dev extra; `make install`)"
    )
    docs = _parsed(path)
    assert docs
    for doc in docs:
        assert doc["metadata"].get("namespace", "hub") == "hub"
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{path.name}: {doc['kind']}/{doc['metadata']['name']}: {exc.message} at {list(exc.path)}")


def test_the_validator_refuses_a_wrong_manifest() -> None:
    kubernetes_validate = pytest.importorskip("kubernetes_validate", reason="kubernetes-validate is not installed")
    deployment = of_kind("Deployment")["hub-normalise"]
    broken = yaml.safe_load(yaml.safe_dump(deployment))
    broken["spec"]["template"]["spec"]["containers"][0]["readinessProbes"] = broken["spec"]["template"]["spec"][
        "containers"
    ][0].pop("readinessProbe")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_the_kustomization_lists_every_manifest() -> None:
    kustomization = yaml.safe_load((BASE / "kustomization.yaml").read_text())
    assert sorted(kustomization["resources"]) == [p.name for p in MANIFESTS]


def _container(deployment: dict[str, Any]) -> dict[str, Any]:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]


def test_one_deployment_per_process_with_probes_resources_and_a_locked_down_pod() -> None:
    deployments = of_kind("Deployment")
    assert sorted(deployments) == sorted(f"hub-{c}" for c in COMPONENTS)
    for name, deployment in deployments.items():
        pod = deployment["spec"]["template"]["spec"]
        container = _container(deployment)
        assert container["livenessProbe"]["httpGet"] == {"path": "/livez", "port": "metrics"}, name
        assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "metrics"}, name
        assert {"name": "metrics", "containerPort": 9400} in container["ports"], name
        assert set(container["resources"]) == {"requests", "limits"}, name
        assert {"cpu", "memory"} <= set(container["resources"]["requests"]), name
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["runAsUser"] == 10001, name
        assert pod["automountServiceAccountToken"] is False, name
        for each in [*pod["initContainers"], container]:
            assert each["securityContext"]["readOnlyRootFilesystem"] is True, name
            assert each["securityContext"]["allowPrivilegeEscalation"] is False, name
            assert each["securityContext"]["capabilities"] == {"drop": ["ALL"]}, name


def test_replicas_stay_within_the_partitions_and_the_router_runs_once() -> None:
    deployments = of_kind("Deployment")
    for stage, prefixes in INPUTS.items():
        partitions = max(t.partitions for t in TOPICS if t.name.startswith(prefixes))
        deployment = deployments[f"hub-{stage}"]
        assert 1 <= deployment["spec"]["replicas"] <= partitions, stage
        assert f"at most {partitions}" in deployment["metadata"]["annotations"]["hub.example/replicas"], stage
    router = deployments["hub-router"]["spec"]
    assert router["replicas"] == 1
    assert router["strategy"] == {"type": "Recreate"}
    assert deployments["hub-console"]["spec"]["replicas"] == 1  # sessions in memory
    budgets = of_kind("PodDisruptionBudget")
    assert "hub-router" not in budgets  # one replica: a budget would block every node drain
    for name, budget in budgets.items():
        assert deployments[name]["spec"]["replicas"] >= 2 or budget["spec"].get("maxUnavailable") == 1, name


def test_every_secret_a_pod_mounts_is_declared_with_its_keys() -> None:
    secrets = of_kind("Secret")
    jobs = list(of_kind("Job").values())
    for owner in [*of_kind("Deployment").values(), *jobs]:
        for volume in owner["spec"]["template"]["spec"]["volumes"]:
            for source in volume.get("projected", {}).get("sources", []):
                secret = source["secret"]
                assert secret["name"] in secrets, secret["name"]
                for item in secret["items"]:
                    assert item["key"] in secrets[secret["name"]]["stringData"], (secret["name"], item["key"])
    for secret in secrets.values():
        for value in secret["stringData"].values():
            assert "REPLACE-ME" in value or value.startswith("#"), "secrets.example.yaml holds placeholders only"


def test_secrets_reach_files_readable_by_the_hub_user_only() -> None:
    for name, deployment in of_kind("Deployment").items():
        pod = deployment["spec"]["template"]["spec"]
        volumes = {v["name"]: v for v in pod["volumes"]}
        assert volumes["run-secrets"]["emptyDir"]["medium"] == "Memory", name
        (install,) = pod["initContainers"]
        assert "umask 077" in install["command"][-1], name
        assert not [e for e in _container(deployment).get("env", []) if "valueFrom" in e], name


def test_the_setup_job_applies_topics_migrates_and_makes_the_logins() -> None:
    (job,) = of_kind("Job").values()
    pod = job["spec"]["template"]["spec"]
    commands = [c["command"] for c in [*pod["initContainers"], *pod["containers"]]]
    assert ["hub", "topics", "apply"] in commands
    assert ["hub", "db", "migrate"] in commands
    assert ["sh", "/hub-deploy/create-logins.sh"] in commands


def test_configmap_copies_match_their_sources() -> None:
    config_maps = of_kind("ConfigMap")
    assert config_maps["hub-connectors"]["data"]["connectors.toml"] == (ROOT / "deploy" / "connectors.toml").read_text()
    assert (
        config_maps["hub-db-logins"]["data"]["create-logins.sh"]
        == (ROOT / "deploy" / "compose" / "create-logins.sh").read_text()
    )
    settings = config_maps["hub-config"]["data"]
    assert settings["HUB_METRICS_PORT"] == "9400"
    assert settings["HUB_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"


def test_prometheus_scrapes_every_component_through_its_headless_service() -> None:
    prometheus = yaml.safe_load((ROOT / "deploy" / "kubernetes" / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in prometheus["scrape_configs"]}
    services = of_kind("Service")
    for component in COMPONENTS:
        (sd,) = jobs[f"hub-{component}"]["dns_sd_configs"]
        assert sd["names"] == [f"hub-{component}-metrics.hub.svc.cluster.local"]
        service = services[f"hub-{component}-metrics"]["spec"]
        assert service["clusterIP"] == "None"
        assert service["publishNotReadyAddresses"] is True  # a worker without partitions is scraped too
        assert service["selector"]["app.kubernetes.io/component"] == component
