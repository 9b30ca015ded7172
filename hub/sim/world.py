"""A seeded, pure world model of Halle for the evaluation: trams running every line with headways and random delays,
and snapshots of police and Ordnungsamt units scattered around the network with status, aged fixes and true positions.

Nothing here reads a clock or global randomness: the same seed gives the same world, trip for trip and unit for unit.
"""

from __future__ import annotations

import bisect
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from hub.network.tram import EARTH_RADIUS_M, LineDirection, TramNetwork, load_tram_network
from hub.network.travel import DEFAULT_TIMING, TramTiming, UnitType, schedule
from hub.router.model import UnitState

__all__ = ["DEFAULT_UNIT_MIX", "SimUnit", "TramTrip", "World", "WorldConfig", "build_world", "offset_position"]

#: (unit type, agency, share of all units). Ordnungsamt has cars and foot patrols; police mostly cars.
DEFAULT_UNIT_MIX: tuple[tuple[UnitType, str, float], ...] = (
    ("police_car", "polizei", 0.45),
    ("on_foot", "polizei", 0.05),
    ("ordnungsamt_car", "ordnungsamt", 0.30),
    ("on_foot", "ordnungsamt", 0.20),
)

_PATROL_SPEED_KMH: Mapping[UnitType, float] = MappingProxyType(
    {"police_car": 30.0, "ordnungsamt_car": 25.0, "on_foot": 4.0}
)


@dataclass(frozen=True, slots=True)
class WorldConfig:
    """How the simulated trams run and how units are spread and reported; the defaults are argued in
    docs/intercept.md. Shares are of all units; ranges are (low, high) of a uniform draw."""

    service_start_s: float = 6 * 3600.0
    service_end_s: float = 22 * 3600.0
    headways_s: tuple[float, ...] = (600.0, 720.0, 900.0)  # one drawn per line, used in both directions
    start_delay_s: tuple[float, float] = (0.0, 240.0)  # a trip leaves its first stop this late
    run_factor: tuple[float, float] = (0.85, 1.15)  # each run takes its scheduled time times this
    dwell_s: tuple[float, float] = (10.0, 30.0)  # each intermediate stop
    units: int = 150
    unit_mix: tuple[tuple[UnitType, str, float], ...] = DEFAULT_UNIT_MIX
    available_share: float = 0.65
    outside_halle_share: float = 0.10  # police units placed around the Saalekreis stops (Merseburg, Leuna, ...)
    spread_m: float = 700.0  # standard deviation of a unit's offset from its anchor stop, per axis
    fix_age_s: tuple[float, float] = (0.0, 30.0)  # a TETRA position report every 30 s or so
    stale_share: float = 0.04  # units whose last fix is old (radio shadow, switched off)
    stale_age_s: tuple[float, float] = (180.0, 900.0)
    recent_dispatch_share: float = 0.03  # available units the hub proposed minutes ago (status not yet changed)
    patrol_speed_kmh: Mapping[UnitType, float] = field(default_factory=lambda: _PATROL_SPEED_KMH)
    drive_noise: float = 0.15  # sigma of the log of (true drive time / router estimate), per unit and incident
    vehicle_fix_age_s: tuple[float, float] = (0.0, 15.0)  # age of the tram position the dispatcher sees

    def __post_init__(self) -> None:
        if self.service_end_s <= self.service_start_s or not self.headways_s or min(self.headways_s) <= 0:
            raise ValueError("service window must be positive and headways positive")
        if self.units < 0 or abs(sum(share for _, _, share in self.unit_mix) - 1.0) > 1e-9:
            raise ValueError("unit count must not be negative and the unit mix must sum to 1")


def offset_position(lat: float, lon: float, north_m: float, east_m: float) -> tuple[float, float]:
    """The point ``north_m`` and ``east_m`` metres from (lat, lon) (local flat approximation, fine below ~10 km)."""
    dlat = north_m / EARTH_RADIUS_M
    dlon = east_m / (EARTH_RADIUS_M * math.cos(math.radians(lat)))
    return lat + math.degrees(dlat), lon + math.degrees(dlon)


@dataclass(frozen=True, slots=True)
class TramTrip:
    """One trip of one tram along a line-direction: the true arrival and departure time at every stop.

    Between two stops the tram moves at constant speed (the same assumption ``predict_arrivals`` makes); after the
    last stop it stands at the terminus (layover) for the rest of the evaluation.
    """

    trip_id: str
    vehicle: str
    direction: LineDirection
    arrive_s: tuple[float, ...]
    depart_s: tuple[float, ...]

    @property
    def start_s(self) -> float:
        return self.depart_s[0]

    @property
    def end_s(self) -> float:
        return self.arrive_s[-1]

    def in_service(self, t: float) -> bool:
        """Whether the tram has left its first stop and not yet reached its last at time ``t``."""
        return self.depart_s[0] <= t < self.arrive_s[-1]

    def distance_at(self, t: float) -> float:
        """Distance along the line-direction at time ``t``."""
        stops = self.direction.stops
        if t <= self.depart_s[0]:
            return 0.0
        k = bisect.bisect_right(self.arrive_s, t) - 1  # last stop reached by t
        if k >= len(stops) - 1:
            return stops[-1].distance_m
        if t <= self.depart_s[k]:
            return stops[k].distance_m
        span = self.arrive_s[k + 1] - self.depart_s[k]
        f = (t - self.depart_s[k]) / span if span > 0 else 1.0
        return stops[k].distance_m + f * (stops[k + 1].distance_m - stops[k].distance_m)

    def position_at(self, t: float) -> tuple[float, float]:
        """(lat, lon) at time ``t``."""
        return self.direction.point_at(self.distance_at(t))

    def held(self, stop_index: int, until_s: float) -> TramTrip:
        """This trip with the tram standing at ``stop_index`` until ``until_s`` (a hold); later times shift."""
        extra = until_s - self.depart_s[stop_index]
        if extra <= 0 or stop_index >= len(self.arrive_s) - 1:
            return self
        arrive = self.arrive_s[: stop_index + 1] + tuple(t + extra for t in self.arrive_s[stop_index + 1 :])
        depart = self.depart_s[:stop_index] + tuple(t + extra for t in self.depart_s[stop_index:])
        return TramTrip(self.trip_id, self.vehicle, self.direction, arrive, depart)

    def reaches_s(self, distance_m: float) -> float:
        """First time the tram is at ``distance_m`` along the line (its arrival there)."""
        stops = self.direction.stops
        for k in range(len(stops) - 1):
            a, b = stops[k].distance_m, stops[k + 1].distance_m
            if distance_m <= a:
                return self.arrive_s[k] if k > 0 else self.depart_s[0]
            if distance_m <= b:
                f = (distance_m - a) / (b - a) if b > a else 1.0
                return self.depart_s[k] + f * (self.arrive_s[k + 1] - self.depart_s[k])
        return self.arrive_s[-1]

    def caught_s(self, from_m: float, at_s: float, speed_mps: float) -> float:
        """When a follower that joins the line at ``from_m`` at time ``at_s`` and runs along it at ``speed_mps``
        first reaches the tram (standing at a stop or running). A follower already level with or ahead of the tram
        waits there for it. Behind a tram that never stops, it reaches it at the terminus at the latest."""
        if self.distance_at(at_s) <= from_m:
            return max(at_s, self.reaches_s(from_m))
        stops = self.direction.stops
        # The tram's motion as pieces (t0, t1, s0, s1): standing at stop k, then running to stop k + 1.
        k = max(0, bisect.bisect_right(self.arrive_s, at_s) - 1)
        for m in range(k, len(stops) - 1):
            for t0, t1, s0, s1 in (
                (self.arrive_s[m], self.depart_s[m], stops[m].distance_m, stops[m].distance_m),
                (self.depart_s[m], self.arrive_s[m + 1], stops[m].distance_m, stops[m + 1].distance_m),
            ):
                if t1 <= at_s:
                    continue
                lo = max(t0, at_s)
                rate = (s1 - s0) / (t1 - t0) if t1 > t0 else 0.0
                gap_lo = (from_m + speed_mps * (lo - at_s)) - (s0 + rate * (lo - t0))
                gap_hi = (from_m + speed_mps * (t1 - at_s)) - s1
                if gap_lo >= 0:
                    return lo
                if gap_hi >= 0:
                    # The gap closes linearly on this piece: solve for zero.
                    return lo + (-gap_lo) / (gap_hi - gap_lo) * (t1 - lo)
        # Not caught on the way: the tram stands at its terminus until the follower arrives.
        end_m = stops[-1].distance_m
        return max(self.arrive_s[-1], at_s + (end_m - from_m) / speed_mps if speed_mps > 0 else math.inf)


@dataclass(frozen=True, slots=True)
class SimUnit:
    """One simulated unit: what the dispatcher sees (``state``) and the truth behind it."""

    state: UnitState
    true_lat: float  # where the unit really is now (it moved since its last fix)
    true_lon: float
    drive_factor: float  # true drive time over the router's estimate, for this unit in this snapshot


class World:
    """All trips of one simulated service day, and unit snapshots, both derived from the seed alone."""

    def __init__(self, seed: int, config: WorldConfig, network: TramNetwork, timing: TramTiming) -> None:
        self.seed = seed
        self.config = config
        self.network = network
        self.timing = timing
        self.trips = _build_trips(seed, config, network, timing)
        self._starts = [trip.start_s for trip in self.trips]
        self._longest_s = max(trip.end_s - trip.start_s for trip in self.trips)
        self._anchors_halle, self._anchors_outside = _anchor_stops(network)

    def trams_at(self, t: float) -> list[TramTrip]:
        """The trips in service at time ``t`` (left their first stop, not yet at their last), in trip order."""
        lo = bisect.bisect_left(self._starts, t - self._longest_s)
        hi = bisect.bisect_right(self._starts, t)
        return [trip for trip in self.trips[lo:hi] if trip.in_service(t)]

    def units_at(self, now_s: float, key: str) -> list[SimUnit]:
        """A snapshot of ``config.units`` units at ``now_s``, drawn from the seed and ``key`` (e.g. the incident)."""
        cfg = self.config
        rng = random.Random(f"{self.seed}:units:{key}")  # noqa: S311 (a seeded simulation, not security)
        kinds = [(kind, agency) for kind, agency, _ in cfg.unit_mix]
        weights = [share for _, _, share in cfg.unit_mix]
        units = []
        for n in range(cfg.units):
            kind, agency = rng.choices(kinds, weights)[0]
            outside = agency == "polizei" and rng.random() < cfg.outside_halle_share
            anchor = rng.choice(self._anchors_outside if outside and self._anchors_outside else self._anchors_halle)
            lat, lon = offset_position(anchor[0], anchor[1], rng.gauss(0, cfg.spread_m), rng.gauss(0, cfg.spread_m))
            # Available: mostly free on patrol (1), some at the station (2); otherwise on the way, on scene or off.
            free = rng.random() < cfg.available_share
            status = (1 if rng.random() < 0.8 else 2) if free else rng.choice((3, 4, 6))
            age = rng.uniform(*(cfg.stale_age_s if rng.random() < cfg.stale_share else cfg.fix_age_s))
            dispatched = now_s - rng.uniform(0, 300) if rng.random() < cfg.recent_dispatch_share else None
            # Since its fix the unit moved on: a random heading at up to its patrol speed.
            moved = rng.uniform(0, cfg.patrol_speed_kmh.get(kind, 0.0) / 3.6) * age
            heading = rng.uniform(0, 2 * math.pi)
            true_lat, true_lon = offset_position(lat, lon, moved * math.cos(heading), moved * math.sin(heading))
            factor = math.exp(rng.gauss(0, cfg.drive_noise)) if cfg.drive_noise > 0 else 1.0
            state = UnitState(f"{agency[:3].upper()}-{n:03d}", agency, kind, lat, lon, now_s - age, status, dispatched)
            units.append(SimUnit(state, true_lat, true_lon, factor))
        return units


def build_world(
    seed: int,
    config: WorldConfig | None = None,
    *,
    network: TramNetwork | None = None,
    timing: TramTiming = DEFAULT_TIMING,
) -> World:
    """The world for ``seed`` on the shipped Halle network (or ``network``)."""
    return World(seed, config or WorldConfig(), network or load_tram_network(), timing)


def _build_trips(seed: int, config: WorldConfig, network: TramNetwork, timing: TramTiming) -> tuple[TramTrip, ...]:
    rng = random.Random(f"{seed}:trams")  # noqa: S311 (a seeded simulation, not security)
    trips: list[TramTrip] = []
    for name in sorted(network.lines, key=_line_order):
        headway = rng.choice(config.headways_s)
        for direction in network.lines[name].directions:
            plan = schedule(direction, timing)
            # Trips that leave early enough to be on the line when service starts, to the end of service.
            first = config.service_start_s - plan.trip_s - headway + rng.uniform(0, headway)
            k = 0
            while first + k * headway < config.service_end_s:
                trip_id = f"{name}/{direction.direction}/{k}"
                trips.append(_trip(rng, config, direction, plan.run_s, first + k * headway, trip_id, len(trips)))
                k += 1
    trips.sort(key=lambda trip: (trip.start_s, trip.trip_id))
    return tuple(trips)


def _trip(
    rng: random.Random,
    config: WorldConfig,
    direction: LineDirection,
    runs: Sequence[float],
    planned_s: float,
    trip_id: str,
    number: int,
) -> TramTrip:
    t = planned_s + rng.uniform(*config.start_delay_s)
    arrive = [t]
    depart = [t]
    for m, run in enumerate(runs):
        t += run * rng.uniform(*config.run_factor)
        arrive.append(t)
        if m < len(runs) - 1:
            t += rng.uniform(*config.dwell_s)
        depart.append(t)
    # One car per trip keeps vehicles apart in the evaluation; real car numbers (Wagennummern) are 3-digit.
    return TramTrip(trip_id, str(1000 + number), direction, tuple(arrive), tuple(depart))


def _line_order(name: str) -> tuple[int, str]:
    return (int(name), name) if name.isdigit() else (10_000, name)


def _anchor_stops(network: TramNetwork) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    # The stops stand in for the built-up area around the network: Halle's own (municipality key 15002) for every
    # agency, the Saalekreis ones (Merseburg, Leuna, Bad Dürrenberg) for a few police units.
    stops = sorted(network.stops().values(), key=lambda s: s.stop_id)
    halle = [(s.lat, s.lon) for s in stops if s.stop_id.startswith("de:15002:")]
    outside = [(s.lat, s.lon) for s in stops if not s.stop_id.startswith("de:15002:")]
    return halle, outside
