"""Inputs, parameters and results of the intercept recommendation: plain frozen dataclasses, no Kafka, no pydantic.

All times are seconds on one clock (POSIX seconds in the live hub, simulation seconds in ``hub.sim``); positions are
WGS84 degrees. The live shell converts the canonical events (``UnitStatus``, ``VehiclePosition``) into these.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from hub.network.tram import Direction, Snap
from hub.network.travel import RoadRouter, StraightLineRouter, UnitType
from hub.schemas.alert import HoldRequest
from hub.schemas.codes import DEFAULT_STATUS_CODES, StatusCodeList

__all__ = [
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
]


@dataclass(frozen=True, slots=True)
class StopAhead:
    """One stop ahead of the incident's vehicle and when the vehicle is predicted to arrive there."""

    stop_index: int  # in the vehicle's line-direction
    stop_id: str  # DHID
    name: str
    lat: float
    lon: float
    eta_s: float  # predicted arrival of the vehicle, absolute


@dataclass(frozen=True, slots=True)
class VehicleIncident:
    """An incident on or at a moving vehicle: where the vehicle was reported and the stops it will reach next.

    ``stops_ahead`` are in running order with non-decreasing arrival times (checked: the search relies on it).
    ``lat``/``lon`` is the reported position, used only when no stop lies ahead (the vehicle is at its terminus).
    """

    incident_id: str
    vehicle: str
    line: str
    direction: Direction
    lat: float
    lon: float
    position: Snap
    stops_ahead: tuple[StopAhead, ...]

    def __post_init__(self) -> None:
        for a, b in zip(self.stops_ahead, self.stops_ahead[1:], strict=False):
            if b.stop_index <= a.stop_index or b.eta_s < a.eta_s:
                raise ValueError(f"incident {self.incident_id}: stops ahead must run in order with rising arrivals")


@dataclass(frozen=True, slots=True)
class PlaceIncident:
    """An incident at a fixed place (a stop, a street): units are ranked by their arrival there."""

    incident_id: str
    lat: float
    lon: float


#: Where the recommendation looks for a meeting: a moving vehicle or a fixed place. Not the canonical incident
#: (``hub.schemas.incident.Incident``): the live shell derives one of these from it (``hub.router.live.incident_view``).
InterceptTarget = VehicleIncident | PlaceIncident


@dataclass(frozen=True, slots=True)
class UnitState:
    """The latest known state of one patrol unit: where it was at its last fix, its status digit, last dispatch."""

    unit_id: str  # radio call sign
    agency: str  # selects the status code list
    unit_type: UnitType
    lat: float
    lon: float
    fix_at_s: float  # when the position was measured (not when it arrived)
    status_code: int
    last_dispatched_at_s: float | None = None  # when the hub last proposed this unit for an incident


ExclusionReason = Literal["unavailable", "unknown_status", "stale_position", "recently_dispatched"]


@dataclass(frozen=True, slots=True)
class Exclusion:
    """A unit that was not considered, and why."""

    unit_id: str
    reason: ExclusionReason


#: ``stop``: the unit waits at a stop ahead (or the vehicle is held there briefly); ``terminus``: no stop ahead works,
#: the unit meets the vehicle at the end of its trip; ``place``: a fixed place (or a vehicle with no stop ahead).
MeetingKind = Literal["stop", "terminus", "place"]


@dataclass(frozen=True, slots=True)
class Meeting:
    """One unit's best way to reach the incident: where, when each side arrives, any hold, the time of contact."""

    unit_id: str
    agency: str
    unit_type: UnitType
    kind: MeetingKind
    stop: StopAhead | None  # the intercept stop; None for a place
    drive_s: float  # the road router's travel time from the unit's position
    unit_eta_s: float  # absolute
    vehicle_eta_s: float | None  # absolute; None for a place
    hold_s: float  # how long the vehicle must wait at the stop after its arrival; 0 when none
    contact_s: float  # absolute planned time of contact: the ranking's key, margin included where a hold needs it


@dataclass(frozen=True, slots=True)
class HoldAsk:
    """What to ask the HAVAG dispatcher: hold ``vehicle`` at ``stop_id`` up to ``hold_s`` after its arrival."""

    vehicle: str
    stop_id: str
    stop_index: int
    hold_s: float

    def to_hold_request(self) -> HoldRequest:
        """The canonical ``HoldRequest`` for the HAVAG alert (seconds rounded up: a hold a second long is safer)."""
        return HoldRequest(action="hold_at_stop", stop_dhid=self.stop_id, max_hold_s=math.ceil(self.hold_s))


@dataclass(frozen=True, slots=True)
class Recommendation:
    """The best unit for an incident with its meeting, the runners-up in rank order, and who was left out."""

    incident_id: str
    now_s: float
    best: Meeting | None  # None when no unit is eligible
    runners_up: tuple[Meeting, ...]
    hold: HoldAsk | None
    excluded: tuple[Exclusion, ...]

    @property
    def ranked(self) -> tuple[Meeting, ...]:
        """The best meeting followed by the runners-up."""
        return (self.best, *self.runners_up) if self.best is not None else ()

    @property
    def time_to_contact_s(self) -> float | None:
        """Seconds from now until the best unit reaches the incident."""
        return None if self.best is None else self.best.contact_s - self.now_s


def _default_status_codes() -> Mapping[str, StatusCodeList]:
    return DEFAULT_STATUS_CODES


@dataclass(frozen=True, slots=True)
class InterceptParams:
    """Settings of the recommendation; the defaults and their reasons are in docs/intercept.md.

    A unit sets off ``turnout_s`` after the decision. To meet a vehicle it is planned to reach the stop ``margin_s``
    before it must (the vehicle's arrival, or the end of a hold), since its drive and the tram's running are
    estimates; a hold asked covers that margin and is never longer than ``max_hold_s``. The margin is capped at the
    max hold (``planning_margin_s``): without a hold to absorb it, it would only push meetings to later stops.

    ``min_hold_saving_s``: a hold is a request HAVAG's dispatcher must act on, so a unit's option that needs one is
    taken only when its contact is at least this many seconds earlier than that unit's best option without a hold
    (a stop it is waiting at, or else the terminus fallback); otherwise the unit takes the option without a hold.
    0 takes any hold that makes the contact earlier (and, with no stop reachable without a hold, never the terminus).

    ``crow_speed_kmh`` bounds how fast each unit type can cover straight-line distance; the search uses it to skip
    router calls that cannot win. It must never be below the router's true effective speed, or results change.
    None derives it from a ``StraightLineRouter`` (speed over detour factor, exact) and disables the bound for any
    other router.
    """

    router: RoadRouter = field(default_factory=StraightLineRouter)
    status_codes: Mapping[str, StatusCodeList] = field(default_factory=_default_status_codes)
    max_position_age_s: float = 120.0
    recent_dispatch_s: float = 600.0
    max_hold_s: float = 120.0
    runners_up: int = 3
    turnout_s: float = 30.0
    margin_s: float = 30.0
    min_hold_saving_s: float = 90.0
    crow_speed_kmh: Mapping[UnitType, float] | None = None
    # Derived once, so a recommendation does not rebuild them per call.
    available: Mapping[tuple[str, int], bool] = field(init=False, repr=False, compare=False)
    crow_speed_mps: Mapping[str, float] = field(init=False, repr=False, compare=False)

    @property
    def planning_margin_s(self) -> float:
        """The margin the plan uses: ``margin_s``, but never more than a hold can absorb."""
        return min(self.margin_s, self.max_hold_s)

    def __post_init__(self) -> None:
        if self.max_position_age_s <= 0 or self.recent_dispatch_s < 0:
            raise ValueError("max position age must be positive and the dispatch window not negative")
        if self.max_hold_s < 0 or self.turnout_s < 0 or self.margin_s < 0:
            raise ValueError("max hold, turnout time and margin must not be negative")
        if not self.min_hold_saving_s >= 0:  # also refuses NaN
            raise ValueError("min_hold_saving_s must not be negative")
        if self.runners_up < 0:
            raise ValueError("runners_up must not be negative")
        available = {
            (agency, code.digit): code.available for agency, codes in self.status_codes.items() for code in codes.codes
        }
        object.__setattr__(self, "available", MappingProxyType(available))
        speeds: dict[str, float] = {}
        if self.crow_speed_kmh is not None:
            speeds = {kind: kmh / 3.6 for kind, kmh in self.crow_speed_kmh.items()}
        elif isinstance(self.router, StraightLineRouter):
            speeds = {kind: p.speed_kmh / p.detour_factor / 3.6 for kind, p in self.router.profiles.items()}
        if any(not speed > 0 for speed in speeds.values()):
            raise ValueError("crow speeds must be positive")
        object.__setattr__(self, "crow_speed_mps", MappingProxyType(speeds))
