"""The router's state as table entries: what changed after an event, and the codecs to write and read it back.

The router keeps its state in faust tables (``hub.workers.router``); this module is their pure part. Every entry is
``(table, key, value)`` with JSON bytes as value, or None to delete the key. The core keeps a decoded copy for
speed and writes the entries that changed after every batch; a worker that starts (or takes over) reads the
tables back with ``decode_*`` and goes on where the previous one stopped.

A vehicle's line-direction is stored as its line and direction number and resolved against the network when read:
a network that no longer has the line gives a vehicle without a snap, as for any unknown line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import asdict
from typing import Any, Literal, TypeVar

from pydantic import TypeAdapter

from hub.errors import NetworkError
from hub.network.tram import Snap, TramNetwork
from hub.router.alerts import AlertRecord, DeskContents
from hub.router.frozen import ABSENT, FrozenMap
from hub.router.live import LiveState, PredictedArrival, UnitStateEntry, VehicleState
from hub.schemas.incident import Incident
from hub.schemas.transit import TripUpdate

__all__ = [
    "TABLES",
    "DeskSaver",
    "Entry",
    "TableName",
    "decode_desk",
    "decode_event_clock",
    "decode_incident",
    "decode_incidents",
    "decode_trip",
    "decode_unit",
    "decode_vehicle",
    "encode_incident",
    "encode_trip",
    "encode_unit",
    "encode_vehicle",
    "live_changes",
    "live_state",
]

TableName = Literal["vehicles", "units", "trips", "incidents", "alerts", "desk"]
#: The router's tables, in the order a starting worker reads them.
TABLES: tuple[TableName, ...] = ("vehicles", "units", "trips", "incidents", "alerts", "desk")

_T = TypeVar("_T")

#: One table write: the key's new value, or None to delete the key.
Entry = tuple[TableName, str, bytes | None]


def _json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


# --- vehicles --------------------------------------------------------------------------------------------------


def encode_vehicle(vehicle: VehicleState) -> bytes:
    direction = vehicle.direction
    return _json(
        {
            "vehicle": vehicle.vehicle,
            "observed_at_s": vehicle.observed_at_s,
            "lat": vehicle.lat,
            "lon": vehicle.lon,
            "line": vehicle.line,
            "trip_id": vehicle.trip_id,
            "destination": vehicle.destination,
            "delay_s": vehicle.delay_s,
            "direction": None if direction is None else [direction.line, direction.direction],
            "snap": None if vehicle.snap is None else list(vehicle.snap),
            "arrivals": [[a.stop_index, a.stop_id, a.eta_s] for a in vehicle.arrivals],
        }
    )


def decode_vehicle(value: bytes, network: TramNetwork) -> VehicleState:
    """The vehicle of a ``vehicles`` entry; its line-direction from ``network`` (gone from it: no snap)."""
    raw = json.loads(value)
    direction = None
    snap = None
    if raw["direction"] is not None and raw["snap"] is not None:
        line, number = raw["direction"]
        try:
            direction = network.direction(line, number)
        except NetworkError:
            direction = None
        else:
            snap = Snap(*raw["snap"])
    arrivals = tuple(PredictedArrival(int(i), str(stop), float(eta)) for i, stop, eta in raw["arrivals"])
    return VehicleState(
        vehicle=raw["vehicle"],
        observed_at_s=raw["observed_at_s"],
        lat=raw["lat"],
        lon=raw["lon"],
        line=raw["line"],
        trip_id=raw["trip_id"],
        destination=raw["destination"],
        delay_s=raw["delay_s"],
        direction=direction,
        snap=snap,
        arrivals=arrivals if direction is not None else (),
    )


# --- units, trips, incidents -----------------------------------------------------------------------------------


def encode_unit(unit: UnitStateEntry) -> bytes:
    return _json(asdict(unit))


def decode_unit(value: bytes) -> UnitStateEntry:
    return UnitStateEntry(**json.loads(value))


def encode_trip(trip: TripUpdate) -> bytes:
    return trip.model_dump_json(exclude_none=True).encode()


def decode_trip(value: bytes) -> TripUpdate:
    return TripUpdate.model_validate_json(value)


def encode_incident(incident: Incident) -> bytes:
    return incident.model_dump_json(exclude_none=True).encode()


def decode_incident(value: bytes) -> Incident:
    return Incident.model_validate_json(value)


# --- the live state as a whole ---------------------------------------------------------------------------------


def live_changes(before: LiveState, after: LiveState) -> list[Entry]:
    """The table entries that turn ``before`` into ``after``. The state is immutable and an ``apply_*`` that
    changes nothing returns the same objects, so identity tells what changed without comparing values."""
    if before is after:
        return []
    out: list[Entry] = []
    out += _changes("vehicles", before.vehicles, after.vehicles, encode_vehicle)
    out += _changes("units", before.units, after.units, encode_unit)
    out += _changes("trips", before.trips, after.trips, encode_trip)
    return out


def _changes(table: TableName, before: Mapping[str, Any], after: Mapping[str, Any], encode: Any) -> list[Entry]:
    """The entries of the keys whose value changed from ``before`` to ``after``. When ``after`` is a later version
    of ``before`` (``FrozenMap``, as the live state keeps them) only the keys changed since are looked at, so a save
    costs what changed, not the size of the fleet; otherwise the two are compared in full."""
    if before is after:
        return []
    changed = after.changes_since(before) if isinstance(after, FrozenMap) else None
    if changed is None:
        changed = {key: before.get(key, ABSENT) for key in after if before.get(key, ABSENT) is not after[key]}
        changed.update({key: value for key, value in before.items() if key not in after})
    out: list[Entry] = []
    for key, old in changed.items():
        new = after.get(key, ABSENT)
        if new is ABSENT:
            if old is not ABSENT:
                out.append((table, key, None))
        elif new is not old:
            out.append((table, key, encode(new)))
    return out


def _readable(
    table: TableName, values: Mapping[str, bytes], decode: Callable[[bytes], _T], unreadable: list[str]
) -> dict[str, _T]:
    """The decoded values of a table; a value that cannot be read (written by another version, damaged) is left
    out and its ``table/key`` added to ``unreadable``: one bad entry must not keep the router from starting."""
    out: dict[str, _T] = {}
    for key, value in values.items():
        try:
            out[key] = decode(value)
        except (ValueError, TypeError, KeyError, IndexError) as exc:  # pydantic's ValidationError is a ValueError
            unreadable.append(f"{table}/{key}: {type(exc).__name__}")
    return out


def live_state(
    vehicles: Mapping[str, bytes],
    units: Mapping[str, bytes],
    trips: Mapping[str, bytes],
    network: TramNetwork,
    unreadable: list[str] | None = None,
) -> LiveState:
    """The live state held in the three tables (values as written by ``live_changes``); entries that cannot be
    read are left out and named in ``unreadable``."""
    bad = unreadable if unreadable is not None else []
    return LiveState(
        vehicles=FrozenMap(_readable("vehicles", vehicles, lambda v: decode_vehicle(v, network), bad)),
        units=FrozenMap(_readable("units", units, decode_unit, bad)),
        trips=FrozenMap(_readable("trips", trips, decode_trip, bad)),
    )


def decode_incidents(values: Mapping[str, bytes], unreadable: list[str] | None = None) -> dict[str, Incident]:
    """The open incidents held in the ``incidents`` table; entries that cannot be read are named in ``unreadable``."""
    return _readable("incidents", values, decode_incident, unreadable if unreadable is not None else [])


# --- the alert desk --------------------------------------------------------------------------------------------

_RECORD = TypeAdapter(AlertRecord)
_CLOCK_KEY = "clock/event"


def _desk_entries(contents: DeskContents) -> dict[str, bytes]:
    """The desk's small maps as ``desk`` table entries, keyed ``<kind>/<id>``."""
    entries = {f"disrupted/{k}": _json(sorted(lines)) for k, lines in contents.disrupted.items()}
    entries.update({f"token/{k}": _json(token) for k, token in contents.tokens.items()})
    entries.update({f"tombstone/{k}": _json([rev, t]) for k, (rev, t) in contents.tombstones.items()})
    entries.update({f"inhibited/{k}": b"true" for k in contents.inhibited})
    return entries


class DeskSaver:
    """Remembers what the tables hold of an alert desk and names what changed since (``changes``)."""

    def __init__(self) -> None:
        self._records: dict[str, bytes] = {}
        self._desk: dict[str, bytes] = {}

    def changes(
        self, contents: DeskContents, touched: set[str], *, full: bool = False, event_clock_s: float | None = None
    ) -> list[Entry]:
        """Entries for the records in ``touched`` (every record when ``full``) whose value changed or that are
        gone, and for the desk's maps and the router's event clock (None: the router runs on wall time). Records
        are compared as encoded: what did not change is not written."""
        out: list[Entry] = []
        names = set(contents.records) | set(self._records) if full else touched
        for aid in sorted(names):
            record = contents.records.get(aid)
            if record is None:
                if self._records.pop(aid, None) is not None:
                    out.append(("alerts", aid, None))
                continue
            value = _RECORD.dump_json(record)
            if self._records.get(aid) != value:
                self._records[aid] = value
                out.append(("alerts", aid, value))
        now = _desk_entries(contents)
        if event_clock_s is not None:
            now[_CLOCK_KEY] = _json(event_clock_s)
        out += [("desk", k, v) for k, v in now.items() if self._desk.get(k) != v]
        out += [("desk", k, None) for k in self._desk if k not in now]
        self._desk = now
        return out

    def taken_over(self, alerts: Mapping[str, bytes], desk: Mapping[str, bytes]) -> None:
        """The tables hold ``alerts`` and ``desk`` now (a worker took over from them)."""
        self._records = dict(alerts)
        self._desk = dict(desk)


def decode_event_clock(desk: Mapping[str, bytes]) -> float | None:
    """The router's event clock as saved in the ``desk`` table, or None."""
    value = desk.get(_CLOCK_KEY)
    return None if value is None else float(json.loads(value))


def decode_desk(
    alerts: Mapping[str, bytes], desk: Mapping[str, bytes], unreadable: list[str] | None = None
) -> DeskContents:
    """The desk held in the ``alerts`` and ``desk`` tables; entries that cannot be read are left out and named in
    ``unreadable``."""
    bad = unreadable if unreadable is not None else []
    contents = DeskContents(
        records=_readable("alerts", alerts, _RECORD.validate_json, bad),
        disrupted={},
        tokens={},
        tombstones={},
        inhibited=set(),
    )
    for key, raw in _readable("desk", desk, json.loads, bad).items():
        kind, _, ident = key.partition("/")
        try:
            if kind == "disrupted":
                contents.disrupted[ident] = frozenset(raw)
            elif kind == "token":
                contents.tokens[ident] = str(raw)
            elif kind == "tombstone":
                contents.tombstones[ident] = (int(raw[0]), float(raw[1]))
            elif kind == "inhibited":
                contents.inhibited.add(ident)
        except (ValueError, TypeError, KeyError, IndexError) as exc:
            bad.append(f"desk/{key}: {type(exc).__name__}")
    return contents
