"""The pseudonymise worker on its own, over the real broker and database: bad records go to dlq.pseudonymise with
reason and count, good ones to every receiving domain, and a redelivered event is registered once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from kafka import KafkaProducer

from hub.config import Settings
from hub.deadletter import parse_headers
from hub.schemas import CloudEvent, Incident, example_payload, wrap
from hub.store.register import transfers_since
from hub.topology import qualified
from tests.helpers.kafka import dead_letters, topic_records
from tests.helpers.workers import WorkerFactory

pytestmark = pytest.mark.integration


def test_bad_records_dead_lettered_good_ones_shared_and_registered_once(
    settings: Settings, start_workers: WorkerFactory
) -> None:
    """Garbage and a share on a canonical topic are dead-lettered with reason and counted; a canonical incident
    becomes four shares and three register rows, and sending it again adds no row."""
    # `hub worker pseudonymise` on demo keys (HUB_PSEUDONYM_KEYS=demo).
    workers = start_workers("pseudonymise", pseudonym_keys="demo")
    worker = workers["pseudonymise"]
    incident = wrap(
        # A restricted nuisance on a tram: every domain's purpose filter admits it.
        Incident.model_validate({**example_payload("incident", 0), "confidentiality": "restricted"}),
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
        workers.wait_for_count("pseudonymise", "hub_events_out_total", 4, stage="pseudonymise")
        workers.wait_for_count("pseudonymise", "hub_events_dead_lettered_total", 2, stage="pseudonymise")
        producer.send(topic, key=b"k", value=incident.to_bytes())  # redelivered
        producer.flush()
        workers.wait_for_count("pseudonymise", "hub_events_out_total", 8, stage="pseudonymise")
    finally:
        producer.close()

    assert worker.counter("hub_events_dead_lettered_total", reason="malformed_json") == 1
    assert worker.counter("hub_events_dead_lettered_total", reason="undecodable") == 1
    letters = dead_letters(settings, "pseudonymise")
    reasons = sorted(parse_headers(r.headers)["reason"] for r in letters)
    assert len(reasons) == 2
    assert any("not a canonical event" in reason for reason in reasons)
    assert all(parse_headers(r.headers)["topic"] == topic for r in letters)
    assert sorted(r.value for r in letters) == sorted([b"not json", share.to_bytes()])

    shared = {
        domain: topic_records(settings, f"share.{domain}.incident")
        for domain in ("polizei", "havag", "ordnungsamt", "analytics")
    }
    assert {d: len(records) for d, records in shared.items()} == dict.fromkeys(shared, 2)
    for records in shared.values():
        first, again = (CloudEvent.from_bytes(r.value) for r in records)
        assert first.id == again.id, "a redelivered event gives the same share ids"
    register = transfers_since(settings.database_conninfo(), datetime(2020, 1, 1, tzinfo=UTC))
    assert sorted(r.recipient for r in register) == ["analytics", "havag", "ordnungsamt"]
    assert {r.canonical_id for r in register} == {incident.id}
