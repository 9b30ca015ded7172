"""The router: joins incidents with live transit and patrol state and recommends the unit that reaches them first.

``hub.router.intercept`` holds the pure recommendation (``recommend``); its inputs and results are in
``hub.router.model``, a brute-force reference for checking it in ``hub.router.reference``.
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
