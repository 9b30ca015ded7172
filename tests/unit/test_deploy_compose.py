"""docker-compose.yml: valid for Debian's docker-compose (``config -q``), complete (every stage, the connectors, the
console, the acks server, Prometheus scraping each of them, Grafana), wired (health checks on /readyz, start order
by ``service_healthy`` / ``service_completed_successfully``), and least-privileged (secrets from files, no process
but the migration logs in as the schema's owner); and the secrets script makes every file it mounts, in a form
the hub accepts."""

from __future__ import annotations

import base64
import shutil
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from hub.privacy.keys import load_keyring
from hub.privacy.policy import default_policy
from hub.privacy.setup import key_names
from tests.helpers.tools import require_tool

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
STAGES = ("normalise", "pseudonymise", "router", "sink", "alert-store")
PROCESSES = (*STAGES, "connectors", "console", "acks")
ONE_SHOT = ("topics", "migrate", "db-logins")


def test_docker_compose_accepts_the_file() -> None:
    tool = require_tool("docker-compose", "docker-compose")
    result = subprocess.run(
        [tool, "-f", "docker-compose.yml", "config", "-q"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


def test_every_process_runs_with_its_command() -> None:
    for stage in STAGES:
        assert SERVICES[stage]["command"] == ["hub", "worker", stage]
    assert SERVICES["connectors"]["command"][:3] == ["hub", "connectors", "run"]
    assert SERVICES["console"]["command"] == ["hub", "console"]
    assert SERVICES["acks"]["command"] == ["hub", "acks", "serve"]
    assert SERVICES["topics"]["command"] == ["hub", "topics", "apply"]
    assert SERVICES["migrate"]["command"] == ["hub", "db", "migrate"]
    assert SERVICES["kafka"]["image"].startswith("apache/kafka:")
    assert "controller" in SERVICES["kafka"]["environment"]["KAFKA_PROCESS_ROLES"]  # KRaft, no ZooKeeper
    # kafka-storage.sh formats the log directory with it: a UUID in unpadded URL-safe base64.
    cluster_id = SERVICES["kafka"]["environment"]["CLUSTER_ID"]
    assert len(base64.urlsafe_b64decode(cluster_id + "==")) == 16, cluster_id
    assert SERVICES["postgres"]["image"].startswith("postgres:")


def test_every_process_is_checked_on_readyz_and_scraped() -> None:
    prometheus = yaml.safe_load((ROOT / "deploy" / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in prometheus["scrape_configs"]}
    for name in PROCESSES:
        service = SERVICES[name]
        assert "/readyz" in " ".join(service["healthcheck"]["test"]), name
        assert service["environment"]["HUB_METRICS_PORT"] == "9400", name
        assert jobs[f"hub-{name}"]["dns_sd_configs"] == [
            {"names": [name], "type": "A", "port": 9400, "refresh_interval": "15s"}
        ], name
    for name in ("kafka", "postgres", "prometheus", "grafana"):
        assert SERVICES[name]["healthcheck"]["test"], name


def test_processes_start_after_the_set_up_jobs_and_their_servers() -> None:
    for name in PROCESSES:
        after = SERVICES[name]["depends_on"]
        assert after["kafka"] == {"condition": "service_healthy"}, name
        assert after["topics"] == {"condition": "service_completed_successfully"}, name
        if "HUB_DATABASE_URL" in SERVICES[name]["environment"]:
            assert after["db-logins"] == {"condition": "service_completed_successfully"}, name
    assert SERVICES["db-logins"]["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
    assert SERVICES["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert SERVICES["grafana"]["depends_on"] == {"prometheus": {"condition": "service_healthy"}}
    for name in ONE_SHOT:
        assert SERVICES[name]["restart"] == "no", name


def test_only_the_migration_logs_in_as_the_owner_and_passwords_come_from_files() -> None:
    logins = {}
    for name, service in SERVICES.items():
        url = (service.get("environment") or {}).get("HUB_DATABASE_URL")
        if url is None:
            continue
        user = url.split("//", 1)[1].split("@", 1)[0]
        assert ":" not in user, f"{name}: a password in HUB_DATABASE_URL"
        assert "passfile=/run/secrets/" in url, name
        logins[name] = user
    assert logins == {
        "migrate": "hub_owner",
        "pseudonymise": "hub_worker",
        "sink": "hub_worker",
        "alert-store": "hub_worker",
        "console": "hub_console_app",
        "acks": "hub_console_app",
    }
    script = (ROOT / "deploy" / "compose" / "create-logins.sh").read_text()
    assert 'worker="${HUB_WORKER_LOGIN:-hub_worker}"' in script  # the logins the URLs above name
    assert 'console="${HUB_CONSOLE_LOGIN:-hub_console_app}"' in script
    assert 'GRANT hub_stage TO :"worker";' in script  # tests/integration/test_deploy_logins.py runs it


def test_no_secret_is_written_into_the_file() -> None:
    for name, service in SERVICES.items():
        for key in service.get("environment") or {}:
            if any(word in key for word in ("PASSWORD", "TOKEN", "SECRET", "PSEUDONYM_KEY_")) and not key.endswith(
                ("_FILE", "_DIR")
            ):
                pytest.fail(f"{name}: {key} holds a secret in the compose file; mount it as a secret file")
    for name in ("pseudonymise", "router"):
        assert "pseudonym-keys" in SERVICES[name]["secrets"], name
    for name in PROCESSES:
        assert "kafka-password" in SERVICES[name]["secrets"], name


def test_the_secrets_script_makes_every_mounted_file_in_a_form_the_hub_accepts(tmp_path: Path) -> None:
    require_tool("openssl", "openssl")
    out = tmp_path / "secrets"
    result = subprocess.run(
        ["sh", str(ROOT / "deploy" / "secrets.example" / "make-secrets.sh"), str(out)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    for name, secret in COMPOSE["secrets"].items():
        relative = Path(secret["file"]).relative_to("deploy/secrets")
        assert (out / relative).exists(), f"make-secrets.sh does not make {relative} (secret {name})"
        assert (ROOT / "deploy" / "secrets.example" / relative).exists(), f"deploy/secrets.example lacks {relative}"
        if (out / relative).is_file():
            assert stat.S_IMODE((out / relative).stat().st_mode) == 0o600, relative
    # The keys load as the pseudonymise stage loads them (mode, strength, one per ring), and differ per domain.
    ring = load_keyring(key_names(default_policy()), {"HUB_PSEUDONYM_KEY_DIR": str(out / "pseudonym-keys")})
    assert ring is not None
    worker = (out / "postgres-worker.pgpass").read_text().strip().split(":")
    assert worker[:4] == ["*", "*", "*", "hub_worker"]
    assert len(worker[4]) == 48
    assert f'user_hub="{(out / "kafka-password").read_text().strip()}"' in (out / "kafka-jaas.conf").read_text()


def test_the_example_keys_are_refused(tmp_path: Path) -> None:
    """The placeholders cannot be used by mistake: copied out of the repository with mode 600, the hub refuses them."""
    from hub.errors import ConfigError

    keys = shutil.copytree(ROOT / "deploy" / "secrets.example" / "pseudonym-keys", tmp_path / "keys")
    for path in keys.rglob("*.key"):
        path.chmod(0o600)
    with pytest.raises(ConfigError, match=r"the key is not valid base64"):
        load_keyring(key_names(default_policy()), {"HUB_PSEUDONYM_KEY_DIR": str(keys)})


def test_the_connectors_file_of_the_deployment_is_valid() -> None:
    from hub.connectors.config import load_config

    config = load_config(ROOT / "deploy" / "connectors.toml")
    mounted = set(SERVICES["connectors"]["secrets"])
    for name, instance in config.instances.items():
        for ref in instance.secrets():
            assert ref.file is not None, f"{name}: secrets of the deployment come from files"
            assert ref.file.parent == Path("/run/secrets"), name
            assert ref.file.name in mounted, f"{name}: {ref.file} is not mounted into the connectors service"
