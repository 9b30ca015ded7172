"""The intercept recommendation: which unit reaches an incident on a moving tram first, at which stop ahead.

Pure and deterministic. ``recommend`` prunes with a straight-line lower bound and stops scanning stops once no unit
can still improve the ranking; ``hub.router.reference`` computes the same result by brute force, for checking.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from hub.network.tram import EARTH_RADIUS_M, LineDirection, Snap
from hub.network.travel import DEFAULT_TIMING, TramTiming, predict_arrivals
from hub.router.model import (
    Exclusion,
    HoldAsk,
    InterceptParams,
    InterceptTarget,
    Meeting,
    PlaceIncident,
    Recommendation,
    StopAhead,
    UnitState,
    VehicleIncident,
)

__all__ = ["DEFAULT_PARAMS", "ScreenCache", "assemble", "rank_key", "recommend", "screen_units", "vehicle_incident"]

DEFAULT_PARAMS = InterceptParams()

#: The local projection's distance is scaled down by this before it serves as a lower bound, so the bound stays
#: below the haversine distance (the projection's error is under 0.1 % across a city).
_BOUND_SAFETY = 0.99

_KY = EARTH_RADIUS_M * math.pi / 180.0  # metres per degree of latitude, same sphere as haversine_m

#: One unit's option at one stop: (contact, hold, drive, stop position); tuples compare as the ranking does.
_Option = tuple[float, float, float, int]


def vehicle_incident(
    incident_id: str,
    vehicle: str,
    direction: LineDirection,
    position: Snap,
    lat: float,
    lon: float,
    fix_at_s: float,
    *,
    timing: TramTiming = DEFAULT_TIMING,
    delay_s: float = 0.0,
) -> VehicleIncident:
    """A ``VehicleIncident`` from a snapped vehicle position, with arrivals predicted by ``predict_arrivals``.

    ``delay_s`` is delay known to lie ahead that the position does not show yet (see docs/network.md): a feed's
    accumulated delay is already in the position and must not be added again.
    """
    ahead = []
    for arrival in predict_arrivals(direction, position, timing, delay_s=delay_s, t0_s=fix_at_s):
        stop = direction.stops[arrival.stop_index]
        ahead.append(StopAhead(arrival.stop_index, stop.stop_id, stop.name, stop.lat, stop.lon, arrival.eta_s))
    return VehicleIncident(incident_id, vehicle, direction.line, direction.direction, lat, lon, position, tuple(ahead))


def screen_units(
    units: Sequence[UnitState], now_s: float, params: InterceptParams
) -> tuple[list[UnitState], tuple[Exclusion, ...]]:
    """Split units into the eligible ones and those left out: not available by their agency's code list (or a
    digit the list does not know), position older than ``max_position_age_s``, or proposed within
    ``recent_dispatch_s``."""
    eligible: list[UnitState] = []
    excluded: list[Exclusion] = []
    available = params.available
    for unit in units:
        free = available.get((unit.agency, unit.status_code))
        if free is None:
            excluded.append(Exclusion(unit.unit_id, "unknown_status"))
        elif not free:
            excluded.append(Exclusion(unit.unit_id, "unavailable"))
        elif now_s - unit.fix_at_s > params.max_position_age_s:
            excluded.append(Exclusion(unit.unit_id, "stale_position"))
        elif unit.last_dispatched_at_s is not None and now_s - unit.last_dispatched_at_s < params.recent_dispatch_s:
            excluded.append(Exclusion(unit.unit_id, "recently_dispatched"))
        else:
            eligible.append(unit)
    return eligible, tuple(excluded)


class ScreenCache:
    """``screen_units`` for the same units again, kept while no unit's outcome can have changed.

    The router screens the same units (one tuple per units map, ``hub.router.live``) for every incident a position
    touches: with 100 open incidents and 150 units that loop was a fifth of its time per position (issue 13). What
    makes a unit eligible changes with time only one way: a position goes stale and stays stale, a dispatch stops
    being recent and stays so. So a screening at ``now`` still holds at a later ``now`` while the oldest fix among
    the units not stale is still fresh and the oldest dispatch among the recently dispatched ones still recent, two
    comparisons written as ``screen_units`` writes them (same float arithmetic, same answer). A clock going back, other
    units or other params: screened afresh.
    """

    __slots__ = ("_fresh_fix", "_now", "_params", "_recent_dispatch", "_result", "_units")

    def __init__(self) -> None:
        self._units: Sequence[UnitState] | None = None
        self._params: InterceptParams | None = None
        self._now = 0.0
        self._fresh_fix: float | None = None  # the oldest fix among units screened not stale
        self._recent_dispatch: float | None = None  # the oldest dispatch among units left out as recently dispatched
        self._result: tuple[list[UnitState], tuple[Exclusion, ...]] = ([], ())

    def screen(
        self, units: Sequence[UnitState], now_s: float, params: InterceptParams
    ) -> tuple[list[UnitState], tuple[Exclusion, ...]]:
        """What ``screen_units(units, now_s, params)`` answers (the eligible list is the caller's to keep)."""
        if units is self._units and params is self._params and self._still_holds(now_s, params):
            return list(self._result[0]), self._result[1]
        eligible, excluded = screen_units(units, now_s, params)
        self._units, self._params, self._now, self._result = units, params, now_s, (eligible, excluded)
        available = params.available
        fresh: list[float] = []
        recent: list[float] = []
        for unit in units:
            if not available.get((unit.agency, unit.status_code)) or now_s - unit.fix_at_s > params.max_position_age_s:
                continue  # left out whatever the time, or stale from now on
            fresh.append(unit.fix_at_s)
            dispatched = unit.last_dispatched_at_s
            if dispatched is not None and now_s - dispatched < params.recent_dispatch_s:
                recent.append(dispatched)
        self._fresh_fix = min(fresh) if fresh else None
        self._recent_dispatch = min(recent) if recent else None
        return list(eligible), excluded

    def _still_holds(self, now_s: float, params: InterceptParams) -> bool:
        if now_s < self._now:
            return False
        if self._fresh_fix is not None and now_s - self._fresh_fix > params.max_position_age_s:
            return False
        return self._recent_dispatch is None or now_s - self._recent_dispatch < params.recent_dispatch_s


def rank_key(meeting: Meeting) -> tuple[float, float, float, str]:
    """Order of the ranking: earlier contact, then less hold, then shorter drive, then call sign (determinism)."""
    return (meeting.contact_s, meeting.hold_s, meeting.drive_s, meeting.unit_id)


def recommend(
    incident: InterceptTarget,
    units: Sequence[UnitState],
    now_s: float,
    params: InterceptParams = DEFAULT_PARAMS,
    screen: ScreenCache | None = None,
) -> Recommendation:
    """Rank the eligible units for an incident and return the best with its meeting, the runners-up and the hold.

    Vehicle incidents: each unit's best meeting is the stop ahead with the earliest contact where it arrives (with
    ``margin_s`` to spare) no later than the vehicle plus ``max_hold_s``; a unit no stop works for meets the vehicle
    at its terminus. Place incidents (and vehicles with no stop ahead): units ranked by arrival. ``screen`` keeps
    the screening of the same units between calls (``ScreenCache``); the result is the same with or without it.
    """
    eligible, excluded = (
        screen.screen(units, now_s, params) if screen is not None else screen_units(units, now_s, params)
    )
    keep = 1 + params.runners_up
    if isinstance(incident, PlaceIncident) or not incident.stops_ahead:
        ranked = _rank_place(incident.lat, incident.lon, eligible, now_s, params, keep)
    else:
        ranked = _rank_vehicle(incident, eligible, now_s, params, keep)
    return assemble(incident, now_s, ranked, excluded)


def assemble(
    incident: InterceptTarget, now_s: float, ranked: Sequence[Meeting], excluded: tuple[Exclusion, ...]
) -> Recommendation:
    """The ``Recommendation`` for meetings already in rank order (shared with the brute-force reference)."""
    best = ranked[0] if ranked else None
    hold = None
    if isinstance(incident, VehicleIncident) and best is not None and best.stop is not None and best.hold_s > 0:
        hold = HoldAsk(incident.vehicle, best.stop.stop_id, best.stop.stop_index, best.hold_s)
    return Recommendation(incident.incident_id, now_s, best, tuple(ranked[1:]), hold, excluded)


def _metres_per_degree_lon(max_abs_lat: float) -> float:
    """x scale of the local projection the bound uses: the cosine of the highest latitude involved, so east-west
    spans are never overstated; the rest of the error (great circles bulge poleward) is far below the safety."""
    return _KY * math.cos(math.radians(min(max_abs_lat, 89.0)))


def _crow_speeds(units: Sequence[UnitState], params: InterceptParams) -> list[float]:
    # No bound known for a type: an infinite speed makes its bound zero, so nothing is pruned for it.
    speeds = params.crow_speed_mps
    return [speeds.get(u.unit_type, math.inf) for u in units]


def _crow_bounds(
    units: Sequence[UnitState],
    indices: Iterable[int],
    lat: float,
    lon: float,
    m_per_deg_lon: float,
    speeds: Sequence[float],
) -> list[tuple[float, int]]:
    """(lower bound of the drive to ``lat``/``lon``, unit index) for the units at ``indices``, soonest first."""
    bounds = []
    for i in indices:
        unit = units[i]
        dx = (unit.lon - lon) * m_per_deg_lon
        dy = (unit.lat - lat) * _KY
        bounds.append((math.sqrt(dx * dx + dy * dy) * _BOUND_SAFETY / speeds[i], i))
    bounds.sort()
    return bounds


def _rank_place(
    lat: float, lon: float, units: Sequence[UnitState], now_s: float, params: InterceptParams, keep: int
) -> list[Meeting]:
    start = now_s + params.turnout_s
    travel = params.router.travel_time_s
    m_per_deg_lon = _metres_per_degree_lon(max([abs(lat), *(abs(u.lat) for u in units)]))
    bounds = _crow_bounds(units, range(len(units)), lat, lon, m_per_deg_lon, _crow_speeds(units, params))
    found: list[Meeting] = []
    etas: list[float] = []  # sorted arrival times found so far
    for bound, i in bounds:
        # Units come in order of their lower bound: once it passes the keep-th arrival found, none can enter.
        if len(etas) >= keep and start + bound > etas[keep - 1]:
            break
        u = units[i]
        drive = travel(u.lat, u.lon, lat, lon, u.unit_type)
        eta = start + drive
        bisect.insort(etas, eta)
        found.append(Meeting(u.unit_id, u.agency, u.unit_type, "place", None, drive, eta, None, 0.0, eta))
    found.sort(key=rank_key)
    return found[:keep]


def _rank_vehicle(
    incident: VehicleIncident, units: Sequence[UnitState], now_s: float, params: InterceptParams, keep: int
) -> list[Meeting]:
    """Scan the stops in running order and keep, per unit, its best option waiting at a stop (no hold) and its best
    option with a hold; then choose between them per unit and add the terminus fallback where it is needed."""
    search = _VehicleSearch(incident, units, now_s, params, keep)
    search.scan()
    return search.ranking()


@dataclass(slots=True)
class _UnitBest:
    """One unit's best options found so far: waiting at a stop for the vehicle, and with a hold."""

    wait: _Option | None = None
    hold: _Option | None = None
    wait_contact: float = math.inf  # the wait's contact (the vehicle's arrival), inf while there is none
    hold_contact: float = math.inf

    def offer(self, option: _Option) -> bool:
        """Keep ``option`` if it beats the unit's best of its kind; True when kept. An option with a hold (its
        second field) is compared with holds, one without with waits."""
        if option[1] > 0.0:
            if self.hold is not None and option >= self.hold:
                return False
            self.hold = option
            self.hold_contact = option[0]
        else:
            if self.wait is not None and option >= self.wait:
                return False
            self.wait = option
            self.wait_contact = option[0]
        return True


class _VehicleSearch:
    """The pruned search for one vehicle incident (docs/intercept.md, "Making it fast").

    A unit's final contact is at most its ``upper bound``, ``min(wait contact, hold contact + min_hold_saving_s)``:
    the hold is taken, or a wait earlier than the hold plus the saving. ``threshold`` is the keep-th smallest upper
    bound, so it is never earlier than the keep-th final contact: an option later than it cannot put its unit into
    the ranking, except a wait that decides against a hold that is in it.
    """

    def __init__(
        self, incident: VehicleIncident, units: Sequence[UnitState], now_s: float, params: InterceptParams, keep: int
    ) -> None:
        self.stops = incident.stops_ahead
        self.units = units
        self.keep = keep
        self.params = params
        self.depart_s = now_s + params.turnout_s  # the unit sets off
        # The planning origin: a unit counts as arriving this much later than its drive.
        self.ready_s = self.depart_s + params.planning_margin_s
        self.min_saving_s = params.min_hold_saving_s
        self.m_per_deg_lon = _metres_per_degree_lon(max([abs(s.lat) for s in self.stops] + [abs(u.lat) for u in units]))
        self.unit_xy = [(u.lon * self.m_per_deg_lon, u.lat * _KY) for u in units]  # local metres
        self.crow_speeds = _crow_speeds(units, params)
        # Squared speed over squared safety: a stop is out of reach when distance^2 > this * budget^2.
        self.reach_sq = [s * s / (_BOUND_SAFETY * _BOUND_SAFETY) for s in self.crow_speeds]
        self.best: list[_UnitBest | None] = [None] * len(units)  # None until the unit has an option
        self.upper_bounds: list[float] = []  # the finite upper bounds of the units' final contacts, sorted
        self.threshold = math.inf
        self.scanning = list(range(len(units)))  # units a later stop can still move in or out of the ranking

    def scan(self) -> None:
        """Visit the stops in running order until no unit left can change the ranking."""
        for position, stop in enumerate(self.stops):
            if stop.eta_s > self.threshold:
                # No option from here on can enter the ranking; a wait can still decide against a hold that can
                # (only while the wait would be within the minimum saving of that hold).
                self.scanning = [i for i in self.scanning if self._may_decide_against_hold(i, stop.eta_s)]
            if not self.scanning:
                return
            self.scanning = self._visit(position, stop)

    def _may_decide_against_hold(self, unit: int, vehicle_eta_s: float) -> bool:
        best = self.best[unit]
        hold_contact = math.inf if best is None else best.hold_contact
        return hold_contact <= self.threshold and vehicle_eta_s <= hold_contact + self.min_saving_s

    def _visit(self, position: int, stop: StopAhead) -> list[int]:
        """Route the units still scanned to ``stop`` where their bound allows; returns the units to scan on."""
        latest_s = stop.eta_s + self.params.max_hold_s  # the latest planned arrival any hold allows
        stop_x = stop.lon * self.m_per_deg_lon
        stop_y = stop.lat * _KY
        # Locals: this loop runs for every unit still scanned at every stop.
        best, unit_xy, reach_sq, ready_s = self.best, self.unit_xy, self.reach_sq, self.ready_s
        still: list[int] = []
        for unit in self.scanning:
            useful_until = self._useful_until(best[unit], stop.eta_s, latest_s)
            if useful_until is None:
                continue  # retired: no later stop can change this unit's part in the ranking
            still.append(unit)
            budget_s = useful_until - ready_s
            if budget_s < 0.0:
                continue
            unit_x, unit_y = unit_xy[unit]
            dx = unit_x - stop_x
            dy = unit_y - stop_y
            # Compare squares: (distance * safety / speed)^2 > budget^2 means even the bound arrives too late.
            if dx * dx + dy * dy > reach_sq[unit] * budget_s * budget_s:
                continue
            self._route(unit, position, stop, latest_s)
        return still

    def _useful_until(self, best: _UnitBest | None, vehicle_eta_s: float, latest_s: float) -> float | None:
        """The latest planned arrival at this stop that can still change the unit's part in the ranking, or None
        when neither this stop nor a later one can."""
        if best is not None and best.wait_contact < math.inf:
            # Waiting at an earlier stop: only a wait as early (here, with a shorter drive) can change it.
            return None if vehicle_eta_s > best.wait_contact else vehicle_eta_s
        if best is None or best.hold_contact == math.inf:
            # No option yet: anything within the hold and the ranking (the arrival is not past the threshold here,
            # or was not when the stop began).
            return latest_s if latest_s < self.threshold else self.threshold
        return self._useful_beside_hold(best.hold_contact, vehicle_eta_s, latest_s)

    def _useful_beside_hold(self, hold_contact: float, vehicle_eta_s: float, latest_s: float) -> float | None:
        """``_useful_until`` for a unit with a hold so far and no wait. A wait here (contact: the vehicle's arrival;
        every later stop's is later) matters if it could beat the hold by less than the minimum saving, and could
        rank or decide against a hold that could. A hold here (contact after the arrival) matters if it can beat
        the unit's hold and rank."""
        threshold = self.threshold
        wait_matters = vehicle_eta_s <= hold_contact + self.min_saving_s and (
            vehicle_eta_s <= threshold or hold_contact <= threshold
        )
        hold_matters = vehicle_eta_s < threshold and vehicle_eta_s < hold_contact
        if not (wait_matters or hold_matters):
            return None
        until = min(latest_s, threshold, hold_contact) if hold_matters else -math.inf
        if wait_matters and vehicle_eta_s > until:
            until = vehicle_eta_s
        return until

    def _route(self, unit: int, position: int, stop: StopAhead, latest_s: float) -> None:
        """Ask the router for the unit's drive to the stop and keep the option if it is the unit's best."""
        u = self.units[unit]
        drive_s = self.params.router.travel_time_s(u.lat, u.lon, stop.lat, stop.lon, u.unit_type)
        planned_s = self.ready_s + drive_s
        if planned_s > latest_s:
            return
        best = self.best[unit]
        if best is None:
            best = self.best[unit] = _UnitBest()
        before = min(best.wait_contact, best.hold_contact + self.min_saving_s)
        if planned_s > stop.eta_s:
            option = (planned_s, planned_s - stop.eta_s, drive_s, position)
        else:
            option = (stop.eta_s, 0.0, drive_s, position)
        if best.offer(option):
            self._bound_lowered(before, min(best.wait_contact, best.hold_contact + self.min_saving_s))

    def _bound_lowered(self, before: float, after: float) -> None:
        """A unit's upper bound moved from ``before`` to ``after``: keep the sorted bounds and the threshold."""
        if after >= before:
            return
        if before < math.inf:
            del self.upper_bounds[bisect.bisect_left(self.upper_bounds, before)]
        bisect.insort(self.upper_bounds, after)
        if len(self.upper_bounds) >= self.keep:
            self.threshold = self.upper_bounds[self.keep - 1]

    def ranking(self) -> list[Meeting]:
        """Each unit's meeting from its best options, the terminus fallback where needed, in rank order."""
        found: list[Meeting] = []
        loose: list[int] = []  # units with no option at any stop: the terminus fallback, if they can rank
        for unit, best in enumerate(self.best):
            if best is None:
                loose.append(unit)
            else:
                found.append(self._choose(self.units[unit], best))
        # A unit with no option anywhere meets the vehicle at the terminus after its arrival there plus the max
        # hold: it can rank only if the threshold is later than that. A unit with options pruned only had options
        # past the threshold, and its terminus contact is not earlier than those: it stays out here as well.
        if loose and self.threshold > self.stops[-1].eta_s + self.params.max_hold_s:
            found.extend(self._terminus_fallback(loose))
        found.sort(key=rank_key)
        return found[: self.keep]

    def _choose(self, unit: UnitState, best: _UnitBest) -> Meeting:
        """The unit's meeting: its hold when that is earlier than its wait by the minimum saving, else the wait."""
        wait, hold = best.wait, best.hold
        if hold is None or (wait is not None and not hold < wait):
            assert wait is not None  # a unit has a best once it has an option
            return self._at_stop(unit, wait)
        if wait is None:
            return self._hold_or_terminus(unit, hold)
        return self._at_stop(unit, hold if wait[0] - hold[0] >= self.min_saving_s else wait)

    def _hold_or_terminus(self, unit: UnitState, hold: _Option) -> Meeting:
        """A hold with no wait to compare with: compared with the terminus fallback instead."""
        terminus = self.stops[-1]
        saving = self.min_saving_s
        if saving == 0.0 or terminus.eta_s >= hold[0] + saving or hold[0] > self.threshold:
            # The terminus fallback is never earlier than the hold, nor than the vehicle's arrival there; a unit
            # whose hold is past the threshold does not rank whichever it takes.
            return self._at_stop(unit, hold)
        drive_s = self.params.router.travel_time_s(unit.lat, unit.lon, terminus.lat, terminus.lon, unit.unit_type)
        end = _terminus_meeting(unit, terminus, drive_s, self.depart_s, self.ready_s)
        return self._at_stop(unit, hold) if end.contact_s - hold[0] >= saving else end

    def _at_stop(self, unit: UnitState, option: _Option) -> Meeting:
        contact, hold, drive, position = option
        stop = self.stops[position]
        eta = self.depart_s + drive
        return Meeting(unit.unit_id, unit.agency, unit.unit_type, "stop", stop, drive, eta, stop.eta_s, hold, contact)

    def _terminus_fallback(self, loose: Sequence[int]) -> list[Meeting]:
        """For units no stop ahead works for: meet the vehicle at the end of its trip, where it stands anyway (no hold
        is asked). Units come in order of their lower bound, and the scan stops once the bound passes the keep-th
        contact known (the upper bounds of the units with options, and the terminus contacts found)."""
        terminus = self.stops[-1]
        travel = self.params.router.travel_time_s
        found: list[Meeting] = []
        contacts = list(self.upper_bounds)
        keep = self.keep
        for bound, i in _crow_bounds(
            self.units, loose, terminus.lat, terminus.lon, self.m_per_deg_lon, self.crow_speeds
        ):
            if len(contacts) >= keep and max(terminus.eta_s, self.ready_s + bound) > contacts[keep - 1]:
                break
            u = self.units[i]
            drive_s = travel(u.lat, u.lon, terminus.lat, terminus.lon, u.unit_type)
            meeting = _terminus_meeting(u, terminus, drive_s, self.depart_s, self.ready_s)
            bisect.insort(contacts, meeting.contact_s)
            found.append(meeting)
        return found


def _terminus_meeting(unit: UnitState, terminus: StopAhead, drive: float, start: float, ready: float) -> Meeting:
    contact = max(ready + drive, terminus.eta_s)
    eta = start + drive
    return Meeting(
        unit.unit_id, unit.agency, unit.unit_type, "terminus", terminus, drive, eta, terminus.eta_s, 0.0, contact
    )
