"""Poison input never stops a stage, over the real broker and database and real worker processes: a NUL or a lone
surrogate is dead-lettered at the normaliser, a row the database refuses for good is dead-lettered by the sink or
the pseudonymiser while the rest goes on, and a worker blocked on an unreachable database stops promptly on
SIGTERM without losing the batch it held."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from kafka import KafkaProducer
from psycopg import sql

from hub.config import Settings
from hub.connectors.replay import replay
from hub.deadletter import parse_headers
from hub.privacy.keys import demo_keyring
from hub.privacy.policy import DOMAINS
from hub.privacy.pseudonym import keyed_event_id
from hub.schemas import CloudEvent, Incident, example_payload, wrap
from hub.store.events import count_events
from hub.store.register import transfers_since
from hub.topology import qualified
from hub.workers.database import stage_conninfo
from tests.helpers.kafka import dead_letters, topic_records, write_lines
from tests.helpers.store import refusing
from tests.helpers.waiting import wait_until
from tests.helpers.workers import WorkerFactory

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)
SHARE_DOMAINS = ("polizei", "havag", "ordnungsamt", "analytics")
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def _example(i: int) -> dict[str, Any]:
    """Example incident ``i`` as one every domain's purpose filter admits: a restricted nuisance on a tram."""
    return {**example_payload("incident", i), "type_code": "PUBLIC_ORDER/NUISANCE", "confidentiality": "restricted"}


def _replay_line(i: int, description: str = "Zeuge meldet Streit") -> bytes:
    """A replay line of a police incident; ``description`` is put into the JSON text as it is, so it may hold JSON
    escapes such as ``\\u0000``."""
    data = {**_example(i), "description": "DESCRIPTION"}
    record = {"kind": "incident", "source": "/polizei/els", "id": f"E-{i}", "time": T0.isoformat(), "data": data}
    return json.dumps(record).encode().replace(b'"DESCRIPTION"', f'"{description}"'.encode())


def _incident(i: int) -> CloudEvent:
    payload = Incident.model_validate(_example(i))
    return wrap(payload, source="/polizei/els", source_record_id=f"E-{i}", time=T0, subject=payload.incident_id)


def _send(settings: Settings, declared: str, values: list[bytes]) -> None:
    producer = KafkaProducer(bootstrap_servers=settings.bootstrap())
    try:
        for value in values:
            producer.send(qualified(settings.topic_prefix, declared), key=b"E", value=value)
        producer.flush()
    finally:
        producer.close()


def _shares(settings: Settings) -> dict[str, set[str]]:
    """The share ids on each domain's incident share topic."""
    return {
        domain: {CloudEvent.from_bytes(r.value).id for r in topic_records(settings, f"share.{domain}.incident")}
        for domain in SHARE_DOMAINS
    }


def _shares_of(*events: CloudEvent) -> dict[str, set[str]]:
    """The share ids the stage makes of ``events`` for each domain (under the demo keys)."""
    keys = demo_keyring(DOMAINS)
    return {d: {keyed_event_id(e.id, d, keys.for_domain(d).active) for e in events} for d in SHARE_DOMAINS}


def test_nul_and_lone_surrogates_are_dead_lettered_at_the_normaliser_and_later_records_stored(
    settings: Settings, start_workers: WorkerFactory, tmp_path: Path
) -> None:
    """Replay -> normalise -> pseudonymise and sink: a line with a JSON NUL escape lands in dlq.normalise as a
    schema violation naming ``data.description``, one with a lone surrogate escape as undecodable (the JSON reader
    refuses it before any model sees it); the records before and after them are stored and shared, and neither
    later stage dead-letters anything."""
    lines = [
        _replay_line(0),
        _replay_line(1, "Zeuge\\u0000meldet"),
        _replay_line(2),
        _replay_line(3, "Zeuge \\ud800 meldet"),
        _replay_line(4),
    ]
    workers = start_workers("normalise", "pseudonymise", "sink", pseudonym_keys="demo")
    assert replay(settings, write_lines(tmp_path / "poison.ndjson", lines)).produced == 5

    workers.wait_for_count("normalise", "hub_events_dead_lettered_total", 2, stage="normalise")
    workers.wait_for_count("sink", "hub_events_out_total", 3, stage="sink")
    workers.wait_for_count("pseudonymise", "hub_events_out_total", 3 * len(SHARE_DOMAINS), stage="pseudonymise")

    letters = dead_letters(settings, "normalise")
    assert sorted(letter.value for letter in letters) == sorted([lines[1], lines[3]]), "original bytes kept"
    by_value = {letter.value: parse_headers(letter.headers) for letter in letters}
    nul, surrogate = by_value[lines[1]], by_value[lines[3]]
    assert nul["code"] == "schema_violation"
    assert nul["reason"].startswith("data.description: contains a NUL character (U+0000)")
    assert surrogate["code"] == "undecodable"
    assert "lone UTF-16 surrogate" in surrogate["reason"]
    assert count_events(settings.database_conninfo()) == 3
    register = transfers_since(settings.database_conninfo(), EPOCH)
    assert len(register) == 3 * 3, "three incidents, each a transfer to havag, ordnungsamt and analytics"
    for stage in ("pseudonymise", "sink"):
        assert workers[stage].counter("hub_events_dead_lettered_total", stage=stage) == 0
        assert workers[stage].counter("hub_database_errors_total", stage=stage) == 0


def test_a_row_the_database_refuses_is_dead_lettered_and_the_rest_stored_and_shared(
    settings: Settings, start_workers: WorkerFactory
) -> None:
    """Sink: an event whose data holds a NUL (written to canon.* before the normaliser refused them) is refused by
    PostgreSQL's jsonb and dead-lettered ``store_rejected``; the events around it are stored. Pseudonymise: an event
    whose register row the database refuses for good (a constraint added for the test) is dead-lettered
    ``store_rejected`` and shared with nobody; the events around it are shared and registered."""
    good = [_incident(i) for i in (0, 1, 2)]
    doc = json.loads(good[1].to_bytes())
    doc["data"]["incident_id"] = "E\x00"
    poisoned = json.dumps(doc, separators=(",", ":")).encode()
    assert b'"E\\u0000"' in poisoned
    refused = good[2]
    with psycopg.connect(settings.database_conninfo(), autocommit=True) as conn:
        check = "ALTER TABLE transfer_register ADD CONSTRAINT poison_test CHECK (canonical_id IS DISTINCT FROM {})"
        conn.execute(sql.SQL(check).format(sql.Literal(refused.id)))
    workers = start_workers("sink", "pseudonymise", pseudonym_keys="demo")
    _send(settings, "canon.incident", [good[0].to_bytes(), poisoned, refused.to_bytes(), good[1].to_bytes()])

    workers.wait_for_count("sink", "hub_events_out_total", 3, stage="sink")
    workers.wait_for_count("sink", "hub_events_dead_lettered_total", 1, stage="sink", reason="store_rejected")
    workers.wait_for_count("pseudonymise", "hub_events_dead_lettered_total", 2, stage="pseudonymise")
    workers.wait_for_count("pseudonymise", "hub_events_out_total", 2 * len(SHARE_DOMAINS), stage="pseudonymise")

    [sink_letter] = dead_letters(settings, "sink")
    sink_headers = parse_headers(sink_letter.headers)
    assert (sink_letter.value, sink_headers["code"]) == (poisoned, "store_rejected")
    assert sink_headers["reason"] == "the database refused the row: UntranslatableCharacter (SQLSTATE 22P05)"
    with psycopg.connect(settings.database_conninfo()) as conn:
        stored = {row[0] for row in conn.execute("SELECT id FROM events").fetchall()}
    assert stored == {e.id for e in good}, "the poisoned copy of event 1 is refused, its clean copy stored"
    assert workers["sink"].counter("hub_database_errors_total", stage="sink", kind="permanent") >= 1

    by_code = {
        parse_headers(r.headers)["code"]: (r.value, parse_headers(r.headers)["reason"])
        for r in dead_letters(settings, "pseudonymise")
    }
    assert by_code["schema_violation"][0] == poisoned, "the core refuses the NUL before any share is made"
    assert by_code["store_rejected"] == (
        refused.to_bytes(),
        "the database refused the row: CheckViolation (SQLSTATE 23514)",
    )
    assert _shares(settings) == _shares_of(good[0], good[1]), "no share of the refused event reached anyone"
    registered = {r.canonical_id for r in transfers_since(settings.database_conninfo(), EPOCH)}
    assert registered == {good[0].id, good[1].id}


def test_a_worker_blocked_on_an_unreachable_database_stops_on_sigterm_and_loses_nothing(
    settings: Settings, start_workers: WorkerFactory
) -> None:
    """Sink and pseudonymise started on the real database, which then refuses connections (as if stopped): they
    hold the incident, count retries and log that they are blocked, send no share, and exit 0 on SIGTERM (not
    killed after the stop timeout). Restarted once the database answers again, they store and share the held
    incident: it was not acknowledged. (A database that is away already at start is refused at once:
    tests/unit/test_cli_start_errors.py.)"""
    incident = _incident(0)
    blocked = start_workers("sink", "pseudonymise", pseudonym_keys="demo")
    with refusing(settings):
        _send(settings, "canon.incident", [incident.to_bytes()])
        for stage in blocked:
            blocked.wait_for_count(stage, "hub_database_retries_total", 1, stage=stage)
            log = blocked[stage].log_path
            wait_until(lambda log=log: "stage blocked on the database" in log.read_text(), 60, f"{stage} says blocked")
        assert _shares(settings) == _shares_of(), "nothing is shared before it is registered"

        codes = {stage: proc.stop(timeout_s=20) for stage, proc in blocked.items()}
        assert codes == {"sink": 0, "pseudonymise": 0}, "each left by itself, promptly, when asked to stop"
        for proc in blocked.values():
            assert "stopping while blocked on the database" in proc.log_path.read_text()

    again = start_workers("sink", "pseudonymise", pseudonym_keys="demo")
    again.wait_for_count("sink", "hub_events_out_total", 1, stage="sink")
    again.wait_for_count("pseudonymise", "hub_events_out_total", len(SHARE_DOMAINS), stage="pseudonymise")
    assert count_events(settings.database_conninfo()) == 1
    assert _shares(settings) == _shares_of(incident)
    assert {r.canonical_id for r in transfers_since(settings.database_conninfo(), EPOCH)} == {incident.id}


def test_worker_connections_time_out(settings: Settings, database_url: str) -> None:
    """A worker's connection to the real database runs with the configured statement timeout."""
    conninfo = stage_conninfo(database_url, settings.model_copy(update={"database_statement_timeout_s": 1.5}))
    with psycopg.connect(conninfo) as conn:
        assert conn.execute("SHOW statement_timeout").fetchone() == ("1500ms",)
        with pytest.raises(psycopg.errors.QueryCanceled):
            conn.execute("SELECT pg_sleep(5)")
