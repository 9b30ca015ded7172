"""The router: joins incidents with live transit and patrol state and recommends the unit that reaches them first.

Everything here is pure (no faust, no drivers): ``hub.router.core`` is the whole stage (its faust shell is
``hub.workers.router``); ``hub.router.intercept`` the recommendation (``recommend``), with its inputs and results in
``hub.router.model`` and a brute-force reference in ``hub.router.reference``; ``hub.router.alerts`` the alert desk;
docs/router.md lists the rest.
"""

from hub.router.intercept import DEFAULT_PARAMS, recommend, screen_units, vehicle_incident
from hub.router.model import (
    Exclusion,
    ExclusionReason,
    HoldAsk,
    InterceptParams,
    InterceptTarget,
    Meeting,
    MeetingKind,
    PlaceIncident,
    Recommendation,
    StopAhead,
    UnitState,
    VehicleIncident,
)

__all__ = [
    "DEFAULT_PARAMS",
    "Exclusion",
    "ExclusionReason",
    "HoldAsk",
    "InterceptParams",
    "InterceptTarget",
    "Meeting",
    "MeetingKind",
    "PlaceIncident",
    "Recommendation",
    "StopAhead",
    "UnitState",
    "VehicleIncident",
    "recommend",
    "screen_units",
    "vehicle_incident",
]
