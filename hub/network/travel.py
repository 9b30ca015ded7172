"""Travel times: trams along their line (running time between stops plus dwell), road units by straight-line
distance times a detour factor over a speed per unit type, behind the ``RoadRouter`` seam a routing engine can fill.

Pure functions and small immutable objects; the defaults and where they come from are in docs/network.md.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal, NamedTuple, Protocol

from hub.network.tram import LineDirection, Snap, haversine_m

__all__ = [
    "DEFAULT_ROAD_PROFILES",
    "DEFAULT_TIMING",
    "Arrival",
    "LineSchedule",
    "RoadProfile",
    "RoadRouter",
    "StraightLineRouter",
    "TramTiming",
    "UnitType",
    "predict_arrivals",
    "schedule",
    "scheduled_time_s",
]


@dataclass(frozen=True, slots=True)
class TramTiming:
    """How fast a tram runs between stops and how long it stands at each.

    The first ``open_track_after_m`` of a run between two stops go at ``running_speed_kmh`` (acceleration, braking,
    junctions, signals); any distance beyond at ``open_track_speed_kmh``, so widely spaced stops (line 5 across the
    country) run faster. Continuous and increasing in distance.
    """

    running_speed_kmh: float = 22.0
    dwell_s: float = 20.0
    open_track_speed_kmh: float = 50.0
    open_track_after_m: float = 500.0

    def __post_init__(self) -> None:
        if self.running_speed_kmh <= 0 or self.open_track_speed_kmh <= 0:
            raise ValueError("tram speeds must be positive")
        if self.dwell_s < 0 or self.open_track_after_m < 0:
            raise ValueError("dwell time and open-track threshold must not be negative")

    def run_s(self, distance_m: float) -> float:
        """Running time in seconds between two consecutive stops ``distance_m`` apart (no dwell)."""
        near = min(distance_m, self.open_track_after_m)
        far = max(0.0, distance_m - self.open_track_after_m)
        return near * 3.6 / self.running_speed_kmh + far * 3.6 / self.open_track_speed_kmh


DEFAULT_TIMING = TramTiming()


class Arrival(NamedTuple):
    """The predicted arrival of a vehicle at one upcoming stop."""

    stop_index: int
    stop_id: str
    eta_s: float  # seconds after the position fix (plus ``t0_s`` when one was given)


class LineSchedule:
    """The scheduled running of one line-direction under a ``TramTiming``: arrival and departure offsets per stop,
    counted from the departure at the first stop. Build once per (direction, timing) with ``schedule``."""

    __slots__ = ("arrive_s", "depart_s", "direction", "run_s", "timing")

    def __init__(self, direction: LineDirection, timing: TramTiming) -> None:
        self.direction = direction
        self.timing = timing
        stops = direction.stops
        self.run_s = tuple(timing.run_s(b.distance_m - a.distance_m) for a, b in itertools.pairwise(stops))
        arrive = [0.0]
        depart = [0.0]  # trips start on time at the first stop: its dwell is the layover, not part of the trip
        for run in self.run_s:
            arrive.append(depart[-1] + run)
            depart.append(arrive[-1] + timing.dwell_s)
        depart[-1] = arrive[-1]  # and end on arrival at the last
        self.arrive_s = tuple(arrive)
        self.depart_s = tuple(depart)

    @property
    def trip_s(self) -> float:
        """Scheduled time from the first stop to the last."""
        return self.arrive_s[-1]

    def time_between_s(self, from_index: int, to_index: int) -> float:
        """Seconds from departing stop ``from_index`` to arriving at the later stop ``to_index``."""
        if not 0 <= from_index < to_index < len(self.arrive_s):
            raise ValueError(f"need 0 <= from < to < {len(self.arrive_s)}, got {from_index} and {to_index}")
        return self.arrive_s[to_index] - self.depart_s[from_index]

    def predict(self, position: Snap, *, delay_s: float = 0.0, t0_s: float = 0.0) -> list[Arrival]:
        """Arrival at every stop after ``position``: the rest of the current run, then the schedule, shifted by
        ``delay_s`` (a delay known to lie ahead that the position does not show yet, e.g. a hold) and ``t0_s``."""
        i = position.last_stop_index
        if not 0 <= i < len(self.run_s):
            raise ValueError(f"stop index {i} is not on line {self.direction.line}")
        # Within one run, time is taken as proportional to distance; between stops the schedule applies.
        first = t0_s + delay_s + (1.0 - position.fraction) * self.run_s[i]
        base = self.arrive_s[i + 1]
        stops = self.direction.stops
        return [Arrival(j, stops[j].stop_id, first + (self.arrive_s[j] - base)) for j in range(i + 1, len(stops))]


def schedule(direction: LineDirection, timing: TramTiming = DEFAULT_TIMING) -> LineSchedule:
    """The schedule of a line-direction, built once per (direction, timing) and then reused."""
    return _schedule(direction, timing)


@functools.lru_cache(maxsize=256)
def _schedule(direction: LineDirection, timing: TramTiming) -> LineSchedule:
    # Directions hash by identity (one object per loaded network), timings by value.
    return LineSchedule(direction, timing)


def scheduled_time_s(
    direction: LineDirection, from_index: int, to_index: int, timing: TramTiming = DEFAULT_TIMING
) -> float:
    """Seconds from departing stop ``from_index`` to arriving at the later stop ``to_index`` of a line-direction."""
    return schedule(direction, timing).time_between_s(from_index, to_index)


def predict_arrivals(
    direction: LineDirection,
    position: Snap,
    timing: TramTiming = DEFAULT_TIMING,
    *,
    delay_s: float = 0.0,
    t0_s: float = 0.0,
) -> list[Arrival]:
    """Predicted arrival at each stop ahead of a snapped vehicle position (see ``LineSchedule.predict``)."""
    return schedule(direction, timing).predict(position, delay_s=delay_s, t0_s=t0_s)


#: Kinds of road unit the router knows.
UnitType = Literal["police_car", "ordnungsamt_car", "on_foot"]


@dataclass(frozen=True, slots=True)
class RoadProfile:
    """How a unit type moves on roads: average speed over the whole trip, and the road-to-crow-flight factor."""

    speed_kmh: float
    detour_factor: float = 1.35

    def __post_init__(self) -> None:
        if self.speed_kmh <= 0:
            raise ValueError("speed must be positive")
        if self.detour_factor < 1.0:
            raise ValueError("a road is never shorter than the straight line: detour factor must be >= 1")


DEFAULT_ROAD_PROFILES: Mapping[UnitType, RoadProfile] = MappingProxyType(
    {
        # With blue lights and siren (§ 35/38 StVO) through city traffic; an assumption, see docs/network.md.
        "police_car": RoadProfile(speed_kmh=40.0, detour_factor=1.35),
        # No special rights: ordinary urban car average including signals.
        "ordnungsamt_car": RoadProfile(speed_kmh=25.0, detour_factor=1.35),
        # Brisk walking; paths through squares and parks are more direct than roads.
        "on_foot": RoadProfile(speed_kmh=5.0, detour_factor=1.25),
    }
)


class RoadRouter(Protocol):
    """Travel time of a road unit between two points; a routing engine (OSRM, Valhalla, ...) can implement it."""

    def travel_time_s(
        self, from_lat: float, from_lon: float, to_lat: float, to_lon: float, unit_type: UnitType
    ) -> float:
        """Seconds for a unit of ``unit_type`` to get from the first point to the second."""
        ...


class StraightLineRouter:
    """``RoadRouter`` without a road graph: haversine distance times the unit type's detour factor over its speed."""

    def __init__(self, profiles: Mapping[UnitType, RoadProfile] = DEFAULT_ROAD_PROFILES) -> None:
        self.profiles = dict(profiles)

    def travel_time_s(
        self, from_lat: float, from_lon: float, to_lat: float, to_lon: float, unit_type: UnitType
    ) -> float:
        try:
            profile = self.profiles[unit_type]
        except KeyError:
            raise ValueError(f"no road profile for unit type {unit_type!r}; known: {sorted(self.profiles)}") from None
        distance_m = haversine_m(from_lat, from_lon, to_lat, to_lon) * profile.detour_factor
        return distance_m * 3.6 / profile.speed_kmh
