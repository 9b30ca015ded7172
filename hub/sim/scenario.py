"""The simulator's timeline: trams of ``hub.sim.world`` on runs with HAVAG-like car numbers and delays against a
timetable, police and Ordnungsamt units patrolling and changing status, and incidents that a simulated control
room hands to the nearest free unit. Pure: built from the seed and the options alone, no clock, no I/O.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
import random
import statistics
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from hub.network.gtfs_static import default_gtfs
from hub.network.tram import LineStop, TramNetwork, haversine_m
from hub.network.travel import DEFAULT_TIMING, StraightLineRouter, UnitType, schedule
from hub.sim.world import TramTrip, World, WorldConfig, build_world, offset_position

__all__ = [
    "DEFAULT_INCIDENT_MIX",
    "HALLE",
    "IncidentKind",
    "Leg",
    "RadioReport",
    "Scenario",
    "ScenarioConfig",
    "ScriptedIncident",
    "SimClock",
    "StopEvent",
    "TramRun",
    "TramState",
    "UnitTrack",
    "build_scenario",
]

HALLE = ZoneInfo("Europe/Berlin")

IncidentKind = Literal[
    "driver_alarm_silent", "driver_alarm_loud", "passenger_emergency", "assault_on_vehicle", "at_stop"
]

#: Share of each incident kind. Driver alarms come from the on-board unit; the others reach the police by phone
#: (a passenger, HAVAG's control room, a passer-by) and come to the hub as the police's CAP export.
DEFAULT_INCIDENT_MIX: tuple[tuple[IncidentKind, float], ...] = (
    ("driver_alarm_silent", 0.20),
    ("driver_alarm_loud", 0.15),
    ("passenger_emergency", 0.15),
    ("assault_on_vehicle", 0.20),
    ("at_stop", 0.30),
)


@dataclass(frozen=True, slots=True)
class StopEvent:
    """What an incident at a stop is: the CAP event text, category, the hub type code and who is sent."""

    event: str
    category: str
    type_code: str
    agency: Literal["polizei", "ordnungsamt"]


_STOP_EVENTS: tuple[StopEvent, ...] = (
    StopEvent("Körperverletzung", "Security", "CRIME/ASSAULT", "polizei"),
    StopEvent("Raub", "Security", "CRIME/ROBBERY", "polizei"),
    StopEvent("Bedrohung", "Security", "CRIME/THREAT", "polizei"),
    StopEvent("hilflose Person", "Safety", "SAFETY/HELPLESS_PERSON", "polizei"),
    StopEvent("Ruhestörung", "Safety", "PUBLIC_ORDER/NUISANCE", "ordnungsamt"),
)


@dataclass(frozen=True, slots=True)
class ScenarioConfig:
    """Everything that shapes a scenario besides the seed; the defaults are argued in docs/sim.md."""

    start: datetime = datetime(2026, 11, 20, 21, 45, tzinfo=HALLE)
    duration_s: float = 3600.0
    incident_rate_per_h: float = 6.0
    incident_mix: tuple[tuple[IncidentKind, float], ...] = DEFAULT_INCIDENT_MIX
    feed_interval_s: float = 10.0  # the ITCS publishes GTFS-RT every 10 s
    report_batch_s: float = 5.0  # the radio gateway forwards the reports it decoded in one push this often
    police_cars: int = 24
    police_on_foot: int = 4
    ordnungsamt_cars: int = 12
    ordnungsamt_on_foot: int = 8
    # HAVAG runs from about 04:30 to 00:30; the world's trips are laid out over that day (seconds after midnight).
    service_start_s: float = 4.5 * 3600
    service_end_s: float = 24.5 * 3600
    min_layover_s: float = 180.0  # a car turns at the terminus no faster than this

    def __post_init__(self) -> None:
        if self.start.utcoffset() is None:
            raise ValueError("the scenario start must carry a time zone")
        if self.duration_s <= 0 or self.feed_interval_s <= 0 or self.report_batch_s <= 0:
            raise ValueError("duration, feed interval and report batch must be positive")
        if self.incident_rate_per_h < 0:
            raise ValueError("the incident rate must not be negative")
        if abs(sum(share for _, share in self.incident_mix) - 1.0) > 1e-9:
            raise ValueError("the incident mix must sum to 1")
        if min(self.police_cars, self.police_on_foot, self.ordnungsamt_cars, self.ordnungsamt_on_foot) < 0:
            raise ValueError("unit counts must not be negative")


@dataclass(frozen=True, slots=True)
class SimClock:
    """Simulation seconds are seconds after local midnight of the service day (the world's clock)."""

    midnight: datetime  # aware, local

    def at(self, t: float) -> datetime:
        """The local time (Europe/Berlin) of simulation second ``t``, whole seconds."""
        utc = self.midnight.astimezone(ZoneInfo("UTC")) + timedelta(seconds=math.floor(t))
        return utc.astimezone(HALLE)

    def iso(self, t: float) -> str:
        return self.at(t).isoformat()

    def posix(self, t: float) -> int:
        return int(self.at(t).timestamp())

    @property
    def service_date(self) -> str:
        return self.midnight.strftime("%Y%m%d")


# --- trams ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TramRun:
    """One run (Umlauf): the car that works a chain of trips of one line, turning at the termini."""

    line: str
    number: int
    car: str

    @property
    def name(self) -> str:
        return f"{self.line}-{self.number:02d}"


@dataclass(frozen=True, slots=True)
class TramState:
    """A tram at one moment, as its on-board unit knows it: where, on which trip, which stops, how late."""

    trip_id: str
    route_id: str
    line: str
    direction: int
    car: str
    run: str
    observed_s: float
    lat: float
    lon: float
    bearing_deg: float
    speed_mps: float
    stopped: bool  # standing at ``stop`` (else running towards it)
    stop_index: int
    stop_id: str
    last_stop_id: str  # the last stop reached (where it stands, when standing)
    next_stop_id: str | None  # the next stop ahead (None at the terminus)
    headsign: str
    delay_s: int
    arrivals: tuple[tuple[int, str, int, int], ...]  # (stop sequence, DHID, predicted arrival s, delay s) ahead


def _bearing(a: LineStop, b: LineStop) -> float:
    dlon = math.radians(b.lon - a.lon)
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    y = math.sin(dlon) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dlon)
    return round(math.degrees(math.atan2(y, x)) % 360.0, 1)


class _Timetable:
    """The planned departure of every world trip: its line-direction's headway from the first planned trip.

    The world keeps only the actual times; the plan is recovered from them (each trip leaves 0-4 min late), so the
    delay a feed reports is the actual time minus the schedule of ``hub.network.travel``.
    """

    def __init__(self, world: World) -> None:
        by_direction: dict[tuple[str, int], list[TramTrip]] = defaultdict(list)
        for trip in world.trips:
            by_direction[(trip.direction.line, trip.direction.direction)].append(trip)
        self.planned_start: dict[str, float] = {}
        for trips in by_direction.values():
            trips.sort(key=_trip_number)
            starts = [trip.start_s for trip in trips]
            diffs = [b - a for a, b in itertools.pairwise(starts)] or [world.config.headways_s[0]]
            headway = min(world.config.headways_s, key=lambda h: abs(h - statistics.median(diffs)))
            first = min(trip.start_s - _trip_number(trip) * headway for trip in trips)
            for trip in trips:
                self.planned_start[trip.trip_id] = first + _trip_number(trip) * headway

    def arrive(self, trip: TramTrip, index: int) -> float:
        return self.planned_start[trip.trip_id] + schedule(trip.direction, DEFAULT_TIMING).arrive_s[index]

    def depart(self, trip: TramTrip, index: int) -> float:
        return self.planned_start[trip.trip_id] + schedule(trip.direction, DEFAULT_TIMING).depart_s[index]


def _trip_number(trip: TramTrip) -> int:
    return int(trip.trip_id.rsplit("/", 1)[1])


def _runs(world: World, seed: int, min_layover_s: float) -> dict[str, TramRun]:
    """Chain each line's trips into runs: a car takes the next trip leaving from the terminus where it stands."""
    by_line: dict[str, list[TramTrip]] = defaultdict(list)
    for trip in world.trips:
        by_line[trip.direction.line].append(trip)
    # HAVAG's cars carry 3-digit numbers (6xx, 9xx, ...); one seeded draw without repeats.
    numbers = list(range(601, 1000))
    random.Random(f"{seed}:cars").shuffle(numbers)  # noqa: S311 (a seeded simulation, not security)
    assigned: dict[str, TramRun] = {}
    for line in sorted(by_line, key=lambda name: (len(name), name)):
        idle: list[tuple[float, int, str]] = []  # (ready at, run number, terminus stop id)
        count = 0
        for trip in sorted(by_line[line], key=lambda t: (t.start_s, t.trip_id)):
            origin = trip.direction.origin.stop_id
            ready = [entry for entry in idle if entry[2] == origin and entry[0] <= trip.start_s]
            if ready:
                chosen = min(ready)
                idle.remove(chosen)
                number = chosen[1]
            else:
                count += 1
                number = count
            assigned[trip.trip_id] = TramRun(line, number, "")
            idle.append((trip.end_s + min_layover_s, number, trip.direction.destination.stop_id))
    cars: dict[tuple[str, int], str] = {}
    for run in sorted({(r.line, r.number) for r in assigned.values()}, key=lambda k: (len(k[0]), k[0], k[1])):
        if not numbers:
            raise ValueError("more runs than 3-digit car numbers")
        cars[run] = str(numbers.pop())
    return {trip_id: TramRun(r.line, r.number, cars[(r.line, r.number)]) for trip_id, r in assigned.items()}


# --- units ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Leg:
    """A unit moving in a straight line (or standing, when both ends agree) from ``t0`` to ``t1`` in one status."""

    t0: float
    t1: float
    lat0: float
    lon0: float
    lat1: float
    lon1: float
    status: int
    incident_ref: str | None = None

    def position(self, t: float) -> tuple[float, float]:
        span = self.t1 - self.t0
        f = min(1.0, max(0.0, (t - self.t0) / span)) if span > 0 else 1.0
        return self.lat0 + f * (self.lat1 - self.lat0), self.lon0 + f * (self.lon1 - self.lon0)

    @property
    def speed_mps(self) -> float:
        span = self.t1 - self.t0
        return haversine_m(self.lat0, self.lon0, self.lat1, self.lon1) / span if span > 0 else 0.0


@dataclass(slots=True)
class UnitTrack:
    """One unit of the scenario and everything it does, as legs in time order."""

    call_sign: str
    agency: Literal["polizei", "ordnungsamt"]
    unit_type: UnitType
    home: tuple[float, float]  # the station or office it returns to for status 2
    report_interval_s: float
    legs: list[Leg] = field(default_factory=list)
    replans: int = 0

    def leg_at(self, t: float) -> Leg:
        starts = [leg.t0 for leg in self.legs]
        return self.legs[max(0, bisect.bisect_right(starts, t) - 1)]

    def cut(self, t: float) -> tuple[float, float]:
        """Drop everything planned from ``t`` on; returns where the unit is at ``t``."""
        keep = [leg for leg in self.legs if leg.t1 <= t]
        current = self.leg_at(t)
        lat, lon = current.position(t)
        if current.t0 < t < current.t1:
            keep.append(Leg(current.t0, t, current.lat0, current.lon0, lat, lon, current.status, current.incident_ref))
        self.legs = keep
        return lat, lon


@dataclass(frozen=True, slots=True)
class RadioReport:
    """One TETRA status/location report as the radio gateway decodes it (LIP classes as their upper bounds)."""

    t: float
    call_sign: str
    agency: Literal["polizei", "ordnungsamt"]
    status: int
    lat: float
    lon: float
    position_error_m: int
    velocity_kmh: int
    direction_deg: float | None
    time_elapsed_s: int
    incident_ref: str | None


# --- incidents -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScriptedIncident:
    """One incident of the scenario: what, where, when, how it reaches the hub and which unit the control room sent."""

    number: int
    kind: IncidentKind
    t: float  # when it happened (the key pressed, the call made)
    reported_s: float  # when it reaches the hub (driver alarm: at once; CAP: after the call is taken)
    lat: float
    lon: float
    event: StopEvent
    stop: LineStop | None  # the stop of an incident at a stop
    tram: TramState | None  # the tram of an incident on a vehicle, at ``t``
    cleared_s: float | None  # driver alarms: the clear-down
    cleared_tram: TramState | None
    incident_ref: str  # the id the hub gives the incident (what units report as their assignment)
    unit: str | None  # call sign of the unit the control room sent (None: nobody free)
    dispatched_s: float | None
    on_scene_s: float | None

    @property
    def channel(self) -> Literal["driver-alarm", "cap"]:
        return "driver-alarm" if self.kind.startswith("driver_alarm") else "cap"

    @property
    def alarm_mode(self) -> Literal["silent", "loud"]:
        return "loud" if self.kind == "driver_alarm_loud" else "silent"


_VEHICLE_EVENTS: Mapping[IncidentKind, StopEvent] = {
    "driver_alarm_silent": StopEvent("Fahrernotruf", "Transport", "TRANSIT/DRIVER_ALARM/SILENT", "polizei"),
    "driver_alarm_loud": StopEvent("Fahrernotruf", "Transport", "TRANSIT/DRIVER_ALARM/LOUD", "polizei"),
    "passenger_emergency": StopEvent("Fahrgastnotfall", "Health", "MEDICAL/HELPLESS_PERSON", "polizei"),
    "assault_on_vehicle": StopEvent("Körperverletzung", "Security", "CRIME/ASSAULT", "polizei"),
}

CAP_SENDER = "leitstelle@polizei.halle.example"
_PATROL_SPEED_KMH: Mapping[UnitType, float] = {"police_car": 30.0, "ordnungsamt_car": 25.0, "on_foot": 4.5}
_PATROL_RADIUS_M: Mapping[UnitType, float] = {"police_car": 2500.0, "ordnungsamt_car": 2000.0, "on_foot": 600.0}


class Scenario:
    """A whole simulated stretch of time, built eagerly from one seed: trams, units, incidents and reports."""

    def __init__(self, seed: int, config: ScenarioConfig) -> None:
        self.seed = seed
        self.config = config
        local = config.start.astimezone(HALLE)
        self.clock = SimClock(local.replace(hour=0, minute=0, second=0, microsecond=0))
        self.start_s = (local - self.clock.midnight).total_seconds()
        self.end_s = self.start_s + config.duration_s
        self.world = build_world(
            seed, WorldConfig(service_start_s=config.service_start_s, service_end_s=config.service_end_s)
        )
        self.network: TramNetwork = self.world.network
        self.timetable = _Timetable(self.world)
        self.runs = _runs(self.world, seed, config.min_layover_s)
        self._trips = {trip.trip_id: trip for trip in self.world.trips}
        self._router = StraightLineRouter()
        # The route the GTFS-RT normaliser resolves back to the line: the tram route (type 0) of that short name.
        trams = {r.short_name: r.route_id for r in default_gtfs().routes.values() if r.route_type == 0}
        missing = sorted(set(self.network.lines) - set(trams))
        if missing:
            raise ValueError(f"no GTFS tram route for line(s) {', '.join(missing)}")
        self._route_ids = {line: trams[line] for line in self.network.lines}
        self._halle_stops = sorted(
            (s for s in self.network.stops().values() if s.stop_id.startswith("de:15002:")), key=lambda s: s.stop_id
        )
        self.units = self._initial_units()
        self.incidents = self._play_incidents()
        self.reports = self._reports()

    # -- trams ------------------------------------------------------------------------------------------------

    def route_id(self, line: str) -> str:
        """The GTFS route id of a tram line in the shipped MDV data (``HAT___2`` is tram line 2)."""
        return self._route_ids[line]

    def trip_id(self, trip: TramTrip) -> str:
        line, direction, number = trip.trip_id.split("/")
        return f"{line}-{direction}-{int(number):03d}-{self.clock.service_date}"

    def feed_time(self, t: float) -> float:
        """The publication time of the feed current at ``t`` (never before the first)."""
        step = self.config.feed_interval_s
        return max(math.ceil(self.start_s / step) * step, math.floor(min(t, self.end_s) / step) * step)

    def trams(self, feed_t: float) -> list[TramState]:
        """Every tram in service for the feed published at ``feed_t``: each at its own last report before it."""
        states = []
        for trip in self.world.trams_at(feed_t):
            run = self.runs[trip.trip_id]
            # Each on-board unit reports on its own phase within the feed interval.
            phase = (int(run.car) * 7919) % int(self.config.feed_interval_s)
            observed = feed_t - phase
            if trip.in_service(observed):
                states.append(self.tram_state(trip, observed))
        states.sort(key=lambda s: s.car)
        return states

    def tram_state(self, trip: TramTrip, t: float) -> TramState:
        """The state of ``trip``'s tram at ``t`` (clamped to its trip)."""
        t = math.floor(t)
        stops = trip.direction.stops
        run = self.runs[trip.trip_id]
        k = max(0, bisect.bisect_right(trip.arrive_s, t) - 1)  # last stop reached
        at_end = k >= len(stops) - 1
        dwelling = at_end or t <= trip.depart_s[k] or t < trip.start_s
        lat, lon = trip.position_at(t)
        if dwelling:
            stop_index = k
            delay = (
                trip.arrive_s[k] - self.timetable.arrive(trip, k)
                if k > 0
                else trip.start_s - self.timetable.depart(trip, 0)
            )
            speed = 0.0
            bearing = _bearing(stops[max(0, k - 1)], stops[k]) if k > 0 else _bearing(stops[0], stops[1])
        else:
            stop_index = k + 1
            delay = trip.depart_s[k] - self.timetable.depart(trip, k)
            span = trip.arrive_s[k + 1] - trip.depart_s[k]
            speed = (stops[k + 1].distance_m - stops[k].distance_m) / span if span > 0 else 0.0
            bearing = _bearing(stops[k], stops[k + 1])
        delay_s = round(delay)
        first_ahead = stop_index + 1 if dwelling else stop_index
        arrivals = tuple(
            (j, stops[j].stop_id, self.clock.posix(self.timetable.arrive(trip, j) + delay_s), delay_s)
            for j in range(first_ahead, len(stops))
        )
        return TramState(
            trip_id=self.trip_id(trip),
            route_id=self.route_id(trip.direction.line),
            line=trip.direction.line,
            direction=trip.direction.direction,
            car=run.car,
            run=run.name,
            observed_s=t,
            lat=lat,
            lon=lon,
            bearing_deg=bearing,
            speed_mps=round(speed, 1),
            stopped=dwelling,
            stop_index=stop_index,
            stop_id=stops[stop_index].stop_id,
            last_stop_id=stops[k].stop_id,
            next_stop_id=stops[first_ahead].stop_id if first_ahead < len(stops) else None,
            headsign=trip.direction.destination.name,
            delay_s=delay_s,
            arrivals=arrivals,
        )

    # -- units ------------------------------------------------------------------------------------------------

    def _initial_units(self) -> list[UnitTrack]:
        cfg = self.config
        rng = random.Random(f"{self.seed}:units")  # noqa: S311 (a seeded simulation, not security)
        specs: list[tuple[Literal["polizei", "ordnungsamt"], UnitType, int]] = [
            ("polizei", "police_car", cfg.police_cars),
            ("polizei", "on_foot", cfg.police_on_foot),
            ("ordnungsamt", "ordnungsamt_car", cfg.ordnungsamt_cars),
            ("ordnungsamt", "on_foot", cfg.ordnungsamt_on_foot),
        ]
        units = []
        for agency, unit_type, count in specs:
            for n in range(count):
                units.append(self._new_unit(rng, agency, unit_type, n))
        return units

    def _new_unit(
        self, rng: random.Random, agency: Literal["polizei", "ordnungsamt"], unit_type: UnitType, n: int
    ) -> UnitTrack:
        # Call signs as the radio knows them: the police "Leo Halle <group>/<n>" (cars 1x, foot 3x), the
        # Ordnungsamt "Stadt Halle <group>/<n>" (cars 5x, foot 7x). Fictional, like every name in the simulator.
        group = {"police_car": 11, "ordnungsamt_car": 51, "on_foot": 31 if agency == "polizei" else 71}[unit_type]
        prefix = "Leo Halle" if agency == "polizei" else "Stadt Halle"
        call_sign = f"{prefix} {group + n // 9}/{n % 9 + 1}"
        anchor = rng.choice(self._halle_stops)
        home = offset_position(anchor.lat, anchor.lon, rng.gauss(0, 300), rng.gauss(0, 300))
        unit = UnitTrack(call_sign, agency, unit_type, home, rng.uniform(30.0, 60.0))
        status = 2 if rng.random() < 0.15 else 1
        lat, lon = offset_position(home[0], home[1], rng.gauss(0, 800), rng.gauss(0, 800))
        if status == 2:
            lat, lon = home
            until = self.start_s + rng.uniform(60.0, 1200.0)
            unit.legs.append(Leg(self.start_s, until, lat, lon, lat, lon, 2))
            self._patrol(unit, until, lat, lon)
        else:
            self._patrol(unit, self.start_s, lat, lon)
        return unit

    def _patrol(self, unit: UnitTrack, t: float, lat: float, lon: float) -> None:
        """Plan patrol legs from ``t`` to the end: move to a random point near home, stand a while, go on; now and
        then back to the station (status 2) or off the air (6)."""
        rng = random.Random(f"{self.seed}:patrol:{unit.call_sign}:{unit.replans}")  # noqa: S311
        unit.replans += 1
        speed = _PATROL_SPEED_KMH[unit.unit_type] / 3.6
        radius = _PATROL_RADIUS_M[unit.unit_type]
        while t < self.end_s + 600.0:
            draw = rng.random()
            if draw < 0.06:  # back to the station or office, free there
                target, status_after, stay = unit.home, 2, rng.uniform(600.0, 1500.0)
            elif draw < 0.08:  # a break: not available
                target, status_after, stay = (lat, lon), 6, rng.uniform(900.0, 1800.0)
            else:
                target = offset_position(unit.home[0], unit.home[1], rng.gauss(0, radius), rng.gauss(0, radius))
                status_after, stay = 1, rng.uniform(60.0, 300.0)
            drive = haversine_m(lat, lon, target[0], target[1]) * 1.3 / speed
            unit.legs.append(Leg(t, t + drive, lat, lon, target[0], target[1], 1))
            t += drive
            lat, lon = target
            unit.legs.append(Leg(t, t + stay, lat, lon, lat, lon, status_after))
            t += stay

    # -- incidents --------------------------------------------------------------------------------------------

    def _play_incidents(self) -> list[ScriptedIncident]:
        cfg = self.config
        rng = random.Random(f"{self.seed}:incidents")  # noqa: S311 (a seeded simulation, not security)
        kinds = [kind for kind, _ in cfg.incident_mix]
        weights = [share for _, share in cfg.incident_mix]
        drafts: list[tuple[float, int, _Draft]] = []
        t = self.start_s
        number = 0
        rate = cfg.incident_rate_per_h / 3600.0
        while rate > 0:
            t += rng.expovariate(rate)
            if t >= self.end_s:
                break
            kind = rng.choices(kinds, weights)[0]
            draft = self._draft(rng, kind, t, number)
            if draft is None:
                continue
            number += 1
            heapq.heappush(drafts, (draft.dispatch_s, draft.number, draft))
        incidents = []
        # Dispatch in the order the control room sends units: a unit's plan changes only from then on.
        while drafts:
            _, _, draft = heapq.heappop(drafts)
            incidents.append(self._dispatch(rng, draft))
        incidents.sort(key=lambda i: i.number)
        return incidents

    def _draft(self, rng: random.Random, kind: IncidentKind, t: float, number: int) -> _Draft | None:
        t = math.floor(t)
        local = self.clock.at(t)
        if kind == "at_stop":
            stop = rng.choice(self._halle_stops)
            event = rng.choice(_STOP_EVENTS)
            reported = t + rng.uniform(30.0, 90.0)  # the call taken and entered
            identifier = f"E-{local:%Y}-{self.seed % 1000:03d}{number:04d}"
            return _Draft(
                number,
                kind,
                t,
                math.floor(reported),
                stop.lat,
                stop.lon,
                event,
                stop,
                None,
                None,
                None,
                f"{CAP_SENDER},{identifier}",
                math.floor(reported),
            )
        trams = self.world.trams_at(t)
        if not trams:
            return None
        trip = rng.choice(trams)
        tram = self.tram_state(trip, t)
        event = _VEHICLE_EVENTS[kind]
        if kind.startswith("driver_alarm"):
            cleared = math.floor(t + rng.uniform(180.0, 720.0))
            alarm_id = f"{tram.car}-{local:%Y%m%d-%H%M%S}"
            # Elsewhere units are sent when the driver gives no report within 60-90 s of the alarm.
            dispatch = math.floor(t + rng.uniform(60.0, 90.0))
            cleared_tram = self.tram_state(trip, cleared)
            return _Draft(
                number,
                kind,
                t,
                t,
                tram.lat,
                tram.lon,
                event,
                None,
                tram,
                cleared,
                cleared_tram,
                f"driver-alarm:{alarm_id}",
                dispatch,
            )
        reported = math.floor(t + rng.uniform(45.0, 120.0))
        identifier = f"E-{local:%Y}-{self.seed % 1000:03d}{number:04d}"
        return _Draft(
            number,
            kind,
            t,
            reported,
            tram.lat,
            tram.lon,
            event,
            None,
            tram,
            None,
            None,
            f"{CAP_SENDER},{identifier}",
            reported,
        )

    def _dispatch(self, rng: random.Random, draft: _Draft) -> ScriptedIncident:
        """The simulated control room sends the nearest free unit of the agency in charge to where the incident was
        reported (today's practice: the tram has moved on by the time the unit gets there)."""
        td = draft.dispatch_s
        best: tuple[float, str, UnitTrack] | None = None
        for unit in self.units:
            if unit.agency != draft.event.agency:
                continue
            leg = unit.leg_at(td)
            if leg.status not in (1, 2) or leg.t1 < td:
                continue
            lat, lon = leg.position(td)
            drive = self._router.travel_time_s(lat, lon, draft.lat, draft.lon, unit.unit_type)
            if best is None or (drive, unit.call_sign) < (best[0], best[1]):
                best = (drive, unit.call_sign, unit)
        unit_name = on_scene = None
        if best is not None:
            drive, unit_name, unit = best
            lat, lon = unit.cut(td)
            arrive = math.floor(td + 30.0 + drive * math.exp(rng.gauss(0, 0.15)))  # turnout, then the drive
            leave = math.floor(arrive + rng.uniform(480.0, 1500.0))
            ref = draft.incident_ref
            unit.legs.append(Leg(td, arrive, lat, lon, draft.lat, draft.lon, 3, ref))
            unit.legs.append(Leg(arrive, leave, draft.lat, draft.lon, draft.lat, draft.lon, 4, ref))
            self._patrol(unit, leave, draft.lat, draft.lon)
            on_scene = float(arrive)
        return ScriptedIncident(
            number=draft.number,
            kind=draft.kind,
            t=draft.t,
            reported_s=draft.reported_s,
            lat=draft.lat,
            lon=draft.lon,
            event=draft.event,
            stop=draft.stop,
            tram=draft.tram,
            cleared_s=draft.cleared_s,
            cleared_tram=draft.cleared_tram,
            incident_ref=draft.incident_ref,
            unit=unit_name,
            dispatched_s=td if unit_name else None,
            on_scene_s=on_scene,
        )

    # -- reports ----------------------------------------------------------------------------------------------

    def _reports(self) -> list[RadioReport]:
        """Each unit's periodic location reports, plus one at every change of status, within the scenario."""
        reports: dict[tuple[str, int], RadioReport] = {}
        for unit in self.units:
            phase = random.Random(f"{self.seed}:phase:{unit.call_sign}").uniform(0, unit.report_interval_s)  # noqa: S311
            times = []
            t = self.start_s + phase
            while t < self.end_s:
                times.append(math.floor(t))
                t += unit.report_interval_s
            changes = [
                math.floor(b.t0)
                for a, b in itertools.pairwise(unit.legs)
                if (a.status, a.incident_ref) != (b.status, b.incident_ref) and self.start_s <= b.t0 < self.end_s
            ]
            # A status change and a periodic report in the same second are one report (same record id and version).
            for second in sorted(set(times) | set(changes)):
                reports[(unit.call_sign, second)] = self._report(unit, second)
        return sorted(reports.values(), key=lambda r: (r.t, r.call_sign))

    def _report(self, unit: UnitTrack, t: int) -> RadioReport:
        rng = random.Random(f"{self.seed}:report:{unit.call_sign}:{t}")  # noqa: S311
        leg = unit.leg_at(t)
        # LIP time elapsed: mostly a fresh fix (< 5 s); in a radio shadow the last fix is up to minutes old.
        elapsed = 5 if rng.random() < 0.92 else 300
        fix_t = t - (rng.uniform(0.0, 5.0) if elapsed == 5 else rng.uniform(5.0, 300.0))
        fix_leg = unit.leg_at(fix_t)
        lat, lon = fix_leg.position(fix_t)
        error = rng.choices((2, 20, 200), (0.05, 0.8, 0.15))[0]
        lat, lon = offset_position(lat, lon, rng.gauss(0, error / 2), rng.gauss(0, error / 2))
        speed = fix_leg.speed_mps
        moving = speed > 0.1
        direction = (
            _bearing(
                LineStop("", "", fix_leg.lat0, fix_leg.lon0, 0.0, ()),
                LineStop("", "", fix_leg.lat1, fix_leg.lon1, 0.0, ()),
            )
            if moving
            else None
        )
        return RadioReport(
            t=float(t),
            call_sign=unit.call_sign,
            agency=unit.agency,
            status=leg.status,
            lat=round(lat, 6),
            lon=round(lon, 6),
            position_error_m=error,
            velocity_kmh=round(speed * 3.6),
            direction_deg=direction,
            time_elapsed_s=elapsed,
            incident_ref=leg.incident_ref,
        )

    def unit(self, call_sign: str) -> UnitTrack:
        for unit in self.units:
            if unit.call_sign == call_sign:
                return unit
        raise KeyError(call_sign)


@dataclass(frozen=True, slots=True)
class _Draft:
    number: int
    kind: IncidentKind
    t: float
    reported_s: float
    lat: float
    lon: float
    event: StopEvent
    stop: LineStop | None
    tram: TramState | None
    cleared_s: float | None
    cleared_tram: TramState | None
    incident_ref: str
    dispatch_s: float


def build_scenario(seed: int, config: ScenarioConfig | None = None) -> Scenario:
    """The scenario for ``seed`` and ``config`` (defaults: 1 h from 2026-11-20 21:45 in Halle)."""
    return Scenario(seed, config or ScenarioConfig())


def trip_of(scenario: Scenario, state: TramState) -> TramTrip:
    """The world trip behind a tram state (for tests and tools)."""
    line, direction, number, _ = state.trip_id.split("-")
    return scenario._trips[f"{line}/{direction}/{int(number)}"]
