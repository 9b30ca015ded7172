"""The router in the pipeline: a driver alarm on a tram, after the tram's positions and the units' reports went
through their connectors' formats and the normaliser, gives a police alert naming an available unit and an
intercept stop ahead of the tram, and a HAVAG alert with the hold request and no personal data. The police's
acknowledgement on acks.polizei gives the alert its acknowledged revision; a broken one is dead-lettered."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from google.transit import gtfs_realtime_pb2 as pb
from kafka import KafkaProducer

from hub.config import Settings
from hub.formats.registry import FORMATS
from hub.kafka_read import read_topic
from hub.network.tram import LineStop, load_tram_network
from hub.processes import StageProcess, free_port
from hub.schemas import CloudEvent
from hub.streams.deadletter import HEADER_PREFIX
from hub.topology import qualified

pytestmark = pytest.mark.integration


@pytest.fixture
def workers(settings: Settings, tmp_path: Path) -> Iterator[dict[str, StageProcess]]:
    """The normalise and router stages as real worker processes (router with the demo keys for its tokens)."""
    routed = settings.model_copy(update={"pseudonym_keys": "demo"})
    procs = {s: StageProcess(routed, s, free_port(), tmp_path / f"{s}.log") for s in ("normalise", "router")}
    for p in procs.values():
        p.start()
    try:
        for p in procs.values():
            p.wait_ready(timeout_s=60)
        yield procs
    finally:
        assert {s: p.stop() for s, p in procs.items()} == {"normalise": 0, "router": 0}


def _send(producer: KafkaProducer, settings: Settings, format_name: str, document: bytes) -> int:
    fmt = FORMATS[format_name]
    records = fmt.split(document)
    for record in records:
        producer.send(qualified(settings.topic_prefix, fmt.raw_topic), key=record.key, value=record.value)
    return len(records)


def _tram_feed(now: datetime, lat: float, lon: float, bearing: float) -> bytes:
    stamp = int(now.timestamp())
    header = pb.FeedHeader(gtfs_realtime_version="2.0", timestamp=stamp)
    entity = pb.FeedEntity(
        id="v654",
        vehicle=pb.VehiclePosition(
            trip=pb.TripDescriptor(trip_id="HAVAG-2-07", route_id="HAT___2", direction_id=0),
            vehicle=pb.VehicleDescriptor(id="654", label="654"),
            position=pb.Position(latitude=lat, longitude=lon, bearing=bearing),
            timestamp=stamp,
        ),
    )
    return pb.FeedMessage(header=header, entity=[entity]).SerializeToString()


def _unit(unit: str, status: int, lat: float, lon: float, now: datetime) -> bytes:
    return json.dumps(
        {
            "unit": unit,
            "time": now.isoformat(),
            "status": status,
            "location": {"lat": lat, "lon": lon, "position_error_m": 10.0, "time_elapsed_s": 2},
        }
    ).encode()


def _alarm(alarm_id: str, last: LineStop, next_: LineStop, now: datetime) -> bytes:
    """A silent driver alarm from tram 654 on line 2, halfway between ``last`` and ``next_``."""
    alarm = {
        "alarm_id": alarm_id,
        "vehicle": "654",
        "line": "2",
        "mode": "silent",
        "state": "raised",
        "last_stop": last.stop_id,
        "next_stop": next_.stop_id,
        "position": {"lat": (last.lat + next_.lat) / 2, "lon": (last.lon + next_.lon) / 2},
        "time": now.isoformat(),
    }
    return json.dumps(alarm).encode()


def _wait_for(
    settings: Settings, topic: str, timeout_s: float = 60.0, until: Callable[[list[CloudEvent]], bool] = bool
) -> list[CloudEvent]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        records = read_topic(settings.bootstrap(), qualified(settings.topic_prefix, topic), idle_s=0.5)
        events = [CloudEvent.from_bytes(r.value) for r in records]
        if until(events):
            return events
        time.sleep(0.5)
    raise AssertionError(f"what the test waits for did not arrive on {topic}")


def test_driver_alarm_gives_police_intercept_and_havag_hold(
    settings: Settings, workers: dict[str, StageProcess]
) -> None:
    """Police alert: an available unit and an intercept stop ahead of the tram; HAVAG alert: the hold request and
    no unit call sign (an operational secret) anywhere in it. The police acknowledge on acks.polizei: a new revision
    in state acknowledged follows; an acknowledgement without ``by`` goes to dlq.router with its reason."""
    direction = load_tram_network().direction("2", 0)
    stops = direction.stops
    # The tram runs towards the city on line 2, between its 2nd and 3rd stop; it moves once so its direction shows.
    now = datetime.now(UTC)
    producer = KafkaProducer(bootstrap_servers=settings.bootstrap())
    a, b = stops[1], stops[2]
    for step, frac in ((0, 0.2), (1, 0.5)):
        at = now - timedelta(seconds=20 - 10 * step)
        lat, lon = a.lat + (b.lat - a.lat) * frac, a.lon + (b.lon - a.lon) * frac
        _send(producer, settings, "gtfsrt-vehicle-positions", _tram_feed(at, lat, lon, 120.0))
    ahead = {s.stop_id for s in stops[2:]}
    # An available police car behind the tram (it can only meet the tram if HAVAG holds it: the hold saves more
    # than the minimum the router asks HAVAG for), a busy one right at the next stop, an Ordnungsamt car far away.
    _send(producer, settings, "unit-report-polizei", _unit("Leopard 12/1", 1, stops[0].lat, stops[0].lon, now))
    _send(producer, settings, "unit-report-polizei", _unit("Leopard 12/2", 6, b.lat, b.lon, now))
    _send(producer, settings, "unit-report-ordnungsamt", _unit("Stadtwache 3", 2, 51.50, 11.99, now))
    producer.flush()
    time.sleep(2.0)  # let the router take in the live state before the alarm
    _send(producer, settings, "driver-alarm", _alarm("654-e2e-1", a, b, now))
    producer.flush()

    police = _wait_for(settings, "alerts.polizei")[-1]
    assert police.hubrecipient == "polizei"
    assert police.data["recommended_unit"] == "Leopard 12/1", "the only available police unit"
    assert police.data["intercept_stop_dhid"] in ahead, "the intercept stop lies ahead of the tram"
    assert police.data["unit_eta"] is not None
    assert police.data["vehicle_eta"] is not None

    havag = _wait_for(settings, "alerts.havag")[-1]
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

    revisions = [e for e in _wait_for(settings, "alerts.polizei", until=acknowledged) if e.subject == police.subject]
    [acked] = [e for e in revisions if e.data["state"] == "acknowledged"]
    assert acked.data["alert_id"] == police.data["alert_id"]
    assert acked.data["revision"] > police.data["revision"]
    assert acked.data["recommended_unit"] == "Leopard 12/1", "the accepted plan stays"
    deadline = time.monotonic() + 30
    while not (letters := read_topic(settings.bootstrap(), qualified(settings.topic_prefix, "dlq.router"), idle_s=0.5)):
        assert time.monotonic() < deadline, "the broken acknowledgement was not dead-lettered"
        time.sleep(0.5)
    [letter] = letters
    headers = dict(letter.headers)
    assert headers[HEADER_PREFIX + "code"] == b"schema_violation"
    assert b"by" in headers[HEADER_PREFIX + "reason"]
    assert headers[HEADER_PREFIX + "topic"] == acks.encode()
