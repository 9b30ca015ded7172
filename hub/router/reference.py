"""Brute-force reference for the intercept recommendation: every eligible unit times every stop ahead, one router
call each, no pruning. Slow on purpose; the benchmark and the tests check ``recommend`` against it.
"""

from __future__ import annotations

from collections.abc import Sequence

from hub.router.intercept import DEFAULT_PARAMS, assemble, rank_key, screen_units
from hub.router.model import Incident, InterceptParams, Meeting, PlaceIncident, Recommendation, UnitState

__all__ = ["recommend_brute_force"]


def recommend_brute_force(
    incident: Incident, units: Sequence[UnitState], now_s: float, params: InterceptParams = DEFAULT_PARAMS
) -> Recommendation:
    """The same ranking as ``recommend``, computed the obvious way."""
    eligible, excluded = screen_units(units, now_s, params)
    start = now_s + params.turnout_s
    ready = start + params.planning_margin_s
    travel = params.router.travel_time_s
    meetings: list[Meeting] = []
    if isinstance(incident, PlaceIncident) or not incident.stops_ahead:
        for u in eligible:
            drive = travel(u.lat, u.lon, incident.lat, incident.lon, u.unit_type)
            eta = start + drive
            meetings.append(Meeting(u.unit_id, u.agency, u.unit_type, "place", None, drive, eta, None, 0.0, eta))
    else:
        stops = incident.stops_ahead
        for u in eligible:
            options: list[tuple[float, float, float, int]] = []
            for j, stop in enumerate(stops):
                drive = travel(u.lat, u.lon, stop.lat, stop.lon, u.unit_type)
                planned = ready + drive
                if planned <= stop.eta_s + params.max_hold_s:
                    hold, contact = (planned - stop.eta_s, planned) if planned > stop.eta_s else (0.0, stop.eta_s)
                    options.append((contact, hold, drive, j))
            if options:
                contact, hold, drive, j = min(options)
                stop = stops[j]
                eta = start + drive
                meetings.append(
                    Meeting(u.unit_id, u.agency, u.unit_type, "stop", stop, drive, eta, stop.eta_s, hold, contact)
                )
            else:
                end = stops[-1]
                drive = travel(u.lat, u.lon, end.lat, end.lon, u.unit_type)
                contact = max(ready + drive, end.eta_s)
                eta = start + drive
                meetings.append(
                    Meeting(u.unit_id, u.agency, u.unit_type, "terminus", end, drive, eta, end.eta_s, 0.0, contact)
                )
    meetings.sort(key=rank_key)
    return assemble(incident, now_s, meetings[: 1 + params.runners_up], excluded)
