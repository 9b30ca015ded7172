"""The router's index of open incidents by vehicle (issue 13): a position re-ranks the incidents naming its vehicle,
found in the index, and the router does exactly what the scan of every open incident it replaced did."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.messages import OutRecord
from hub.network.tram import load_tram_network
from hub.privacy.keys import demo_keyring
from hub.privacy.policy import DOMAINS
from hub.privacy.pseudonym import pseudonymise
from hub.router.core import RouterCore
from hub.schemas import CloudEvent, wrap
from hub.schemas.incident import Incident
from hub.schemas.transit import TripUpdate, VehiclePosition
from hub.schemas.units import GeoFix, UnitStatus

NETWORK = load_tram_network()
LINE5 = NETWORK.direction("5", 0)
T0 = 1_780_000_000.0
HAVAG_KEY = demo_keyring(DOMAINS).for_domain("havag").active
VEHICLES = ("654", "655", "656")


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


class ScanningCore(RouterCore):
    """The router as it was: every open incident tested against the vehicle."""

    def on_vehicle(self, vehicle: str) -> list[Incident]:
        return [i for i in self.incidents.values() if i.vehicle == vehicle]


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def event(payload: object, n: int, t: float) -> bytes:
    return wrap(payload, source="/test", source_record_id=str(n), time=at(t)).to_bytes()  # type: ignore[arg-type]


def incident(number: int, vehicle: str | None, status: str, t: float) -> Incident:
    return Incident.model_validate(
        {
            "incident_id": f"DA-{number}",
            "mode": "actual",
            "origin": "driver_alarm",
            "type_code": "TRANSIT/DRIVER_ALARM/SILENT",
            "priority": 1,
            "status": status,
            "reported_at": at(t),
            "confidentiality": "restricted",
            "legal_basis": "SOG LSA § 27",
            "retention_class": "standard",
            "vehicle": vehicle,
            "line": "5",
            **({} if vehicle is not None else {"location": {"lat": 51.48, "lon": 11.97, "uncertainty_m": 50}}),
        }
    )


def position(vehicle: str, metres: float, t: float) -> VehiclePosition:
    lat, lon = LINE5.point_at(metres)
    return VehiclePosition(
        vehicle=vehicle, line="5", direction=LINE5.destination.stop_id, lat=lat, lon=lon, observed_at=at(t)
    )


def new_core(kind: type[RouterCore]) -> tuple[RouterCore, Clock]:
    clock = Clock()
    core = kind(network=NETWORK, clock=clock, reference=lambda v: pseudonymise(v, HAVAG_KEY))
    ulat, ulon = LINE5.point_at(5_000)
    for i in range(3):
        unit = UnitStatus(
            agency="polizei",
            unit=f"POL-{i}",
            status_code=1,
            position=GeoFix(lat=ulat + 0.002 * i, lon=ulon),
            observed_at=at(T0 - 10),
        )
        core.process("canon.unit-status", event(unit, 10 + i, T0 - 10))
    return core, clock


def comparable(records: list[OutRecord]) -> list[tuple[str, bytes | None, str]]:
    """Topic, key and alert of each record (the envelope's id and time are made per send)."""
    return [(r.topic, r.key, json.dumps(CloudEvent.from_bytes(r.value).data, sort_keys=True)) for r in records]


operation = st.one_of(
    st.tuples(
        st.just("incident"),
        st.integers(0, 5),
        st.sampled_from([*VEHICLES, None]),
        st.sampled_from(["open", "open", "closed"]),
    ),
    st.tuples(st.just("position"), st.sampled_from(VEHICLES), st.floats(500, 9_000)),
    st.tuples(st.just("trip"), st.sampled_from(VEHICLES)),
    st.tuples(st.just("tick"), st.sampled_from([1.0, 30.0, 4_000.0])),
    st.tuples(st.just("restart")),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(operation, min_size=1, max_size=25))
def test_the_index_finds_what_the_scan_found(operations: list[tuple[object, ...]]) -> None:
    """Incidents opened, moved to another vehicle, closed, expired by the tick, taken over by a new worker:
    ``on_vehicle`` lists what the scan lists, in the same order, and every position, trip update, incident and
    tick gives the same alerts as the scanning router."""
    indexed, clock = new_core(RouterCore)
    scanning, scan_clock = new_core(ScanningCore)
    n = 100
    for op in operations:
        n += 1
        clock.now = scan_clock.now = clock.now + 1
        kind = op[0]
        if kind == "tick":
            clock.now = scan_clock.now = clock.now + float(op[1])  # type: ignore[arg-type]
            assert comparable(indexed.tick()) == comparable(scanning.tick())
        elif kind == "restart":
            tables: dict[str, dict[str, bytes]] = {}
            for table, key, value in indexed.changes():
                if value is not None:
                    tables.setdefault(table, {})[key] = value
            scanning.changes()
            indexed, clock = new_core(RouterCore)
            clock.now = scan_clock.now
            indexed.restore(tables)  # type: ignore[arg-type]
            scanning = ScanningCore(network=NETWORK, clock=scan_clock, reference=lambda v: pseudonymise(v, HAVAG_KEY))
            scanning.restore(tables)  # type: ignore[arg-type]
        else:
            if kind == "incident":
                number, vehicle, status = op[1], op[2], op[3]
                topic, value = "canon.incident", event(incident(number, vehicle, status, clock.now), n, clock.now)  # type: ignore[arg-type]
            elif kind == "position":
                topic, value = "canon.vehicle-position", event(position(op[1], op[2], clock.now), n, clock.now)  # type: ignore[arg-type]
            else:
                trip = TripUpdate(trip_id=f"T-{op[1]}", vehicle=op[1], observed_at=at(clock.now))  # type: ignore[arg-type]
                topic, value = "canon.trip-update", event(trip, n, clock.now)
            assert comparable(indexed.process(topic, value)) == comparable(scanning.process(topic, value))
        assert list(indexed.incidents) == list(scanning.incidents)
        for vehicle in VEHICLES:
            expected = [i for i in indexed.incidents.values() if i.vehicle == vehicle]
            assert indexed.on_vehicle(vehicle) == expected


def test_a_position_re_ranks_only_its_vehicles_incidents() -> None:
    """With incidents on two trams, a position of one re-ranks (alerts anew) only the incident on that tram."""
    core, clock = new_core(RouterCore)
    core.process("canon.vehicle-position", event(position("654", 2_000, T0), 1, T0))
    core.process("canon.vehicle-position", event(position("655", 3_000, T0), 2, T0))
    core.process("canon.incident", event(incident(1, "654", "open", T0), 3, T0))
    core.process("canon.incident", event(incident(2, "655", "open", T0), 4, T0))
    clock.now = T0 + 20
    sent = core.process("canon.vehicle-position", event(position("654", 2_300, T0 + 20), 5, T0 + 20))
    about = {CloudEvent.from_bytes(r.value).data.get("incident_id") for r in sent}
    assert "DA-2" not in about
    assert [i.incident_id for i in core.on_vehicle("654")] == ["DA-1"]
    core.process("canon.incident", event(incident(1, "655", "open", T0 + 21), 6, T0 + 21))  # moved to tram 655
    assert core.on_vehicle("654") == []
    assert [i.incident_id for i in core.on_vehicle("655")] == ["DA-1", "DA-2"]
