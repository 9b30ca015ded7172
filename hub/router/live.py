"""Live state for the router: the latest position of every vehicle (snapped, with predicted arrivals) and the latest
status and position of every patrol unit, folded from canonical events by pure ``apply_*`` functions.

State never goes backwards in time: a report older than the one held is ignored. Staleness is the recommender's job.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TypeVar

from hub.errors import NetworkError
from hub.network.tram import Direction, LineDirection, Snap, TramNetwork
from hub.network.travel import DEFAULT_TIMING, TramTiming, UnitType, predict_arrivals
from hub.router.frozen import FrozenMap
from hub.router.model import InterceptTarget, PlaceIncident, StopAhead, UnitState, VehicleIncident
from hub.schemas.codes import DEFAULT_STATUS_CODES, StatusCodeList
from hub.schemas.incident import Incident
from hub.schemas.transit import TripUpdate, VehiclePosition
from hub.schemas.units import UnitStatus

__all__ = [
    "ON_INCIDENT_STATUSES",
    "LiveConfig",
    "LiveState",
    "PredictedArrival",
    "UnitStateEntry",
    "VehicleState",
    "apply_trip_update",
    "apply_unit_status",
    "apply_vehicle_position",
    "forget_old",
    "incident_view",
    "mark_dispatched",
]

#: Status digits of a unit working an incident (3 on the way, 4 on scene): the watchdog's and the assignment's.
ON_INCIDENT_STATUSES = frozenset({3, 4})

_V = TypeVar("_V")

#: Movement along the line below this (metres) says nothing about direction: GPS jitter at a stop is larger.
_MIN_PROGRESS_M = 15.0


def _default_unit_types() -> Mapping[str, UnitType]:
    return MappingProxyType({"polizei": "police_car", "ordnungsamt": "ordnungsamt_car"})


def _default_status_codes() -> Mapping[str, StatusCodeList]:
    return DEFAULT_STATUS_CODES


@dataclass(frozen=True, slots=True)
class LiveConfig:
    """What live state needs besides the events: the network, tram timing, code lists, unit types."""

    network: TramNetwork
    timing: TramTiming = DEFAULT_TIMING
    status_codes: Mapping[str, StatusCodeList] = field(default_factory=_default_status_codes)
    # Radio reports do not say whether a unit is a car or on foot; the roster does. Call sign first, then agency.
    unit_types: Mapping[str, UnitType] = field(default_factory=lambda: MappingProxyType({}))
    agency_unit_types: Mapping[str, UnitType] = field(default_factory=_default_unit_types)
    # What has not been heard of for this long is forgotten (``forget_old``), so the state stays bounded: a day
    # brings thousands of trips; a vehicle in the depot or a unit off duty comes back with its next report.
    forget_trip_after_s: float = 2 * 3600.0
    forget_vehicle_after_s: float = 6 * 3600.0
    forget_unit_after_s: float = 24 * 3600.0

    def unit_type(self, unit: str, agency: str) -> UnitType:
        """The unit's type from the roster, else its agency's usual type (a car)."""
        return self.unit_types.get(unit) or self.agency_unit_types.get(agency, "police_car")


@dataclass(frozen=True, slots=True)
class PredictedArrival:
    """The predicted arrival of a vehicle at one stop ahead, in POSIX seconds."""

    stop_index: int
    stop_id: str
    eta_s: float


@dataclass(frozen=True, slots=True)
class VehicleState:
    """The latest report of one vehicle and what follows from it: line-direction, snap, arrivals ahead.

    ``direction``/``snap`` are None when the line is unknown to the network (buses, unknown variants), the position is
    too far from the line, or the direction cannot be told yet; the raw position is kept in every case.
    """

    vehicle: str
    observed_at_s: float
    lat: float
    lon: float
    line: str | None
    trip_id: str | None
    destination: str | None
    delay_s: float | None  # the feed's delay at the position, already contained in where the vehicle is
    direction: LineDirection | None
    snap: Snap | None
    arrivals: tuple[PredictedArrival, ...]


@dataclass(frozen=True, slots=True)
class UnitStateEntry:
    """The latest status of one unit, its latest position fix, availability and the incident it works on."""

    unit: str
    agency: str
    unit_type: UnitType
    status_code: int
    status_at_s: float  # when the status digit was reported
    last_heard_s: float  # any report, including requests to talk: the watchdog's clock
    available: bool | None  # None: the digit is not in the agency's code list
    lat: float | None = None
    lon: float | None = None
    fix_at_s: float | None = None  # when the position was measured, not when it arrived
    incident_ref: str | None = None  # set while the unit is in status 3 or 4 on that incident
    emergency: bool = False
    last_dispatched_at_s: float | None = None
    # The router's clock when the report behind ``last_heard_s`` arrived (None: not recorded, e.g. saved before the
    # field existed): a report already old on arrival is a replay or back-fill, not a unit heard live (watchdog).
    received_s: float | None = None


@dataclass(frozen=True, slots=True)
class LiveState:
    """Everything the router knows right now. Immutable: every ``apply_*`` returns a new state.

    Two indexes keep a trip update and a position from looking at every vehicle or trip (issue 13):
    ``vehicles_on_trip`` (trip id -> the vehicles whose latest position names it) and ``trips_of_vehicle``
    (vehicle -> the trips whose update names it, in the order of ``trips``). Built from the three maps when not
    given (a new state, a restored one); the ``apply_*`` functions keep them up to date after that.
    """

    vehicles: Mapping[str, VehicleState] = field(default_factory=FrozenMap)
    units: Mapping[str, UnitStateEntry] = field(default_factory=FrozenMap)
    trips: Mapping[str, TripUpdate] = field(default_factory=FrozenMap)  # by trip id
    vehicles_on_trip: Mapping[str, frozenset[str]] = field(default=None, compare=False, repr=False)  # type: ignore[arg-type]
    trips_of_vehicle: Mapping[str, tuple[str, ...]] = field(default=None, compare=False, repr=False)  # type: ignore[arg-type]

    def __post_init__(self) -> None:
        if self.vehicles_on_trip is None:
            on_trip: dict[str, set[str]] = {}
            for vehicle in self.vehicles.values():
                if vehicle.trip_id is not None:
                    on_trip.setdefault(vehicle.trip_id, set()).add(vehicle.vehicle)
            object.__setattr__(self, "vehicles_on_trip", FrozenMap({k: frozenset(v) for k, v in on_trip.items()}))
        if self.trips_of_vehicle is None:
            object.__setattr__(self, "trips_of_vehicle", FrozenMap(_trips_by_vehicle(self.trips)))


def _trips_by_vehicle(trips: Mapping[str, TripUpdate]) -> dict[str, tuple[str, ...]]:
    """Vehicle -> the ids of the trips naming it, in the order of ``trips``."""
    out: dict[str, list[str]] = {}
    for trip_id, trip in trips.items():
        if trip.vehicle is not None:
            out.setdefault(trip.vehicle, []).append(trip_id)
    return {vehicle: tuple(ids) for vehicle, ids in out.items()}


def _frozen(mapping: Mapping[str, _V]) -> FrozenMap[str, _V]:
    return mapping if isinstance(mapping, FrozenMap) else FrozenMap(mapping)


def _with(mapping: Mapping[str, _V], key: str, value: _V) -> Mapping[str, _V]:
    """``mapping`` with ``key`` set: O(1), not a copy of the map (``hub.router.frozen``)."""
    return _frozen(mapping).set(key, value)


def _without(mapping: Mapping[str, _V], keys: list[str]) -> Mapping[str, _V]:
    return _frozen(mapping).without(keys) if keys else mapping


# --- vehicles ------------------------------------------------------------------------------------------------


def _direction_by_destination(network: TramNetwork, line: str, destination: str) -> LineDirection | None:
    """The direction whose last stop is ``destination``: a DHID, a stop name (sign text), or ``0``/``1``."""
    if destination in ("0", "1"):
        return network.direction(line, 0 if destination == "0" else 1)
    wanted = destination.strip().casefold()
    for candidate in network.line(line).directions:
        end = candidate.destination
        if end.stop_id == destination or end.name.casefold() == wanted:
            return candidate
    for candidate in network.line(line).directions:  # a sign often shows only part of the stop name
        if wanted and wanted in candidate.destination.name.casefold():
            return candidate
    return None


def _direction_by_stops(
    network: TramNetwork, line: str, current: str | None, following: str | None
) -> LineDirection | None:
    """The direction in which ``current`` comes before ``following`` (the feed's current and next stop)."""
    if current is None or following is None or current == following:
        return None
    for candidate in network.line(line).directions:
        if (
            current in candidate
            and following in candidate
            and candidate.index_of(current) < candidate.index_of(following)
        ):
            return candidate
    return None


def _resolve_direction(
    network: TramNetwork, event: VehiclePosition, destination: str | None, previous: VehicleState | None
) -> LineDirection | None:
    """Tell the direction, from the best evidence first: the trip's destination, the feed's current and next stop,
    the vehicle's movement since its previous report on the same line, and finally the direction held before."""
    line = event.line
    assert line is not None
    if destination:
        found = _direction_by_destination(network, line, destination)
        if found is not None:
            return found
    found = _direction_by_stops(network, line, event.current_stop_dhid, event.next_stop_dhid)
    if found is not None:
        return found
    if previous is not None and previous.line == line:
        # Both directions are the same track reversed, so the snap offsets are equal: only movement tells them apart.
        there = network.direction(line, 0)
        try:
            before = there.snap(previous.lat, previous.lon).distance_m
            now = there.snap(event.lat, event.lon, hint_m=before).distance_m
        except NetworkError:
            return previous.direction
        if now - before > _MIN_PROGRESS_M:
            return there
        if before - now > _MIN_PROGRESS_M:
            return network.direction(line, 1)
        return previous.direction
    return None


def _predict(
    direction: LineDirection,
    snap: Snap,
    observed_at_s: float,
    position_delay_s: float | None,
    trip: TripUpdate | None,
    timing: TramTiming,
) -> tuple[PredictedArrival, ...]:
    """Arrivals from the snapped position, adjusted where the trip's realtime update knows better.

    The position already contains the delay accumulated so far (docs/network.md), so a feed's current delay is not
    added again. What a TripUpdate adds is delay *ahead*: a stop's ``arrival_delay_s`` beyond the current delay (a
    hold, a disruption) shifts that stop and, as GTFS-RT propagates it, the stops after it; an absolute
    ``arrival_time`` replaces the model's estimate for its stop. Arrivals never decrease along the line.
    """
    model = predict_arrivals(direction, snap, timing, t0_s=observed_at_s)
    if trip is None or not trip.stop_updates:
        # Nothing ahead to adjust (the common case): the model's arrivals, which never decrease along the line, as
        # they are (what the loop below makes of them without updates; issue 13).
        return tuple(PredictedArrival(a.stop_index, a.stop_id, a.eta_s) for a in model)
    by_stop = {
        u.stop_dhid or u.stop_id: u for u in (trip.stop_updates if trip is not None else ()) if u.stop_dhid or u.stop_id
    }
    current = position_delay_s
    if current is None and trip is not None and trip.delay_s is not None:
        current = float(trip.delay_s)
    current = current or 0.0
    extra = 0.0
    latest = -float("inf")
    out: list[PredictedArrival] = []
    for arrival in model:
        eta = arrival.eta_s
        update = by_stop.get(arrival.stop_id)
        if update is not None and update.schedule_relationship == "scheduled":
            if update.arrival_delay_s is not None:
                extra = max(0.0, update.arrival_delay_s - current)
            if update.arrival_time is not None:
                eta = update.arrival_time.timestamp()
                extra = 0.0  # the feed's own time replaces the model for this stop; later stops follow the model
                latest = max(latest, eta)
                out.append(PredictedArrival(arrival.stop_index, arrival.stop_id, latest))
                continue
        latest = max(latest, eta + extra)
        out.append(PredictedArrival(arrival.stop_index, arrival.stop_id, latest))
    return tuple(out)


def _trip_for(state: LiveState, trip_id: str | None, vehicle: str) -> TripUpdate | None:
    if trip_id is not None and trip_id in state.trips:
        return state.trips[trip_id]
    # Feeds without trip ids on positions still name the vehicle on the trip: the first such trip, from the index.
    ids = state.trips_of_vehicle.get(vehicle)
    return state.trips[ids[0]] if ids else None


def _vehicle_state(
    config: LiveConfig,
    event: VehiclePosition,
    destination: str | None,
    trip: TripUpdate | None,
    previous: VehicleState | None,
) -> VehicleState:
    at = event.observed_at.timestamp()
    delay = float(event.delay_s) if event.delay_s is not None else None
    direction: LineDirection | None = None
    snap: Snap | None = None
    arrivals: tuple[PredictedArrival, ...] = ()
    if event.line is not None:
        try:
            direction = _resolve_direction(config.network, event, destination, previous)
            if direction is not None:
                hint = None
                if previous is not None and previous.direction is direction and previous.snap is not None:
                    hint = previous.snap.distance_m  # where the line passes close to itself, stay on our part
                snap = direction.snap(event.lat, event.lon, hint_m=hint)
                arrivals = _predict(direction, snap, at, delay, trip, config.timing)
        except NetworkError:
            # An unknown line (a bus) or a position far off the line: keep the raw position, unsnapped.
            direction, snap, arrivals = None, None, ()
    return VehicleState(
        vehicle=event.vehicle,
        observed_at_s=at,
        lat=event.lat,
        lon=event.lon,
        line=event.line,
        trip_id=event.trip_id,
        destination=destination,
        delay_s=delay,
        direction=direction,
        snap=snap,
        arrivals=arrivals,
    )


def apply_vehicle_position(state: LiveState, event: VehiclePosition, config: LiveConfig) -> LiveState:
    """Fold one vehicle position into the state; a report not newer than the one held is ignored."""
    previous = state.vehicles.get(event.vehicle)
    at = event.observed_at.timestamp()
    if previous is not None and at <= previous.observed_at_s:
        return state
    trip = _trip_for(state, event.trip_id, event.vehicle)
    destination = event.direction or (trip.direction if trip is not None else None)
    if destination is None and previous is not None and previous.line == event.line:
        destination = previous.destination
    new = _vehicle_state(config, event, destination, trip, previous)
    on_trip = state.vehicles_on_trip
    before = previous.trip_id if previous is not None else None
    if before != new.trip_id:
        on_trip = _moved(on_trip, event.vehicle, before, new.trip_id)
    return dataclasses.replace(state, vehicles=_with(state.vehicles, event.vehicle, new), vehicles_on_trip=on_trip)


def _moved(
    on_trip: Mapping[str, frozenset[str]], vehicle: str, before: str | None, after: str | None
) -> Mapping[str, frozenset[str]]:
    """``vehicles_on_trip`` with ``vehicle`` moved from trip ``before`` to trip ``after`` (None: no trip)."""
    if before is not None:
        left = on_trip.get(before, frozenset()) - {vehicle}
        on_trip = _with(on_trip, before, left) if left else _without(on_trip, [before])
    if after is not None:
        on_trip = _with(on_trip, after, on_trip.get(after, frozenset()) | {vehicle})
    return on_trip


def apply_trip_update(state: LiveState, event: TripUpdate, config: LiveConfig) -> LiveState:
    """Fold one trip update in (older than the one held: ignored) and re-predict the vehicle running that trip."""
    held = state.trips.get(event.trip_id)
    if held is not None and event.observed_at <= held.observed_at:
        return state
    trips = _with(state.trips, event.trip_id, event)
    by_vehicle = _trip_moved(state, held, event, trips)
    vehicles = state.vehicles
    # The vehicles on the trip and the one it names, from the indexes (not a pass over the fleet).
    concerned = set(state.vehicles_on_trip.get(event.trip_id, ()))
    if event.vehicle is not None and event.vehicle in state.vehicles:
        concerned.add(event.vehicle)
    for name in concerned:
        vehicle = state.vehicles[name]
        if vehicle.direction is not None and vehicle.snap is not None:
            arrivals = _predict(
                vehicle.direction, vehicle.snap, vehicle.observed_at_s, vehicle.delay_s, event, config.timing
            )
            vehicles = _with(vehicles, name, dataclasses.replace(vehicle, arrivals=arrivals))
    return dataclasses.replace(state, trips=trips, vehicles=vehicles, trips_of_vehicle=by_vehicle)


def _trip_moved(
    state: LiveState, held: TripUpdate | None, event: TripUpdate, trips: Mapping[str, TripUpdate]
) -> Mapping[str, tuple[str, ...]]:
    """``trips_of_vehicle`` after ``event`` replaced ``held`` (None: a new trip, last in ``trips``)."""
    index = state.trips_of_vehicle
    before = held.vehicle if held is not None else None
    after = event.vehicle
    if held is not None and before == after:
        return index
    if before is not None:
        left = tuple(t for t in index.get(before, ()) if t != event.trip_id)
        index = _with(index, before, left) if left else _without(index, [before])
    if after is not None:
        if held is None:  # a new key goes last in ``trips``, so last among the vehicle's trips too
            index = _with(index, after, (*index.get(after, ()), event.trip_id))
        else:  # an old trip now naming another vehicle keeps its place in ``trips``: rare, the order read from it
            index = _with(index, after, tuple(t for t, trip in trips.items() if trip.vehicle == after))
    return index


# --- units ---------------------------------------------------------------------------------------------------


def apply_unit_status(
    state: LiveState, event: UnitStatus, config: LiveConfig, received_s: float | None = None
) -> LiveState:
    """Fold one unit report in: status digit, position fix, availability, incident assignment.

    A request to talk (0, 5, 7 in the default lists) keeps the previous status; it still counts as hearing from
    the unit. The position is taken only when its fix is newer than the one held. ``received_s`` is the router's
    clock as the report arrives (kept with the report that was last heard from the unit).
    """
    previous = state.units.get(event.unit)
    at = event.observed_at.timestamp()
    if previous is not None and at <= previous.status_at_s and at <= previous.last_heard_s:
        return state
    codes = config.status_codes.get(event.agency)
    code = codes.get(event.status_code) if codes is not None else None
    request_only = code is not None and code.request_only
    if previous is not None and request_only:
        digit, status_at, incident_ref = previous.status_code, previous.status_at_s, previous.incident_ref
        available = previous.available
    else:
        digit, status_at = event.status_code, at
        available = code.available if code is not None else None
        if digit in ON_INCIDENT_STATUSES:
            # Keep the assignment across 3 -> 4 reports that omit the reference.
            incident_ref = event.incident_ref or (previous.incident_ref if previous is not None else None)
        else:
            incident_ref = None
    lat = previous.lat if previous is not None else None
    lon = previous.lon if previous is not None else None
    fix_at = previous.fix_at_s if previous is not None else None
    if event.position is not None:
        new_fix = at - (event.position.fix_age_s or 0.0)
        if fix_at is None or new_fix > fix_at:
            lat, lon, fix_at = event.position.lat, event.position.lon, new_fix
    entry = UnitStateEntry(
        unit=event.unit,
        agency=event.agency,
        unit_type=config.unit_type(event.unit, event.agency),
        status_code=digit,
        status_at_s=status_at,
        last_heard_s=max(at, previous.last_heard_s) if previous is not None else at,
        available=available,
        lat=lat,
        lon=lon,
        fix_at_s=fix_at,
        incident_ref=incident_ref,
        emergency=event.emergency,
        last_dispatched_at_s=previous.last_dispatched_at_s if previous is not None else None,
        received_s=received_s if previous is None or at >= previous.last_heard_s else previous.received_s,
    )
    return dataclasses.replace(state, units=_with(state.units, event.unit, entry))


def mark_dispatched(state: LiveState, unit: str, at_s: float) -> LiveState:
    """Record that the hub proposed ``unit`` at ``at_s``, so it is not proposed twice (see ``recent_dispatch_s``)."""
    entry = state.units.get(unit)
    if entry is None:
        return state
    updated = dataclasses.replace(entry, last_dispatched_at_s=at_s)
    return dataclasses.replace(state, units=_with(state.units, unit, updated))


def forget_old(state: LiveState, now_s: float, config: LiveConfig) -> LiveState:
    """The state without trips, vehicles and units not heard of for longer than the config's ``forget_*_after_s``
    (the same object when nothing is that old)."""
    trips = [k for k, t in state.trips.items() if now_s - t.observed_at.timestamp() > config.forget_trip_after_s]
    vehicles = [k for k, v in state.vehicles.items() if now_s - v.observed_at_s > config.forget_vehicle_after_s]
    units = [k for k, u in state.units.items() if now_s - u.last_heard_s > config.forget_unit_after_s]
    if not trips and not vehicles and not units:
        return state
    return LiveState(
        vehicles=_without(state.vehicles, vehicles),
        units=_without(state.units, units),
        trips=_without(state.trips, trips),
    )


# --- the recommender's inputs --------------------------------------------------------------------------------


def _vehicle_incident(incident_id: str, vehicle: VehicleState, now_s: float) -> VehicleIncident | None:
    direction, snap = vehicle.direction, vehicle.snap
    if direction is None or snap is None:
        return None
    # Stops whose predicted arrival already passed are behind the vehicle by now: no unit can wait there.
    ahead = tuple(
        StopAhead(
            a.stop_index,
            a.stop_id,
            direction.stops[a.stop_index].name,
            direction.stops[a.stop_index].lat,
            direction.stops[a.stop_index].lon,
            a.eta_s,
        )
        for a in vehicle.arrivals
        if a.eta_s >= now_s
    )
    dir_id: Direction = direction.direction
    return VehicleIncident(incident_id, vehicle.vehicle, direction.line, dir_id, vehicle.lat, vehicle.lon, snap, ahead)


def incident_view(
    state: LiveState, incident: Incident, now_s: float, config: LiveConfig
) -> tuple[InterceptTarget | None, tuple[UnitState, ...]]:
    """The inputs of ``recommend`` for one incident: where it is, and every unit with a known position.

    An incident naming a vehicle the state knows is a ``VehicleIncident`` when the vehicle is snapped, else a place
    at the vehicle's last position (a tram's own position beats a caller's). Otherwise the incident's location, else
    its stop. None when nothing places it. Availability and staleness are left to ``recommend``.
    """
    where: InterceptTarget | None = None
    vehicle = state.vehicles.get(incident.vehicle) if incident.vehicle is not None else None
    if vehicle is not None:
        where = _vehicle_incident(incident.incident_id, vehicle, now_s)
        if where is None or not where.stops_ahead:
            where = PlaceIncident(incident.incident_id, vehicle.lat, vehicle.lon)
    elif incident.location is not None:
        where = PlaceIncident(incident.incident_id, incident.location.lat, incident.location.lon)
    elif incident.stop_dhid is not None:
        stop = config.network.stops().get(incident.stop_dhid)
        if stop is not None:
            where = PlaceIncident(incident.incident_id, stop.lat, stop.lon)
    return where, _unit_states(state.units)


#: The last units map ``_unit_states`` was asked about, and its answer (one slot: the router asks about the current
#: map for every incident a position touches, and the map changes only with a unit's report).
_UNIT_STATES: list[tuple[Mapping[str, UnitStateEntry], tuple[UnitState, ...]]] = []


def _unit_states(units: Mapping[str, UnitStateEntry]) -> tuple[UnitState, ...]:
    """Every unit with a known position, as ``recommend`` takes them. A ``FrozenMap`` never changes, so the answer
    for the same one is kept: with 100 open incidents and 150 units building it was a third of the router's time
    per position (issue 13)."""
    if _UNIT_STATES and _UNIT_STATES[0][0] is units:
        return _UNIT_STATES[0][1]
    states = tuple(
        UnitState(
            unit_id=u.unit,
            agency=u.agency,
            unit_type=u.unit_type,
            lat=u.lat,
            lon=u.lon,
            fix_at_s=u.fix_at_s,
            status_code=u.status_code,
            last_dispatched_at_s=u.last_dispatched_at_s,
        )
        for u in units.values()
        if u.lat is not None and u.lon is not None and u.fix_at_s is not None
    )
    if isinstance(units, FrozenMap):
        _UNIT_STATES[:] = [(units, states)]
    return states
