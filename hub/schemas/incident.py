"""The canonical incident, shaped after EMSI (ISO/TR 22351): context, hierarchical type, origin, place, links.

One ``Incident`` is one report about one event from one source system; updates carry the same ``incident_id``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from hub.schemas.codes import TypeCode
from hub.schemas.common import (
    HubModel,
    Latitude,
    LifecycleStatus,
    LineName,
    Longitude,
    NonEmptyStr,
    Priority,
    StopDhid,
    Timestamp,
    VehicleNumber,
)
from hub.schemas.sensitivity import Sensitive

__all__ = [
    "AgencyRef",
    "Confidentiality",
    "Incident",
    "IncidentMode",
    "IncidentOrigin",
    "Location",
    "Person",
    "RetentionClass",
]

IncidentMode = Literal["actual", "exercise", "test"]
IncidentOrigin = Literal[
    "citizen_call",
    "driver_alarm",
    "havag_report",
    "police_initiated",
    "ordnungsamt_patrol",
    "streetwork",
    "open311",
    "other",
]
Confidentiality = Literal["public", "restricted", "confidential"]
RetentionClass = Literal["short", "standard", "long"]


class Location(HubModel):
    """Where the incident is, with the uncertainty of that position (a caller in a moving tram: large)."""

    lat: Latitude
    lon: Longitude
    uncertainty_m: float = Field(ge=0.0, description="radius in metres within which the incident lies")
    # A street address can point at a caller's home.
    address: Annotated[str | None, Sensitive("personal")] = Field(default=None, max_length=256)


class Person(HubModel):
    """A person involved in the incident, usually the caller."""

    name: Annotated[str | None, Sensitive("personal")] = Field(default=None, max_length=256)
    phone: Annotated[str | None, Sensitive("personal")] = Field(default=None, max_length=64)


class AgencyRef(HubModel):
    """Another agency's id for the same event (EMSI "external ids"), e.g. the police case number."""

    agency: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,31}$")] = Field(
        description="agency name in lower case, e.g. polizei, havag, ordnungsamt, feuerwehr"
    )
    ref_id: NonEmptyStr = Field(description="that agency's id for the event")


class Incident(HubModel):
    """One incident report, normalised from CAP, Open311, a driver alarm, a HAVAG report or a patrol.

    ``retention_class`` says how long the store keeps the record:

    - ``short``: operational use only; deleted soon after clear-down (tests, exercises, false alarms).
    - ``standard``: kept for evaluation and hotspot statistics for the city's standard period, then deleted.
    - ``long``: kept as long as the ``legal_basis`` requires (e.g. criminal proceedings), reviewed by the DPO.

    The periods themselves are store settings, not part of the event.
    """

    incident_id: NonEmptyStr = Field(description="the originating system's id for this incident")
    mode: IncidentMode = Field(description="EMSI context mode; only 'actual' incidents dispatch real units")
    origin: IncidentOrigin = Field(description="how the incident became known; analysis separates them")
    type_code: TypeCode
    priority: Priority
    status: LifecycleStatus
    reported_at: Timestamp = Field(description="when the incident was first reported to the source system")
    location: Location | None = None
    # A named area can be a street or a building, like an address.
    area: Annotated[str | None, Sensitive("personal")] = Field(
        default=None,
        max_length=256,
        description="the area as the source names it (CAP areaDesc), also where it gives no shape to place it",
    )
    expires_at: Timestamp | None = Field(
        default=None, description="when the source says its information stops being valid (CAP expires)"
    )
    stop_dhid: StopDhid | None = Field(default=None, description="the stop concerned, if any")
    line: LineName | None = Field(default=None, description="the line concerned, if any")
    vehicle: VehicleNumber | None = Field(default=None, description="car number of the vehicle concerned")
    references: list[AgencyRef] = Field(default_factory=list)
    confidentiality: Confidentiality
    legal_basis: NonEmptyStr = Field(description="legal basis of processing, e.g. 'SOG LSA § 27'")
    retention_class: RetentionClass
    description: Annotated[str | None, Sensitive("personal")] = Field(
        default=None, max_length=4000, description="free text as reported; may name or describe people"
    )
    caller: Person | None = None
    assessment: Annotated[str | None, Sensitive("police_assessment")] = Field(
        default=None,
        max_length=4000,
        description="police assessment; never leaves police and security bodies",
    )
