"""The intercept scenario of ``hub demo`` and of the router's integration tests: a silent driver alarm on tram 654.

Tram 654 runs on line 2 (direction 0) between the line's 2nd and 3rd stop and reports GTFS-RT vehicle positions
(twice, so its direction shows). The police have one available car, ``Leopard 12/1``, at the line's first stop,
behind the tram (it meets the tram only if HAVAG holds it: a hold request), and a busy one at the tram's next stop;
the Ordnungsamt has a car far away. Then the driver presses the emergency key. The documents are built for a given
``now`` by pure functions; ``send`` puts them through the real formats onto the raw topics, as the connectors
would, and ``wait_for_events`` reads what the router answers. ``narrate`` tells the answer in a few lines.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from google.transit import gtfs_realtime_pb2 as pb
from kafka import KafkaProducer

from hub.config import Settings
from hub.formats.registry import FORMATS
from hub.kafka_read import read_topic
from hub.network.tram import Direction, LineStop, TramNetwork, load_tram_network
from hub.schemas import CloudEvent
from hub.topology import qualified

__all__ = [
    "BUSY_POLICE_CAR",
    "CALL_SIGNS",
    "LINE",
    "ORDNUNGSAMT_CAR",
    "POLICE_CAR",
    "TRAM",
    "AlarmScenario",
    "Document",
    "driver_alarm",
    "line_stops",
    "narrate",
    "scenario",
    "send",
    "send_all",
    "tram_feed",
    "tram_positions",
    "unit_report",
    "wait_for_events",
]

TRAM = "654"
LINE = "2"
DIRECTION: Direction = 0
POLICE_CAR = "Leopard 12/1"  # available (status 1), behind the tram
BUSY_POLICE_CAR = "Leopard 12/2"  # status 6 (not available), right at the tram's next stop
ORDNUNGSAMT_CAR = "Stadtwache 3"  # available (status 2), far away
CALL_SIGNS = (POLICE_CAR, BUSY_POLICE_CAR, ORDNUNGSAMT_CAR)

#: One document for one format: (format name in ``hub.formats.registry.FORMATS``, the document's bytes).
Document = tuple[str, bytes]


def line_stops() -> Sequence[LineStop]:
    """The stops of line 2, direction 0, in running order."""
    return load_tram_network().direction(LINE, DIRECTION).stops


def tram_feed(now: datetime, lat: float, lon: float, bearing: float, vehicle: str = TRAM) -> bytes:
    """A GTFS-RT VehiclePositions feed (protobuf) with one vehicle of line 2 at (lat, lon), stamped ``now``."""
    stamp = int(now.timestamp())
    header = pb.FeedHeader(gtfs_realtime_version="2.0", timestamp=stamp)
    entity = pb.FeedEntity(
        id=f"v{vehicle}",
        vehicle=pb.VehiclePosition(
            trip=pb.TripDescriptor(trip_id="HAVAG-2-07", route_id="HAT___2", direction_id=DIRECTION),
            vehicle=pb.VehicleDescriptor(id=vehicle, label=vehicle),
            position=pb.Position(latitude=lat, longitude=lon, bearing=bearing),
            timestamp=stamp,
        ),
    )
    return pb.FeedMessage(header=header, entity=[entity]).SerializeToString()


def unit_report(unit: str, status: int, lat: float, lon: float, now: datetime) -> bytes:
    """A unit's status and TETRA-style position report (the hub's JSON) at ``now``."""
    return json.dumps(
        {
            "unit": unit,
            "time": now.isoformat(),
            "status": status,
            "location": {"lat": lat, "lon": lon, "position_error_m": 10.0, "time_elapsed_s": 2},
        }
    ).encode()


def driver_alarm(alarm_id: str, last: LineStop, next_: LineStop, now: datetime, state: str = "raised") -> bytes:
    """A silent driver alarm from tram 654 on line 2, halfway between ``last`` and ``next_`` (``state``: raised,
    or cleared for the clear-down)."""
    alarm = {
        "alarm_id": alarm_id,
        "vehicle": TRAM,
        "line": LINE,
        "mode": "silent",
        "state": state,
        "last_stop": last.stop_id,
        "next_stop": next_.stop_id,
        "position": {"lat": (last.lat + next_.lat) / 2, "lon": (last.lon + next_.lon) / 2},
        "time": now.isoformat(),
    }
    return json.dumps(alarm).encode()


def tram_positions(now: datetime, last: LineStop, next_: LineStop) -> list[Document]:
    """Two positions of tram 654 between ``last`` and ``next_``, 20 s and 10 s before ``now``: it moves forward."""
    documents = []
    for step, frac in ((0, 0.2), (1, 0.5)):
        at = now - timedelta(seconds=20 - 10 * step)
        lat, lon = last.lat + (next_.lat - last.lat) * frac, last.lon + (next_.lon - last.lon) * frac
        documents.append(("gtfsrt-vehicle-positions", tram_feed(at, lat, lon, 120.0)))
    return documents


@dataclass(frozen=True)
class AlarmScenario:
    """The documents of one run: ``live`` (positions and unit reports) goes first, ``alarm`` once the router has
    taken the live state in."""

    alarm_id: str
    last_stop: LineStop  # the stop the tram passed
    next_stop: LineStop  # the stop it runs towards
    live: tuple[Document, ...]
    alarm: Document
    ahead: frozenset[str]  # DHIDs of the stops still ahead of the tram (where an intercept may happen)

    @property
    def incident_id(self) -> str:
        """The canonical incident the driver-alarm format makes of the alarm (the police alert's incident id)."""
        return f"driver-alarm:{self.alarm_id}"


def scenario(now: datetime, alarm_id: str) -> AlarmScenario:
    """Tram 654 between the 2nd and 3rd stop of line 2, the units, and the driver alarm, all at ``now``."""
    stops = line_stops()
    a, b = stops[1], stops[2]
    units: list[Document] = [
        ("unit-report-polizei", unit_report(POLICE_CAR, 1, stops[0].lat, stops[0].lon, now)),
        ("unit-report-polizei", unit_report(BUSY_POLICE_CAR, 6, b.lat, b.lon, now)),
        ("unit-report-ordnungsamt", unit_report(ORDNUNGSAMT_CAR, 2, 51.50, 11.99, now)),
    ]
    return AlarmScenario(
        alarm_id=alarm_id,
        last_stop=a,
        next_stop=b,
        live=(*tram_positions(now, a, b), *units),
        alarm=("driver-alarm", driver_alarm(alarm_id, a, b, now)),
        ahead=frozenset(s.stop_id for s in stops[2:]),
    )


def send(producer: KafkaProducer, settings: Settings, format_name: str, document: bytes) -> int:
    """Cut ``document`` into records with the format ``format_name`` and produce them to its raw topic (with the
    settings' prefix), as a connector would; returns how many. The caller flushes."""
    fmt = FORMATS[format_name]
    records = fmt.split(document)
    for record in records:
        producer.send(qualified(settings.topic_prefix, fmt.raw_topic), key=record.key, value=record.value)
    return len(records)


def send_all(producer: KafkaProducer, settings: Settings, documents: Sequence[Document]) -> int:
    """``send`` every document, in order, and flush; returns how many records were produced."""
    produced = sum(send(producer, settings, name, document) for name, document in documents)
    producer.flush()
    return produced


def wait_for_events(
    settings: Settings,
    topic: str,
    timeout_s: float = 60.0,
    until: Callable[[list[CloudEvent]], bool] = bool,
) -> list[CloudEvent]:
    """Every CloudEvent on ``topic`` (declared name, the settings' prefix is added) once ``until`` holds for them;
    ``TimeoutError`` naming the topic when it does not within ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    name = qualified(settings.topic_prefix, topic)
    while True:
        records = read_topic(settings.bootstrap(), name, idle_s=0.5)
        events = [CloudEvent.from_bytes(r.value) for r in records]
        if until(events):
            return events
        if time.monotonic() >= deadline:
            raise TimeoutError(f"what was awaited did not arrive on {name} within {timeout_s:.0f} s")
        time.sleep(0.5)


#: Times shown to people are Halle's local time, whatever the machine's zone.
HALLE_TIME = ZoneInfo("Europe/Berlin")


def narrate(police: dict[str, Any], havag: dict[str, Any], network: TramNetwork | None = None) -> list[str]:
    """A few lines on what the router told the police and HAVAG (the ``data`` of their alerts): who goes where,
    when unit and tram get there (Halle's local time), how long HAVAG is asked to hold the tram, and what HAVAG's alert
    leaves out."""
    stops = (network or load_tram_network()).stops()

    def stop(dhid: str | None) -> str:
        if dhid is None:
            return "no stop"
        found = stops.get(dhid)
        return f"{found.name} ({dhid})" if found is not None else dhid

    def clock(stamp: str | None) -> str:
        return datetime.fromisoformat(stamp).astimezone(HALLE_TIME).strftime("%H:%M:%S") if stamp else "-"

    vehicle, line = havag.get("vehicle") or police.get("vehicle"), havag.get("line") or police.get("line")
    lines = [f"driver alarm on tram {vehicle} (line {line})"]
    unit = police.get("recommended_unit")
    if unit is None:
        lines.append("  -> police: no available unit to send")
    else:
        lines.append(
            f"  -> police: send {unit} to {stop(police.get('intercept_stop_dhid'))}, unit there "
            f"{clock(police.get('unit_eta'))}, tram {clock(police.get('vehicle_eta'))}"
        )
    hold = havag.get("hold_request")
    if hold is None:
        lines.append(f"  -> HAVAG: tram {havag.get('vehicle')}, no hold needed")
    else:
        lines.append(
            f"  -> HAVAG: hold tram {havag.get('vehicle')} at {stop(hold.get('stop_dhid'))} "
            f"up to {hold.get('max_hold_s')} s"
        )
    text = json.dumps(havag)
    if havag.get("recommended_unit") is None and not any(sign in text for sign in CALL_SIGNS):
        lines.append("     HAVAG's alert names no unit and no caller")
    else:
        lines.append("     HAVAG's alert names a unit call sign, an operational secret: this is a bug")
    return lines
