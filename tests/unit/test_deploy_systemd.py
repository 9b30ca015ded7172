"""deploy/systemd: every unit passes ``systemd-analyze verify`` without a single warning (with the hub's install
paths pointed at stand-ins, since verify checks that commands exist), restarts on failure, is hardened and takes its
secrets as credentials; the metrics ports differ; and ``hub-key-dir`` lays credentials out as a key folder the hub
loads."""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from hub.privacy.keys import load_keyring
from hub.privacy.policy import default_policy
from hub.privacy.setup import key_names
from tests.helpers.tools import require_tool

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "deploy" / "systemd"
STAGES = ("normalise", "pseudonymise", "router", "sink", "alert-store")
INSTANCES = (
    "hub.target",
    "hub-setup.service",
    *(f"hub-worker@{stage}.service" for stage in STAGES),
    "hub-connectors.service",
    "hub-console.service",
    "hub-acks.service",
)
LONG_RUNNING = ("hub-worker@.service", "hub-connectors.service", "hub-console.service", "hub-acks.service")
HARDENING = (
    "User=hub",
    "NoNewPrivileges=yes",
    "ProtectSystem=strict",
    "ProtectHome=yes",
    "PrivateTmp=yes",
    "PrivateDevices=yes",
    "CapabilityBoundingSet=",
    "SystemCallFilter=@system-service",
    "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
    "UMask=0077",
)


def _lines(name: str) -> list[str]:
    return [line.strip() for line in (UNITS / name).read_text().splitlines()]


def test_systemd_analyze_verify_accepts_every_unit_without_a_warning(tmp_path: Path) -> None:
    analyze = require_tool("systemd-analyze", "systemd")
    stand_ins = tmp_path / "bin"
    stand_ins.mkdir()
    for name in ("hub", "hub-key-dir"):
        (stand_ins / name).write_text("#!/bin/sh\nexit 0\n")
        (stand_ins / name).chmod(0o755)
    units = tmp_path / "units"
    shutil.copytree(UNITS, units, ignore=shutil.ignore_patterns("env", "*.md", "*.yml", "hub-key-dir"))
    for path in [*units.glob("*.service"), *units.glob("*.d/*.conf")]:
        text = path.read_text().replace("/opt/hub/venv/bin/hub", str(stand_ins / "hub"))
        path.write_text(text.replace("/opt/hub/deploy/systemd/hub-key-dir", str(stand_ins / "hub-key-dir")))
    result = subprocess.run(
        [analyze, "verify", "--man=no", *(str(units / name) for name in INSTANCES)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "SYSTEMD_LOG_LEVEL": "notice"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout + result.stderr == "", "systemd-analyze verify warned:\n" + result.stdout + result.stderr


def test_the_verify_check_catches_a_mistake(tmp_path: Path) -> None:
    """The test above can fail: an unknown key in a unit is reported."""
    analyze = require_tool("systemd-analyze", "systemd")
    unit = tmp_path / "hub-broken.service"
    unit.write_text("[Service]\nExecStart=/bin/true\nRestartt=on-failure\n")
    result = subprocess.run([analyze, "verify", "--man=no", str(unit)], capture_output=True, text=True, check=False)
    assert "Unknown key 'Restartt'" in result.stdout + result.stderr


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_processes_restart_on_failure_and_are_hardened(name: str) -> None:
    lines = _lines(name)
    assert "Restart=on-failure" in lines
    for option in HARDENING:
        assert option in lines, f"{name} lacks {option}"
    assert "Environment=HUB_KAFKA_SASL_PASSWORD_FILE=%d/kafka-password" in lines
    assert "LoadCredential=kafka-password:/etc/hub/credentials/kafka-password" in lines
    assert any(line.startswith("EnvironmentFile=/etc/hub/hub.env") for line in lines)
    assert not [line for line in lines if re.search(r"PASSWORD=(?!%d/)|TOKEN_\w+=(?!%d/)|:[^@/]*@db", line)], name


def test_the_stages_that_need_keys_or_the_database_get_them() -> None:
    for stage in ("pseudonymise", "router"):
        keys = _lines(f"hub-worker@{stage}.service.d/keys.conf")
        assert "Environment=HUB_PSEUDONYM_KEY_DIR=%t/hub-%i/pseudonym-keys" in keys
        for ring in key_names(default_policy()):
            assert f"LoadCredential=keys.{ring}:/etc/hub/pseudonym-keys/{ring}" in keys
    for stage in ("pseudonymise", "sink", "alert-store"):
        assert "LoadCredential=postgres-worker.pgpass:/etc/hub/credentials/postgres-worker.pgpass" in _lines(
            f"hub-worker@{stage}.service.d/database.conf"
        )
        env = (UNITS / "env" / f"worker-{stage}.env").read_text()
        assert f"hub_worker@db.example:5432/hub?passfile=/run/credentials/hub-worker@{stage}.service/" in env


def test_every_process_has_its_own_metrics_port() -> None:
    ports = {}
    for stage in STAGES:
        (port,) = re.findall(r"^HUB_METRICS_PORT=(\d+)$", (UNITS / "env" / f"worker-{stage}.env").read_text(), re.M)
        ports[stage] = int(port)
    for name in ("connectors", "console", "acks"):
        (port,) = re.findall(r"HUB_METRICS_PORT=(\d+)", (UNITS / f"hub-{name}.service").read_text())
        ports[name] = int(port)
    assert len(set(ports.values())) == len(ports), ports
    prometheus = (UNITS / "prometheus.yml").read_text()
    for name, port in ports.items():
        assert f'job_name: hub-{name}\n    static_configs: [{{ targets: ["127.0.0.1:{port}"] }}]' in prometheus


def test_hub_key_dir_lays_credentials_out_as_a_key_folder_the_hub_loads(tmp_path: Path) -> None:
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    for n, ring in enumerate(key_names(default_policy())):
        path = credentials / f"keys.{ring}_k2026a.key"
        path.write_text(base64.b64encode(os.urandom(32)).decode() + "\n")
        path.chmod(0o400)
        if n == 0:  # a ring with two keys and its active marker
            (credentials / f"keys.{ring}_k2025b.key").write_text(base64.b64encode(os.urandom(32)).decode())
            (credentials / f"keys.{ring}_k2025b.key").chmod(0o400)
            (credentials / f"keys.{ring}_active").write_text("k2026a\n")
    key_dir = tmp_path / "run" / "pseudonym-keys"
    result = subprocess.run(
        ["sh", str(UNITS / "hub-key-dir"), str(credentials), str(key_dir)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in key_dir.iterdir()) == sorted(key_names(default_policy()))
    assert (key_dir / "analytics_ids" / "k2026a.key").is_symlink()
    ring = load_keyring(key_names(default_policy()), {"HUB_PSEUDONYM_KEY_DIR": str(key_dir)})
    first = key_names(default_policy())[0]
    assert ring.for_domain(first).active.kid == "k2026a"
    assert set(ring.for_domain(first).by_kid) == {"k2026a", "k2025b"}


def test_hub_key_dir_refuses_to_start_without_keys(tmp_path: Path) -> None:
    result = subprocess.run(
        ["sh", str(UNITS / "hub-key-dir"), str(tmp_path), str(tmp_path / "keys")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "no keys.<ring> credential" in result.stderr
