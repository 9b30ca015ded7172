"""Canonical transit events: where each tram or bus is (``VehiclePosition``) and what is disrupted."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from hub.schemas.common import (
    Bearing,
    HubModel,
    Latitude,
    LifecycleStatus,
    LineName,
    Longitude,
    NonEmptyStr,
    StopDhid,
    Timestamp,
    VehicleNumber,
)

__all__ = [
    "DisruptionCause",
    "DisruptionEffect",
    "DisruptionSeverity",
    "StopTimeUpdate",
    "TransitDisruption",
    "TripUpdate",
    "VehiclePosition",
]


class VehiclePosition(HubModel):
    """One position report of one vehicle (GTFS-RT VehiclePosition, SIRI-VM, or HAVAG's own feed)."""

    vehicle: VehicleNumber
    line: LineName | None = None
    direction: str | None = Field(default=None, max_length=128, description="destination or direction id")
    trip_id: str | None = Field(default=None, max_length=128, description="GTFS trip id, if known")
    run: str | None = Field(default=None, max_length=32, description="run (Umlauf) number")
    lat: Latitude
    lon: Longitude
    bearing: Bearing | None = None
    speed_mps: float | None = Field(default=None, ge=0.0)
    delay_s: int | None = Field(default=None, description="seconds behind schedule; negative = early")
    observed_at: Timestamp
    current_stop_dhid: StopDhid | None = Field(default=None, description="stop the vehicle is at or just left")
    next_stop_dhid: StopDhid | None = None


class StopTimeUpdate(HubModel):
    """Predicted arrival and departure of one trip at one stop (GTFS-RT StopTimeUpdate, SIRI estimated call)."""

    stop_sequence: int | None = Field(default=None, ge=0)
    stop_id: str | None = Field(default=None, max_length=128, description="the feed's own stop id")
    stop_dhid: StopDhid | None = Field(default=None, description="DHID, when the feed's stop id is one")
    arrival_time: Timestamp | None = None
    arrival_delay_s: int | None = None
    departure_time: Timestamp | None = None
    departure_delay_s: int | None = None
    schedule_relationship: Literal["scheduled", "skipped", "no_data", "unscheduled"] = "scheduled"


class TripUpdate(HubModel):
    """Realtime progress of one trip: delays and predicted times at its coming stops (GTFS-RT TripUpdate)."""

    trip_id: NonEmptyStr
    line: LineName | None = None
    direction: str | None = Field(default=None, max_length=128)
    start_date: str | None = Field(default=None, pattern=r"^\d{8}$", description="service day, YYYYMMDD")
    vehicle: VehicleNumber | None = None
    schedule_relationship: Literal[
        "scheduled", "added", "unscheduled", "canceled", "replacement", "duplicated", "deleted", "new"
    ] = "scheduled"
    delay_s: int | None = Field(default=None, description="trip delay in seconds; negative = early")
    stop_updates: list[StopTimeUpdate] = Field(default_factory=list)
    observed_at: Timestamp


# GTFS-Realtime Alert enums in lower case; SIRI-SX reasons map onto them in the connector.
DisruptionCause = Literal[
    "unknown",
    "other",
    "technical_problem",
    "strike",
    "demonstration",
    "accident",
    "holiday",
    "weather",
    "maintenance",
    "construction",
    "police_activity",
    "medical_emergency",
]
DisruptionEffect = Literal[
    "unknown",
    "no_service",
    "reduced_service",
    "significant_delays",
    "detour",
    "additional_service",
    "modified_service",
    "stop_moved",
    "no_effect",
    "accessibility_issue",
    "other",
]
DisruptionSeverity = Literal["unknown", "info", "warning", "severe"]


class TransitDisruption(HubModel):
    """A disruption of service (SIRI-SX situation, GTFS-RT Alert) on some lines and stops for some time."""

    disruption_id: NonEmptyStr = Field(description="the situation number in the source system")
    lines: list[LineName] = Field(default_factory=list)
    stop_dhids: list[StopDhid] = Field(default_factory=list)
    cause: DisruptionCause = "unknown"
    effect: DisruptionEffect = "unknown"
    severity: DisruptionSeverity
    summary: str = Field(min_length=1, max_length=1000, description="public summary as published to passengers")
    valid_from: Timestamp
    valid_to: Timestamp | None = None
    status: LifecycleStatus

    @field_validator("valid_to")
    @classmethod
    def _period_ordered(cls, valid_to: datetime | None, info: ValidationInfo) -> datetime | None:
        valid_from = info.data.get("valid_from")  # absent when valid_from itself was invalid
        if valid_to is not None and valid_from is not None and valid_to < valid_from:
            raise PydanticCustomError("period_reversed", "valid_to is before valid_from")
        return valid_to
