"""The pseudonymise worker on its own, over the real broker and database: bad records go to dlq.pseudonymise with
reason and count, good ones to every receiving domain, and a redelivered event is registered once."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from kafka import KafkaProducer

from hub.config import Settings
from hub.deadletter import parse_headers
from hub.kafka_read import read_topic
from hub.processes import StageProcess, free_port
from hub.schemas import CloudEvent, Incident, example_payload, wrap
from hub.store.register import transfers_since
from hub.topology import qualified

pytestmark = pytest.mark.integration


@pytest.fixture
def worker(settings: Settings, tmp_path: Path) -> Iterator[StageProcess]:
    """`hub worker pseudonymise` on demo keys (HUB_PSEUDONYM_KEYS=demo), joined to its group."""
    proc = StageProcess(
        settings.model_copy(update={"pseudonym_keys": "demo"}), "pseudonymise", free_port(), tmp_path / "p.log"
    )
    proc.start()
    try:
        proc.wait_ready(timeout_s=60)
        yield proc
    finally:
        assert proc.stop() == 0, "the worker exits cleanly on SIGTERM"


def _wait_for(condition: Callable[[], bool], proc: StageProcess, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        proc.check_alive()
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


def test_bad_records_dead_lettered_good_ones_shared_and_registered_once(
    settings: Settings, worker: StageProcess
) -> None:
    """Garbage and a share on a canonical topic are dead-lettered with reason and counted; a canonical incident
    becomes four shares and three register rows, and sending it again adds no row."""
    incident = wrap(
        Incident.model_validate(example_payload("incident", 0)),
        source="/polizei/els",
        source_record_id="E-1",
        time=datetime(2026, 11, 20, 21, 0, tzinfo=UTC),
    )
    share = incident.model_copy(update={"hubrecipient": "havag"})
    topic = qualified(settings.topic_prefix, "canon.incident")
    producer = KafkaProducer(bootstrap_servers=settings.bootstrap())
    try:
        for value in (b"not json", share.to_bytes(), incident.to_bytes()):
            producer.send(topic, key=b"k", value=value)
        producer.flush()
        _wait_for(lambda: worker.counter("hub_events_out_total", stage="pseudonymise") >= 4, worker)
        _wait_for(lambda: worker.counter("hub_events_dead_lettered_total", stage="pseudonymise") >= 2, worker)
        producer.send(topic, key=b"k", value=incident.to_bytes())  # redelivered
        producer.flush()
        _wait_for(lambda: worker.counter("hub_events_out_total", stage="pseudonymise") >= 8, worker)
    finally:
        producer.close()

    assert worker.counter("hub_events_dead_lettered_total", reason="malformed_json") == 1
    assert worker.counter("hub_events_dead_lettered_total", reason="undecodable") == 1
    letters = read_topic(settings.bootstrap(), qualified(settings.topic_prefix, "dlq.pseudonymise"))
    reasons = sorted(parse_headers(r.headers)["reason"] for r in letters)
    assert len(reasons) == 2
    assert any("not a canonical event" in reason for reason in reasons)
    assert all(parse_headers(r.headers)["topic"] == topic for r in letters)
    assert sorted(r.value for r in letters) == sorted([b"not json", share.to_bytes()])

    shared = {
        domain: read_topic(settings.bootstrap(), qualified(settings.topic_prefix, f"share.{domain}.incident"))
        for domain in ("polizei", "havag", "ordnungsamt", "analytics")
    }
    assert {d: len(records) for d, records in shared.items()} == dict.fromkeys(shared, 2)
    for records in shared.values():
        first, again = (CloudEvent.from_bytes(r.value) for r in records)
        assert first.id == again.id, "a redelivered event gives the same share ids"
    register = transfers_since(settings.database_conninfo(), datetime(2020, 1, 1, tzinfo=UTC))
    assert sorted(r.recipient for r in register) == ["analytics", "havag", "ordnungsamt"]
    assert {r.canonical_id for r in register} == {incident.id}
