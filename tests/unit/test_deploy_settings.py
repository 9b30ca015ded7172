"""Every HUB_* variable the three deployments set is one the hub reads, and their values are settings the hub
accepts: the hub ignores unknown variables (a misspelt HUB_KAFKA_SASL_MECHANISMS would silently do nothing), so
this test is where such a typo fails."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from hub.config import Settings
from hub.kafka_security import security_of

ROOT = Path(__file__).resolve().parents[2]
# Read by the hub outside Settings, at the edges (hub.privacy.keys, hub.acks_http, hub.cli).
OUTSIDE_SETTINGS = re.compile(
    r"HUB_PSEUDONYM_KEY_DIR|HUB_PSEUDONYM_KEY_[A-Z_]+|HUB_ACK_TOKEN_[A-Z]+(_FILE)?|HUB_CONNECTORS_CONFIG"
)
SETTINGS = {f"HUB_{name.upper()}" for name in Settings.model_fields}


def _compose() -> dict[str, dict[str, str]]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return {
        f"docker-compose.yml {name}": {k: str(v) for k, v in (s.get("environment") or {}).items()}
        for name, s in compose["services"].items()
        if str(s.get("image", "")).startswith("hub")
    }


def _kubernetes() -> dict[str, dict[str, str]]:
    base = ROOT / "deploy" / "kubernetes" / "base"
    docs = [d for p in base.glob("*.yaml") if p.name != "kustomization.yaml" for d in yaml.safe_load_all(p.read_text())]
    (config,) = [d["data"] for d in docs if d and d["kind"] == "ConfigMap" and d["metadata"]["name"] == "hub-config"]
    found = {}
    for doc in docs:
        if not doc or doc["kind"] not in ("Deployment", "Job"):
            continue
        pod = doc["spec"]["template"]["spec"]
        for container in [*pod.get("initContainers", []), *pod["containers"]]:
            if container["image"].startswith("registry.example/hub") and "command" in container:
                env = {e["name"]: e["value"] for e in container.get("env", [])}
                if container["command"][0] == "hub":
                    found[f"kubernetes {doc['metadata']['name']}/{container['name']}"] = {**config, **env}
    return found


def _systemd() -> dict[str, dict[str, str]]:
    folder = ROOT / "deploy" / "systemd"
    common = _env_file(folder / "env" / "hub.env")
    found = {}
    for unit in folder.glob("*.service"):
        own = {}
        for line in unit.read_text().splitlines():
            if line.startswith("Environment="):
                key, _, value = line.removeprefix("Environment=").partition("=")
                own[key] = value
        found[f"systemd {unit.name}"] = {**common, **own}
    for env in folder.glob("env/*.env"):
        found[f"systemd {env.name}"] = {**common, **_env_file(env)}
    return found


def _env_file(path: Path) -> dict[str, str]:
    return dict(
        line.split("=", 1) for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")
    )


DEPLOYMENTS = {**_compose(), **_kubernetes(), **_systemd()}


def test_every_deployment_was_found() -> None:
    assert sum(k.startswith("docker-compose.yml") for k in DEPLOYMENTS) >= 10
    assert sum(k.startswith("kubernetes") for k in DEPLOYMENTS) >= 10
    assert sum(k.startswith("systemd") for k in DEPLOYMENTS) >= 10


@pytest.mark.parametrize("where", sorted(DEPLOYMENTS))
def test_the_variables_are_read_by_the_hub_and_their_values_accepted(where: str) -> None:
    env = DEPLOYMENTS[where]
    unknown = sorted(k for k in env if k.startswith("HUB_") and k not in SETTINGS and not OUTSIDE_SETTINGS.fullmatch(k))
    assert not unknown, f"{where}: the hub reads no {unknown}"
    values = {k.removeprefix("HUB_").lower(): v for k, v in env.items() if k in SETTINGS}
    # Validated as the hub validates them; files the settings name need not exist here (they are secrets).
    Settings.model_validate(values)


@pytest.mark.parametrize("where", sorted(w for w, env in DEPLOYMENTS.items() if "HUB_KAFKA_SECURITY_PROTOCOL" in env))
def test_the_kafka_security_settings_fit_together(where: str, tmp_path: Path) -> None:
    """As a process checks them at start (hub.kafka_security), with the secret files they name stood in for."""
    values = {k.removeprefix("HUB_").lower(): v for k, v in DEPLOYMENTS[where].items() if k in SETTINGS}
    password = tmp_path / "kafka-password"
    password.write_text("a-password\n")
    password.chmod(0o600)
    values["kafka_sasl_password_file"] = str(password)
    if "kafka_ssl_cafile" in values:
        trustme = pytest.importorskip("trustme", reason="trustme is not installed (the dev extra)")
        ca = tmp_path / "ca.pem"
        trustme.CA().cert_pem.write_to_path(str(ca))
        values["kafka_ssl_cafile"] = str(ca)
    security = security_of(Settings.model_validate(values))
    assert security.protocol.startswith("SASL_")
    assert security.sasl_username == "hub"
