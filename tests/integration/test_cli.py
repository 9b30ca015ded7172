"""The `hub` command as a user runs it: topics, migrations and schema export, in real processes (the demo:
tests/e2e/test_demo.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from kafka.admin import ConfigResource, NewTopic

from hub.config import Settings
from hub.kafka_admin import admin_client
from hub.topology import TOPICS
from tests.helpers.cli import hub

pytestmark = pytest.mark.integration


def test_topics_apply_twice_changes_nothing_the_second_time(endpoints: tuple[str, str], topic_prefix: str) -> None:
    """The first `hub topics apply` creates every declared topic, the second finds all as declared."""
    env = {"HUB_KAFKA_BOOTSTRAP": endpoints[0], "HUB_TOPIC_PREFIX": topic_prefix}
    first = hub("topics", "apply", env=env)
    assert first.returncode == 0, first.stderr
    assert f"{len(TOPICS)} topics declared: {len(TOPICS)} changed, 0 already as declared" in first.stdout
    second = hub("topics", "apply", env=env)
    assert second.returncode == 0, second.stderr
    assert f"{len(TOPICS)} topics declared: 0 changed, {len(TOPICS)} already as declared" in second.stdout
    assert "created" not in second.stdout


def test_topics_apply_restores_drifted_retention(endpoints: tuple[str, str], topic_prefix: str) -> None:
    """A topic whose retention was changed by hand is set back to the declared value, and reported."""
    env = {"HUB_KAFKA_BOOTSTRAP": endpoints[0], "HUB_TOPIC_PREFIX": topic_prefix}
    assert hub("topics", "apply", env=env).returncode == 0
    name = f"{topic_prefix}dlq.normalise"
    with admin_client(endpoints[0]) as client:
        client.alter_configs([ConfigResource("TOPIC", name, {"retention.ms": "60000"})])
    again = hub("topics", "apply", env=env)
    assert again.returncode == 0, again.stderr
    assert f"reconfigured {name}  retention.ms=2592000000" in again.stdout
    with admin_client(endpoints[0]) as client:
        configs = client.describe_configs([ConfigResource("TOPIC", name)], config_filter="all")
    assert configs["topic"][name]["retention.ms"]["value"] == "2592000000"


def test_the_broker_holds_every_declared_retention_config(endpoints: tuple[str, str], topic_prefix: str) -> None:
    """After `hub topics apply` the broker reports every declared config of every topic (retention, segment roll,
    compaction lag, tombstone retention), and `hub topics list` shows them. A changelog whose segment.ms was changed
    by hand gets it back and keeps its cleanup.policy: apply sends the whole set, as AlterConfigs replaces it."""
    env = {"HUB_KAFKA_BOOTSTRAP": endpoints[0], "HUB_TOPIC_PREFIX": topic_prefix}
    assert hub("topics", "apply", env=env).returncode == 0
    names = {f"{topic_prefix}{t.name}": t for t in TOPICS}
    with admin_client(endpoints[0]) as client:
        reported = client.describe_configs([ConfigResource("TOPIC", n) for n in names], config_filter="all")["topic"]
    for name, topic in names.items():
        held = {k: reported[name][k]["value"] for k in topic.broker_configs() if k in reported[name]}
        assert held == topic.broker_configs(), name
    state = f"{topic_prefix}state.router.incidents"
    with admin_client(endpoints[0]) as client:
        client.alter_configs([ConfigResource("TOPIC", state, {"segment.ms": "604800000"})])
    again = hub("topics", "apply", env=env)
    assert f"reconfigured {state}  segment.ms=3600000" in again.stdout
    with admin_client(endpoints[0]) as client:
        configs = client.describe_configs([ConfigResource("TOPIC", state)], config_filter="all")["topic"][state]
    assert (configs["segment.ms"]["value"], configs["cleanup.policy"]["value"]) == ("3600000", "compact,delete")
    listed = hub("topics", "list", env=env)
    assert (
        "compact,delete, retention.ms=8d, segment.ms=1h, max.compaction.lag.ms=6h, delete.retention.ms=1h"
        in listed.stdout
    )


def test_topics_apply_refuses_to_repartition(endpoints: tuple[str, str], topic_prefix: str) -> None:
    """A topic with another partition count than declared is an error that names it; nothing is changed."""
    name = f"{topic_prefix}canon.incident"
    with admin_client(endpoints[0]) as client:
        client.create_topics([NewTopic(name, 1, 1)])
    result = hub("topics", "apply", env={"HUB_KAFKA_BOOTSTRAP": endpoints[0], "HUB_TOPIC_PREFIX": topic_prefix})
    assert result.returncode == 2
    assert f"{name} has 1, declared 3" in result.stderr
    with admin_client(endpoints[0]) as client:
        assert len(client.describe_topics([name])[0]["partitions"]) == 1


def test_a_worker_without_its_topics_says_to_apply_them(endpoints: tuple[str, str], topic_prefix: str) -> None:
    """faust may not create topics, so a worker on a cluster without the declared ones would wait forever: it
    refuses to start and names what is missing and the command that creates it."""
    env = {"HUB_KAFKA_BOOTSTRAP": endpoints[0], "HUB_TOPIC_PREFIX": topic_prefix, "HUB_PSEUDONYM_KEYS": "demo"}
    result = hub("worker", "router", env=env, timeout=60)
    assert result.returncode != 0
    assert f"{len(TOPICS)} declared topic(s) missing" in result.stderr
    assert f"{topic_prefix}raw.havag.gtfsrt-vehicle-positions" in result.stderr
    assert "run `hub topics apply`" in result.stderr


def test_commands_without_a_broker_say_what_to_set() -> None:
    """Without HUB_KAFKA_BOOTSTRAP, a command that needs Kafka says so instead of failing obscurely."""
    env = {k: v for k, v in os.environ.items() if k != "HUB_KAFKA_BOOTSTRAP"}
    result = subprocess.run(
        [sys.executable, "-m", "hub", "topics", "apply"], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert "HUB_KAFKA_BOOTSTRAP is not set" in result.stderr


def test_db_migrate_is_idempotent(settings: Settings) -> None:
    """`hub db migrate` on a migrated database applies nothing and says it is up to date."""
    result = hub("db", "migrate", env={"HUB_DATABASE_URL": settings.database_conninfo()})
    assert result.returncode == 0, result.stderr
    assert "database schema is up to date (nothing to apply)" in result.stdout


def test_schemas_export_writes_every_model(tmp_path: Path) -> None:
    """`hub schemas export DIR` writes one JSON Schema per model, with the sensitivity marks."""
    result = hub("schemas", "export", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert "incident.schema.json" in names
    assert "cloudevent.schema.json" in names
    incident = (tmp_path / "out" / "incident.schema.json").read_text()
    assert json.loads(incident)["title"] == "Incident"
    assert '"x-hub-sensitivity": "police_assessment"' in incident
