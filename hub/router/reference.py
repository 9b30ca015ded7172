"""Brute-force reference for the intercept recommendation: every eligible unit times every stop ahead, one router
call each, no pruning. Slow on purpose; the benchmark and the tests check ``recommend`` against it.
"""

from __future__ import annotations

from collections.abc import Sequence

from hub.router.intercept import DEFAULT_PARAMS, assemble, rank_key, screen_units
from hub.router.model import InterceptParams, InterceptTarget, Meeting, PlaceIncident, Recommendation, UnitState

__all__ = ["recommend_brute_force"]


def recommend_brute_force(
    incident: InterceptTarget, units: Sequence[UnitState], now_s: float, params: InterceptParams = DEFAULT_PARAMS
) -> Recommendation:
    """The same ranking as ``recommend``, computed the obvious way.

    Per unit: the best option that needs a hold, the best stop it waits at without one, and the terminus fallback.
    The hold is taken when it is earlier than the best stop without one (any stop ahead, in rank order) and at least
    ``min_hold_saving_s`` earlier than that stop or, with none, than the terminus fallback.
    """
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
        end = stops[-1]
        saving = params.min_hold_saving_s
        for u in eligible:
            holds: list[tuple[float, float, float, int]] = []
            waits: list[tuple[float, float, float, int]] = []
            for j, stop in enumerate(stops):
                drive = travel(u.lat, u.lon, stop.lat, stop.lon, u.unit_type)
                planned = ready + drive
                if planned <= stop.eta_s:
                    waits.append((stop.eta_s, 0.0, drive, j))
                elif planned <= stop.eta_s + params.max_hold_s:
                    holds.append((planned, planned - stop.eta_s, drive, j))
            wait = min(waits) if waits else None
            hold = min(holds) if holds else None
            end_drive = travel(u.lat, u.lon, end.lat, end.lon, u.unit_type)
            end_contact = max(ready + end_drive, end.eta_s)
            # The best option without a hold: the best stop the unit waits at, else the terminus fallback.
            option = wait
            if hold is not None and (wait is None or hold < wait):
                alternative = wait[0] if wait is not None else end_contact
                if alternative - hold[0] >= saving:
                    option = hold
            if option is not None:
                contact, held, drive, j = option
                stop = stops[j]
                meetings.append(
                    Meeting(
                        u.unit_id, u.agency, u.unit_type, "stop", stop, drive, start + drive, stop.eta_s, held, contact
                    )
                )
            else:
                meetings.append(
                    Meeting(
                        u.unit_id,
                        u.agency,
                        u.unit_type,
                        "terminus",
                        end,
                        end_drive,
                        start + end_drive,
                        end.eta_s,
                        0.0,
                        end_contact,
                    )
                )
    meetings.sort(key=rank_key)
    return assemble(incident, now_s, meetings[: 1 + params.runners_up], excluded)
