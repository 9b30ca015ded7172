"""The router in the pipeline: a driver alarm on a tram, after the tram's positions and the units' reports went
through their connectors' formats and the normaliser, gives a police alert naming an available unit and an
intercept stop ahead of the tram, and a HAVAG alert with the hold request and no personal data. The police's
acknowledgement on acks.polizei gives the alert its acknowledged revision; a broken one is dead-lettered."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from kafka import KafkaProducer

from hub.config import Settings
from hub.deadletter import HEADER_PREFIX
from hub.intercept_demo import scenario, send_all, wait_for_events
from hub.schemas import CloudEvent
from hub.topology import qualified
from tests.helpers.kafka import dead_letters
from tests.helpers.waiting import wait_until
from tests.helpers.workers import WorkerFactory

pytestmark = pytest.mark.integration


def test_driver_alarm_gives_police_intercept_and_havag_hold(settings: Settings, start_workers: WorkerFactory) -> None:
    """Police alert: an available unit and an intercept stop ahead of the tram; HAVAG alert: the hold request and
    no unit call sign (an operational secret) anywhere in it. The police acknowledge on acks.polizei: a new revision
    in state acknowledged follows; an acknowledgement without ``by`` goes to dlq.router with its reason."""
    workers = start_workers("normalise", "router", pseudonym_keys="demo")  # the demo keys for the router's tokens
    # The tram runs towards the city on line 2, between its 2nd and 3rd stop; it moves once so its direction shows.
    # An available police car behind the tram (it can only meet the tram if HAVAG holds it: the hold saves more
    # than the minimum the router asks HAVAG for), a busy one right at the next stop, an Ordnungsamt car far away.
    plan = scenario(datetime.now(UTC), "654-e2e-1")
    ahead = plan.ahead
    producer = KafkaProducer(bootstrap_servers=settings.bootstrap())
    live = send_all(producer, settings, plan.live)
    # The router takes in the live state (the tram's positions, the units) before the alarm.
    workers.wait_for_count("router", "hub_events_in_total", live, stage="router")
    send_all(producer, settings, [plan.alarm])

    police = wait_for_events(settings, "alerts.polizei")[-1]
    assert police.hubrecipient == "polizei"
    assert police.data["recommended_unit"] == "Leopard 12/1", "the only available police unit"
    assert police.data["intercept_stop_dhid"] in ahead, "the intercept stop lies ahead of the tram"
    assert police.data["unit_eta"] is not None
    assert police.data["vehicle_eta"] is not None

    havag = wait_for_events(settings, "alerts.havag")[-1]
    assert havag.hubrecipient == "havag"
    assert havag.data["vehicle"] == "654"
    assert havag.data["hold_request"] is not None
    assert havag.data["hold_request"]["stop_dhid"] in ahead
    assert havag.data["recommended_unit"] is None
    text = havag.to_bytes().decode()
    for secret in ("Leopard", "Stadtwache"):
        assert secret not in text

    ack = {"alert_id": police.data["alert_id"], "by": "ELS Halle", "at": datetime.now(UTC).isoformat()}
    acks = qualified(settings.topic_prefix, "acks.polizei")
    # Same key, same partition: the broken one is read before the good one.
    producer.send(acks, key=police.data["alert_id"].encode(), value=json.dumps({"alert_id": ack["alert_id"]}).encode())
    producer.send(acks, key=police.data["alert_id"].encode(), value=json.dumps(ack).encode())
    producer.flush()
    producer.close()

    def acknowledged(events: list[CloudEvent]) -> bool:
        return any(e.data["state"] == "acknowledged" for e in events)

    revisions = [
        e for e in wait_for_events(settings, "alerts.polizei", until=acknowledged) if e.subject == police.subject
    ]
    [acked] = [e for e in revisions if e.data["state"] == "acknowledged"]
    assert acked.data["alert_id"] == police.data["alert_id"]
    assert acked.data["revision"] > police.data["revision"]
    assert acked.data["recommended_unit"] == "Leopard 12/1", "the accepted plan stays"
    letters = wait_until(
        lambda: dead_letters(settings, "router", idle_s=0.5), 30, "the broken acknowledgement was not dead-lettered"
    )
    [letter] = letters
    headers = dict(letter.headers)
    assert headers[HEADER_PREFIX + "code"] == b"schema_violation"
    assert b"by" in headers[HEADER_PREFIX + "reason"]
    assert headers[HEADER_PREFIX + "topic"] == acks.encode()
