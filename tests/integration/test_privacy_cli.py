"""The privacy commands as an operator runs them: the pseudonymise worker refusing a bad start, `hub transfers
report`, `hub reidentify`, `hub retention purge` and `hub aggregates publish`, in real processes."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

import psycopg
import pytest
from kafka import KafkaProducer

from hub.config import Settings
from hub.kafka_read import read_topic
from hub.privacy.aggregates import Aggregate
from hub.privacy.keys import demo_keyring
from hub.privacy.policy import DOMAINS, default_policy
from hub.privacy.register import Transfer
from hub.privacy.transform import TransformContext, share_record
from hub.privacy.vault import VaultEntry
from hub.processes import free_port
from hub.schemas import CloudEvent, Incident, example_payload, wrap
from hub.store.register import transfers_since
from hub.topology import qualified
from tests.helpers.cli import hub
from tests.helpers.stack import Topics
from tests.helpers.store import login, store_rows

pytestmark = pytest.mark.integration

PSEUDONYM = "ps1.k1." + "f" * 26
REASON = "Rückruf beim Anrufer zu Einsatz PI-HAL-E-0000123"


def test_worker_refuses_to_start_without_keys(database_url: str) -> None:
    """`hub worker pseudonymise` with no key material exits at once naming the missing key and the demo switch."""
    result = hub("worker", "pseudonymise", env={"HUB_DATABASE_URL": database_url, "HUB_KAFKA_BOOTSTRAP": "x:1"})
    assert result.returncode == 2
    assert "no pseudonymisation key for domain 'polizei'" in result.stderr
    assert "HUB_PSEUDONYM_KEYS=demo" in result.stderr


def test_worker_refuses_a_policy_that_leaves_a_field_uncovered(database_url: str, tmp_path: Path) -> None:
    """A policy without a rule for a personal field stops the worker at start, naming domain, kind and field."""
    text = resources.files("hub.privacy").joinpath("default_policy.toml").read_text(encoding="utf-8")
    text = text.replace('[domains.analytics.rules]\npersonal = "drop"\n', "[domains.analytics.rules]\n", 1)
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    env = {"HUB_DATABASE_URL": database_url, "HUB_KAFKA_BOOTSTRAP": "x:1", "HUB_PSEUDONYM_KEYS": "demo"}
    result = hub("worker", "pseudonymise", env={**env, "HUB_POLICY_PATH": str(path)})
    assert result.returncode == 2
    assert "domain 'analytics', kind 'incident', field 'description' (personal): no rule covers it" in result.stderr


def test_transfers_report_formats(database_url: str) -> None:
    """`hub transfers report --since` prints the rows as a table, CSV or JSON, filtered by recipient."""
    at = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)
    rows = [
        Transfer("s1", "c1", "havag", "polizei", "incident", "share.havag.incident", "p", "SOG LSA § 28", "ab" * 32),
        Transfer(
            "s2", "c2", "ordnungsamt", "polizei", "unit-status", "share.ordnungsamt.unit-status", "p", "§ 27", "cd" * 32
        ),
    ]
    store_rows(database_url, rows, [], at)
    env = {"HUB_DATABASE_URL": database_url}
    table = hub("transfers", "report", "--since", "2026-11-20T00:00:00+01:00", env=env)
    assert table.returncode == 0, table.stderr
    assert "2 transfer(s): havag 1, ordnungsamt 1" in table.stdout
    assert "SOG LSA § 28" in table.stdout
    only = hub(
        "transfers",
        "report",
        "--since",
        "2026-11-20T00:00:00+01:00",
        "--recipient",
        "havag",
        "--format",
        "json",
        env=env,
    )
    assert [r["share_id"] for r in json.loads(only.stdout)] == ["s1"]
    as_csv = hub("transfers", "report", "--since", "2026-11-20T00:00:00+01:00", "--format", "csv", env=env)
    assert [r["recipient"] for r in csv.DictReader(io.StringIO(as_csv.stdout))] == ["havag", "ordnungsamt"]
    naive = hub("transfers", "report", "--since", "2026-11-20T00:00:00", env=env)
    assert naive.returncode == 2
    assert "has no UTC offset" in naive.stderr


def test_reidentify_command(database_url: str) -> None:
    """A login in hub_police gets the original on stdout; another login a refusal and nothing else, both audited;
    a reason with personal data or without a case reference is refused by the command with a clear message before
    it asks; the audit verifies."""
    entry = VaultEntry(
        PSEUDONYM,
        "incident.caller.phone",
        "ordnungsamt",
        "0345 6789012",
        "standard",
        datetime.now(UTC) + timedelta(days=10),
    )
    store_rows(database_url, [], [entry], datetime.now(UTC))
    with login(database_url, "hub_police") as police, login(database_url, "hub_stage") as stage:
        ok = hub("reidentify", PSEUDONYM, "--reason", REASON, env={"HUB_DATABASE_URL": police})
        assert ok.returncode == 0, ok.stderr
        assert f"{PSEUDONYM}  incident.caller.phone (ordnungsamt): 0345 6789012" in ok.stdout
        refused = hub("reidentify", PSEUDONYM, "--reason", REASON, env={"HUB_DATABASE_URL": stage})
        assert refused.returncode == 3
        assert "your database login is not a member of hub_police" in refused.stderr
        assert "0345" not in refused.stdout + refused.stderr
        no_case = hub("reidentify", PSEUDONYM, "--reason", "Rückruf beim Anrufer", env={"HUB_DATABASE_URL": police})
        assert no_case.returncode == 3
        assert "no case reference" in no_case.stderr
        named = hub(
            "reidentify",
            PSEUDONYM,
            "--reason",
            "Anrufer Hans Meier zurückrufen, E-2026-11-123",
            env={"HUB_DATABASE_URL": police},
        )
        assert named.returncode == 3
        assert "personal data (NAME)" in named.stderr
        assert "Meier" not in named.stderr
        gone = hub(
            "reidentify", "--role", "polizei-kdd", PSEUDONYM, "--reason", REASON, env={"HUB_DATABASE_URL": police}
        )
        assert gone.returncode == 2, "--role is gone: the database login is who asks"
        verified = hub("audit", "verify", env={"HUB_DATABASE_URL": police})
        assert verified.returncode == 0, verified.stderr
        assert "re-identification audit intact: 2 row(s)" in verified.stdout
        users = {k: psycopg.conninfo.conninfo_to_dict(v)["user"] for k, v in (("police", police), ("stage", stage))}
    with psycopg.connect(database_url) as conn:
        audit = conn.execute("SELECT user_name, role, outcome FROM reidentification_audit ORDER BY id").fetchall()
    assert audit == [
        (users["police"], "hub_police", "revealed"),
        (users["stage"], "(not hub_police)", "refused_role"),
    ], "the reasons refused by the command itself were never sent"


def test_reidentify_while_the_database_is_down(database_url: str) -> None:
    """No database: the command says that nothing was revealed and no audit row could be written, leaves a local
    trace on stderr, and exits non-zero."""
    nowhere = f"postgresql://kok-schmidt@127.0.0.1:{free_port()}/hub"
    down = hub("reidentify", PSEUDONYM, "--reason", REASON, env={"HUB_DATABASE_URL": nowhere})
    assert down.returncode == 2
    assert "the database cannot be reached" in down.stderr
    assert "NO audit row could be written" in down.stderr
    assert "local trace: re-identification attempt at" in down.stderr
    assert "login 'kok-schmidt'" in down.stderr
    assert PSEUDONYM in down.stderr


def test_retention_purge_command(database_url: str) -> None:
    """`hub retention purge --dry-run --now` reports per table and class and deletes nothing."""
    old = datetime(2020, 1, 1, tzinfo=UTC)
    store_rows(database_url, [Transfer("s1", "c1", "havag", "polizei", "incident", "t", "p", "b", "ab" * 32)], [], old)
    env = {"HUB_DATABASE_URL": database_url}
    dry = hub("retention", "purge", "--dry-run", "--now", "2026-11-25T00:00:00+01:00", env=env)
    assert dry.returncode == 0, dry.stderr
    assert "transfer_register        register  would delete       1" in dry.stdout
    assert "events                   short     would delete       0" in dry.stdout
    assert "1 row(s) would delete (dry run: nothing deleted)" in dry.stdout
    done = hub("retention", "purge", "--now", "2026-11-25T00:00:00+01:00", env=env)
    assert "1 row(s) deleted" in done.stdout
    assert transfers_since(database_url, old - timedelta(days=1)) == []


def test_aggregates_publish_command(settings: Settings, topics: Topics) -> None:
    """`hub aggregates publish --week` reads the analytics shares, sends the week's aggregates to praevention and
    registers each one as a transfer. Two of the seven crimes are sexual offences (city-wide only): publishing the
    cell's 5 would give them away as city minus cell, so the complement rule keeps the cell back."""
    topics("share.analytics.incident", "share.praevention.aggregates")
    keys, policy = demo_keyring(DOMAINS), default_policy()
    producer = KafkaProducer(bootstrap_servers=settings.bootstrap())
    try:
        for n in range(7):
            data = {
                **example_payload("incident", 1),
                "incident_id": f"PI-HAL-E-{n:07d}",
                "type_code": "CRIME/THEFT" if n < 5 else "CRIME/SEXUAL",
                "reported_at": "2026-11-18T22:10:00+01:00",
                "location": {"lat": 51.48277, "lon": 11.96934, "uncertainty_m": 20.0},
            }
            event = wrap(
                Incident.model_validate(data),
                source="/polizei/els",
                source_record_id=f"E-{n}",
                time=datetime(2026, 11, 18, 21, 10, tzinfo=UTC),
            )
            record = share_record(event, "analytics", policy, keys, context=TransformContext())
            assert record is not None
            producer.send(qualified(settings.topic_prefix, record.topic), key=record.key, value=record.value())
        producer.flush()
    finally:
        producer.close()
    env = {
        "HUB_KAFKA_BOOTSTRAP": settings.bootstrap(),
        "HUB_DATABASE_URL": settings.database_conninfo(),
        "HUB_TOPIC_PREFIX": settings.topic_prefix,
    }
    result = hub("aggregates", "publish", "--week", "2026-W47", env=env)
    assert result.returncode == 0, result.stderr
    assert "7 analytics incident share(s) read" in result.stdout
    assert "city-wide 2026-W47 [frozen]: CRIME 7" in result.stdout
    published = read_topic(settings.bootstrap(), qualified(settings.topic_prefix, "share.praevention.aggregates"))
    aggregates = [Aggregate.model_validate(CloudEvent.from_bytes(r.value).data) for r in published]
    assert [(a.area, a.counts) for a in aggregates] == [("city", {"CRIME": 7})]
    register = transfers_since(settings.database_conninfo(), datetime(2020, 1, 1, tzinfo=UTC), recipient="praevention")
    assert sorted(r.share_id for r in register) == sorted(CloudEvent.from_bytes(r.value).id for r in published)
    assert {r.kind for r in register} == {"aggregate"}
