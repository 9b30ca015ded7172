"""Canonical alert: what the router tells one recipient domain about one incident, revised over time."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from hub.schemas.codes import CategoryCode
from hub.schemas.common import HubModel, LineName, NonEmptyStr, Priority, StopDhid, Timestamp, VehicleNumber
from hub.schemas.sensitivity import Sensitive

__all__ = ["Alert", "AlertRecipient", "AlertState", "HoldAction", "HoldRequest"]

AlertRecipient = Literal["polizei", "havag", "ordnungsamt", "analytics", "praevention"]
AlertState = Literal["new", "acknowledged", "resolved", "expired"]
HoldAction = Literal["hold_at_stop", "keep_doors_closed", "divert", "proceed"]


class HoldRequest(HubModel):
    """An operational request to the transit control room about one vehicle."""

    action: HoldAction
    stop_dhid: StopDhid | None = Field(default=None, description="where to hold or divert to")
    max_hold_s: int | None = Field(default=None, ge=0, le=3600, description="hold no longer than this")


class Alert(HubModel):
    """One revision of an alert. A new revision replaces the previous one with the same ``alert_id``."""

    alert_id: NonEmptyStr
    revision: int = Field(ge=1, description="increases with every change; consumers keep the highest")
    incident_id: NonEmptyStr = Field(description="the incident this alert is about")
    recipient: AlertRecipient
    state: AlertState
    category: CategoryCode
    priority: Priority
    vehicle: VehicleNumber | None = None
    line: LineName | None = None
    stop_dhid: StopDhid | None = Field(default=None, description="stop where the incident is or the vehicle was")
    recommended_unit: Annotated[str | None, Sensitive("operational_secret")] = Field(
        default=None, max_length=256, description="call sign of the unit the router suggests"
    )
    intercept_stop_dhid: StopDhid | None = Field(
        default=None, description="stop where the unit meets the moving vehicle"
    )
    unit_eta: Timestamp | None = Field(default=None, description="when the unit reaches the intercept stop")
    vehicle_eta: Timestamp | None = Field(default=None, description="when the vehicle reaches the intercept stop")
    hold_request: HoldRequest | None = None
    instructions: str | None = Field(default=None, max_length=2000)
    issued_at: Timestamp
