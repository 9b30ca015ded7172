"""The intercept recommendation: which unit reaches an incident on a moving tram first, at which stop ahead.

Pure and deterministic. ``recommend`` prunes with a straight-line lower bound and stops scanning stops once no unit
can still improve the ranking; ``hub.router.reference`` computes the same result by brute force, for checking.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence

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

__all__ = ["DEFAULT_PARAMS", "assemble", "rank_key", "recommend", "screen_units", "vehicle_incident"]

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


def rank_key(meeting: Meeting) -> tuple[float, float, float, str]:
    """Order of the ranking: earlier contact, then less hold, then shorter drive, then call sign (determinism)."""
    return (meeting.contact_s, meeting.hold_s, meeting.drive_s, meeting.unit_id)


def recommend(
    incident: InterceptTarget, units: Sequence[UnitState], now_s: float, params: InterceptParams = DEFAULT_PARAMS
) -> Recommendation:
    """Rank the eligible units for an incident and return the best with its meeting, the runners-up and the hold.

    Vehicle incidents: each unit's best meeting is the stop ahead with the earliest contact where it arrives (with
    ``margin_s`` to spare) no later than the vehicle plus ``max_hold_s``; a unit no stop works for meets the vehicle
    at its terminus. Place incidents (and vehicles with no stop ahead): units ranked by arrival.
    """
    eligible, excluded = screen_units(units, now_s, params)
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


def _rank_place(
    lat: float, lon: float, units: Sequence[UnitState], now_s: float, params: InterceptParams, keep: int
) -> list[Meeting]:
    start = now_s + params.turnout_s
    travel = params.router.travel_time_s
    kx = _metres_per_degree_lon(max([abs(lat), *(abs(u.lat) for u in units)]))
    speeds = _crow_speeds(units, params)
    bounds = []
    for i, u in enumerate(units):
        dx = (u.lon - lon) * kx
        dy = (u.lat - lat) * _KY
        bounds.append((math.sqrt(dx * dx + dy * dy) * _BOUND_SAFETY / speeds[i], i))
    bounds.sort()
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


def _rank_vehicle(  # noqa: C901 - being split for issue 9 (helper: router)
    incident: VehicleIncident, units: Sequence[UnitState], now_s: float, params: InterceptParams, keep: int
) -> list[Meeting]:
    """Scan the stops in running order and keep, per unit, its best option waiting at a stop (no hold) and its best
    option with a hold; then choose between them per unit and add the terminus fallback where it is needed.

    A unit's final contact is at most ``bound = min(wait contact, hold contact + min_hold_saving_s)``: the hold is
    taken, or a wait earlier than the hold plus the saving. ``threshold`` is the keep-th smallest bound, so it is never
    earlier than the keep-th final contact: an option later than it cannot put its unit into the ranking, except a
    wait that decides against a hold that is in it. See docs/intercept.md, "Making it fast".
    """
    stops = incident.stops_ahead
    start = now_s + params.turnout_s  # the unit sets off
    ready = (
        start + params.planning_margin_s
    )  # planning origin: a unit counts as arriving this much later than its drive
    max_hold = params.max_hold_s
    saving = params.min_hold_saving_s
    travel = params.router.travel_time_s
    kx = _metres_per_degree_lon(max([abs(s.lat) for s in stops] + [abs(u.lat) for u in units]))
    n = len(units)
    ux = [u.lon * kx for u in units]
    uy = [u.lat * _KY for u in units]
    speeds2 = [s * s / (_BOUND_SAFETY * _BOUND_SAFETY) for s in _crow_speeds(units, params)]
    inf = math.inf
    # Per unit, as (contact, hold, drive, stop position): the best option waiting at a stop, the best with a hold.
    waits: list[_Option | None] = [None] * n
    holds: list[_Option | None] = [None] * n
    wait_contact = [inf] * n
    hold_contact = [inf] * n
    bounds: list[float] = []  # sorted finite upper bounds of the units' final contacts
    threshold = inf  # the keep-th smallest bound
    active = list(range(n))
    for j, stop in enumerate(stops):
        v = stop.eta_s
        if v > threshold:
            # No option from here on can enter the ranking; a wait can still decide against a hold that can (only
            # while the wait would be within the minimum saving of that hold).
            active = [i for i in active if hold_contact[i] <= threshold and v <= hold_contact[i] + saving]
        if not active:
            break
        latest = v + max_hold
        sx = stop.lon * kx
        sy = stop.lat * _KY
        still: list[int] = []
        for i in active:
            cw = wait_contact[i]
            ch = hold_contact[i]
            if cw < inf:
                # A unit waiting at an earlier stop: only a wait as early (here, with a shorter drive) can change it.
                if v > cw:
                    continue  # retired
                still.append(i)
                limit = v
            else:
                if ch == inf:
                    # No option yet: anything within the hold and the ranking (v is not past the threshold here,
                    # or was not when the stop began).
                    still.append(i)
                    limit = latest if latest < threshold else threshold
                else:
                    # A hold so far. A wait here (contact v, every later stop's is later) matters if it could beat
                    # the hold by less than the minimum saving, and could rank or decide against a hold that could.
                    # A hold here (contact > v) matters if it can beat the unit's hold and rank.
                    wait_ok = v <= ch + saving and (v <= threshold or ch <= threshold)
                    hold_ok = v < threshold and v < ch
                    if not (wait_ok or hold_ok):
                        continue  # retired: no later stop can change this unit's part in the ranking either
                    still.append(i)
                    # The latest planned arrival that still matters.
                    limit = -inf
                    if hold_ok:
                        limit = latest
                        if threshold < limit:
                            limit = threshold
                        if ch < limit:
                            limit = ch
                    if wait_ok and v > limit:
                        limit = v
            budget = limit - ready
            if budget < 0.0:
                continue
            dx = ux[i] - sx
            dy = uy[i] - sy
            # Compare squares: (distance * safety / speed)^2 > budget^2 means even the bound arrives too late.
            if dx * dx + dy * dy > speeds2[i] * budget * budget:
                continue
            u = units[i]
            drive = travel(u.lat, u.lon, stop.lat, stop.lon, u.unit_type)
            planned = ready + drive
            if planned > latest:
                continue
            before = min(cw, ch + saving)
            if planned > v:
                option = (planned, planned - v, drive, j)
                previous = holds[i]
                if previous is not None and option >= previous:
                    continue
                holds[i] = option
                hold_contact[i] = planned
            else:
                option = (v, 0.0, drive, j)
                previous = waits[i]
                if previous is not None and option >= previous:
                    continue
                waits[i] = option
                wait_contact[i] = v
            after = min(wait_contact[i], hold_contact[i] + saving)
            if after < before:
                if before < inf:
                    del bounds[bisect.bisect_left(bounds, before)]
                bisect.insort(bounds, after)
                if len(bounds) >= keep:
                    threshold = bounds[keep - 1]
        active = still
    terminus = stops[-1]
    found: list[Meeting] = []
    loose: list[int] = []  # units with no option at any stop: the terminus fallback, if they can rank
    for i, u in enumerate(units):
        wait, hold = waits[i], holds[i]
        if hold is not None and (wait is None or hold < wait):
            if wait is not None:
                if wait[0] - hold[0] >= saving:
                    found.append(_stop_meeting(u, stops[hold[3]], hold, start))
                else:
                    found.append(_stop_meeting(u, stops[wait[3]], wait, start))
            elif saving == 0.0 or terminus.eta_s >= hold[0] + saving or hold[0] > threshold:
                # The terminus fallback is never earlier than the hold, nor than the vehicle's arrival there; a unit
                # whose hold is past the threshold does not rank whichever it takes.
                found.append(_stop_meeting(u, stops[hold[3]], hold, start))
            else:
                drive = travel(u.lat, u.lon, terminus.lat, terminus.lon, u.unit_type)
                end = _terminus_meeting(u, terminus, drive, start, ready)
                found.append(
                    _stop_meeting(u, stops[hold[3]], hold, start) if end.contact_s - hold[0] >= saving else end
                )
        elif wait is not None:
            found.append(_stop_meeting(u, stops[wait[3]], wait, start))
        else:
            loose.append(i)
    # A unit with no option anywhere meets the vehicle at the terminus after v_terminus + max_hold: it can rank only if
    # the threshold is later than that. A unit with options pruned only had options past the threshold, and its
    # terminus contact is not earlier than those: it stays out of the ranking here as well.
    if loose and threshold > terminus.eta_s + max_hold:
        found.extend(_terminus_meetings(terminus, units, loose, start, ready, params, kx, keep, bounds))
    found.sort(key=rank_key)
    return found[:keep]


def _stop_meeting(unit: UnitState, stop: StopAhead, option: _Option, start: float) -> Meeting:
    contact, hold, drive, _ = option
    eta = start + drive
    return Meeting(unit.unit_id, unit.agency, unit.unit_type, "stop", stop, drive, eta, stop.eta_s, hold, contact)


def _terminus_meeting(unit: UnitState, terminus: StopAhead, drive: float, start: float, ready: float) -> Meeting:
    contact = max(ready + drive, terminus.eta_s)
    eta = start + drive
    return Meeting(
        unit.unit_id, unit.agency, unit.unit_type, "terminus", terminus, drive, eta, terminus.eta_s, 0.0, contact
    )


def _terminus_meetings(
    terminus: StopAhead,
    units: Sequence[UnitState],
    loose: Sequence[int],
    start: float,
    ready: float,
    params: InterceptParams,
    kx: float,
    keep: int,
    bounds: Sequence[float],
) -> list[Meeting]:
    """Fallback for units no stop ahead works for: meet the vehicle at the end of its trip, where it stands anyway
    (no hold is asked). Units come in order of their lower bound, and the scan stops once the bound passes the
    keep-th contact known (the upper bounds of the units with options, and the terminus contacts found)."""
    travel = params.router.travel_time_s
    speeds = _crow_speeds(units, params)
    order = []
    for i in loose:
        u = units[i]
        dx = (u.lon - terminus.lon) * kx
        dy = (u.lat - terminus.lat) * _KY
        order.append((math.sqrt(dx * dx + dy * dy) * _BOUND_SAFETY / speeds[i], i))
    order.sort()
    found: list[Meeting] = []
    contacts = list(bounds)
    for bound, i in order:
        if len(contacts) >= keep and max(terminus.eta_s, ready + bound) > contacts[keep - 1]:
            break
        u = units[i]
        meeting = _terminus_meeting(
            u, terminus, travel(u.lat, u.lon, terminus.lat, terminus.lon, u.unit_type), start, ready
        )
        bisect.insort(contacts, meeting.contact_s)
        found.append(meeting)
    return found
