"""Canonical alert: what the router tells one recipient domain about one incident, revised over time."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from hub.schemas.codes import CategoryCode
from hub.schemas.common import HubModel, LineName, NonEmptyStr, Priority, StopDhid, Timestamp, VehicleNumber
from hub.schemas.incident import IncidentMode
from hub.schemas.sensitivity import Sensitive

__all__ = ["Alert", "AlertEscalation", "AlertRecipient", "AlertState", "ClearReason", "HoldAction", "HoldRequest"]

AlertRecipient = Literal["polizei", "havag", "ordnungsamt", "analytics", "praevention"]
AlertState = Literal["new", "acknowledged", "resolved", "expired"]
HoldAction = Literal["hold_at_stop", "keep_doors_closed", "divert", "proceed"]

#: How far an unacknowledged alert has been escalated. ``next_unit``: the proposal moved on to the next runner-up;
#: ``supervisor``: no unit left to propose, the recipient's supervisor role is asked (``escalated_to``);
#: ``havag_unanswered``: (police alerts) HAVAG did not acknowledge its hold request, the police phone HAVAG.
AlertEscalation = Literal["none", "next_unit", "supervisor", "havag_unanswered"]

#: Why a finished alert was cleared down: the incident was closed (dealt with) or cancelled (withdrawn, e.g. a
#: false alarm), the alert expired (no news for the expiry time), a watchdog warning's units were all heard again, or
#: a person of the recipient resolved it (``resolve`` on ``acks.<domain>``).
ClearReason = Literal["incident_closed", "incident_cancelled", "expired", "units_heard", "resolved_by_recipient"]

_FINISHED = ("resolved", "expired")


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
    # Added after v1's first release: all defaulted, so alerts written before them still validate.
    mode: IncidentMode = Field(
        default="actual", description="the incident's mode; only 'actual' alerts are about a real incident"
    )
    escalation: AlertEscalation = Field(default="none", description="the escalation step the alert has reached")
    escalated_to: NonEmptyStr | None = Field(
        default=None, description="the role asked to decide when escalated to the supervisor, else None"
    )
    escalation_level: int = Field(
        default=0, ge=0, description="escalation steps taken so far (each runner-up, then the supervisor)"
    )
    havag_unanswered: bool = Field(
        default=False, description="police alerts: HAVAG has not acknowledged its hold request, phone HAVAG"
    )
    cleared_at: Timestamp | None = Field(default=None, description="when the alert was resolved or expired")
    clear_reason: ClearReason | None = Field(default=None, description="why it was resolved or expired")
    acknowledged_by: Annotated[str | None, Sensitive("personal")] = Field(
        default=None,
        max_length=256,
        description="who of the recipient acknowledged the alert (a person or role, as the acknowledgement said)",
    )
    acknowledged_revision: int | None = Field(
        default=None, ge=1, description="the revision the acknowledgement confirmed (the plan the person saw)"
    )

    @model_validator(mode="after")
    def _clear_down_only_when_finished(self) -> Alert:
        if (self.cleared_at is not None or self.clear_reason is not None) and self.state not in _FINISHED:
            raise ValueError(f"cleared_at and clear_reason belong to a resolved or expired alert, not {self.state!r}")
        if self.clear_reason is not None and (self.clear_reason == "expired") != (self.state == "expired"):
            raise ValueError(f"clear_reason {self.clear_reason!r} does not match state {self.state!r}")
        return self
