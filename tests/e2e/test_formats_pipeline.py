"""Every agency format through the real normaliser worker: records cut by the formats, produced to their raw topics
as a connector would, come out as canonical events on the right canon.* topics; a broken one is dead-lettered."""

from __future__ import annotations

import json

import pytest
from google.transit import gtfs_realtime_pb2 as pb
from kafka import KafkaProducer

from hub.config import Settings
from hub.deadletter import parse_headers
from hub.formats.registry import FORMATS
from hub.schemas import CloudEvent
from hub.topology import qualified
from tests.helpers.kafka import dead_letters, events
from tests.helpers.workers import WorkerFactory
from tests.unit.formats.test_cap_samples import alert

pytestmark = pytest.mark.integration

T0 = 1_795_730_400  # 2026-11-20T21:00:00Z


def _vehicle_feed() -> bytes:
    """A GTFS-RT feed with one vehicle position (tram 654)."""
    header = pb.FeedHeader(gtfs_realtime_version="2.0", timestamp=T0)
    entity = pb.FeedEntity(
        id="v654",
        vehicle=pb.VehiclePosition(
            vehicle=pb.VehicleDescriptor(id="654", label="654"),
            position=pb.Position(latitude=51.4818, longitude=11.9698, bearing=90.0),
            timestamp=T0 - 5,
        ),
    )
    return pb.FeedMessage(header=header, entity=[entity]).SerializeToString()


DOCUMENTS: dict[str, bytes] = {
    "cap": alert("E-2026-000777"),
    "driver-alarm": json.dumps(
        {
            "alarm_id": "654-20261120-220007",
            "vehicle": "654",
            "line": "2",
            "mode": "silent",
            "state": "raised",
            "next_stop": "de:15002:5227",
            "position": {"lat": 51.480783, "lon": 11.934780},
            "time": "2026-11-20T22:00:07+01:00",
        }
    ).encode(),
    "unit-report-polizei": json.dumps(
        {"unit": "Leopard 12/1", "time": "2026-11-20T22:00:09+01:00", "status": 2, "emergency": False}
    ).encode(),
    "gtfsrt-vehicle-positions": _vehicle_feed(),
}
EXPECTED = {
    "cap": "canon.incident",
    "driver-alarm": "canon.incident",
    "unit-report-polizei": "canon.unit-status",
    "gtfsrt-vehicle-positions": "canon.vehicle-position",
}


def test_each_agency_format_reaches_its_canonical_topic(settings: Settings, start_workers: WorkerFactory) -> None:
    """CAP, driver alarm, unit report and GTFS-RT records become canonical events; a broken unit report (a status
    digit the police code list lacks) lands in dlq.normalise with the reason."""
    workers = start_workers("normalise")
    normaliser = workers["normalise"]
    producer = KafkaProducer(bootstrap_servers=settings.bootstrap())
    sent = 0
    for name, document in DOCUMENTS.items():
        fmt = FORMATS[name]
        for record in fmt.split(document):
            producer.send(qualified(settings.topic_prefix, fmt.raw_topic), key=record.key, value=record.value)
            sent += 1
    bad = FORMATS["unit-report-polizei"]
    broken = json.dumps({"unit": "Leopard 12/2", "time": "2026-11-20T22:00:11+01:00", "status": 8}).encode()
    [bad_record] = bad.split(broken)
    producer.send(qualified(settings.topic_prefix, bad.raw_topic), key=bad_record.key, value=bad_record.value)
    producer.flush()
    producer.close()

    workers.wait_for_count("normalise", "hub_events_in_total", sent + 1, stage="normalise")
    assert normaliser.counter("hub_events_out_total", stage="normalise") == sent

    by_topic: dict[str, list[CloudEvent]] = {}
    for topic in set(EXPECTED.values()):
        by_topic[topic] = events(settings, topic, idle_s=1.0)
    sources = sorted(e.source for e in by_topic["canon.incident"])
    assert sources == ["/havag/driver-alarm", "/polizei/cap"]
    assert [e.data["unit"] for e in by_topic["canon.unit-status"]] == ["Leopard 12/1"]
    assert [e.data["vehicle"] for e in by_topic["canon.vehicle-position"]] == ["654"]

    [letter] = dead_letters(settings, "normalise")
    headers = parse_headers(letter.headers)
    assert headers["code"] == "schema_violation"
    assert "digit 8" in headers["reason"]
    assert letter.value == bad_record.value
