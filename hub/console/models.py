"""The console API's request and answer models (they make the OpenAPI document) and ``ApiError``, the one way a
handler refuses: a status, a reason code and words, answered as ``{"error": ..., "code": ...}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from hub.router.core import AckAction
from hub.schemas.alert import Alert
from hub.schemas.common import StopDhid

__all__ = [
    "Accepted",
    "AckBody",
    "ActionView",
    "AlertDetail",
    "AlertView",
    "ApiCode",
    "ApiError",
    "Change",
    "Conflict",
    "ErrorBody",
    "Health",
    "MapView",
    "Me",
    "NetworkDocument",
    "NoteBody",
    "ResolveBody",
    "SignIn",
]


#: The reason codes of the console's refusals (a closed set: a metric label; docs/console.md section 3 says which
#: route answers which). ``POST /acks/<domain>`` answers with the desk's codes (hub.acks_http), counted apart.
ApiCode = Literal[
    "unauthorized",
    "origin",
    "csrf",
    "too_many_attempts",
    "unknown_alert",
    "stale_revision",
    "wrong_prefix",
    "not_found",
    "method_not_allowed",
    "malformed_json",
    "schema_violation",
    "too_large",
    "body_timeout",
    "bad_request",
    "head_too_large",
    "http_error",
    "broker_unavailable",
    "store_unavailable",
    "overloaded",
    "internal_error",
]


class ApiError(Exception):
    """A refusal: HTTP ``status``, reason ``code`` (closed per route, documented), ``message`` in words, and
    ``extra`` fields for the body (a 409's current revision and changes)."""

    def __init__(
        self,
        status: int,
        code: ApiCode,
        message: str,
        *,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})

    def body(self) -> dict[str, Any]:
        return {"error": self.message, "code": self.code, **self.extra}


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SignIn(_Body):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class AckBody(_Body):
    revision: int = Field(ge=1, le=2**31 - 1, description="the revision shown to the person, which they confirm")


class NoteBody(_Body):
    text: str = Field(min_length=1, max_length=2000)
    revision: int | None = Field(default=None, ge=1, le=2**31 - 1, description="the revision the note is about")


class ResolveBody(_Body):
    revision: int = Field(ge=1, le=2**31 - 1, description="the revision shown to the person")
    note: str | None = Field(default=None, min_length=1, max_length=2000)


class ErrorBody(BaseModel):
    error: str
    code: str


class Me(BaseModel):
    user: str
    agency: str
    role: str
    csrf_token: str | None = Field(description="send it as X-CSRF-Token on every state-changing request")


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    database: Literal["ok", "unreachable"]
    broker: Literal["connected", "not yet", "unreachable"]


class AlertView(Alert):
    """An Alert as the signed-in agency sees it (for HAVAG without the fields marked sensitive), with stop names
    from the shipped GTFS stops, local times in Europe/Berlin, the router's group and when it was stored."""

    stop_name: str | None = None
    intercept_stop_name: str | None = None
    issued_at_local: str = Field(pattern=r"^\d\d:\d\d:\d\d$")
    unit_eta_local: str | None = None
    vehicle_eta_local: str | None = None
    group: str
    stored_at: datetime


class ActionView(BaseModel):
    alert_id: str
    action: AckAction
    revision: int | None
    by: str
    at: datetime
    note: str | None
    stored_at: datetime


class Change(BaseModel):
    field: str
    before: Any
    after: Any


class Position(BaseModel):
    lat: float
    lon: float
    at: datetime


class VehicleFix(Position):
    vehicle: str


class UnitFix(Position):
    unit: str


class Intercept(BaseModel):
    stop_dhid: StopDhid
    unit_eta: datetime | None
    vehicle_eta: datetime | None
    hold_s: int | None = Field(description="how long HAVAG is asked to hold the vehicle at the stop")


class MapView(BaseModel):
    line: str | None
    stops_ahead: list[str] = Field(description="DHIDs of the stops the vehicle reaches up to the intercept stop")
    vehicle: VehicleFix | None
    units: list[UnitFix] = Field(description="police and Ordnungsamt only: their own recommended unit")
    intercept: Intercept | None


class AlertDetail(BaseModel):
    alert: AlertView
    revisions: list[AlertView]
    changes: list[list[Change]] = Field(description="per revision, what changed from the one before")
    actions: list[ActionView]
    map: MapView


class Conflict(ErrorBody):
    current: AlertView
    changes: list[Change] = Field(description="what changed from the revision sent to the current one")


class Accepted(BaseModel):
    accepted: Literal[True]
    alert_id: str
    action: AckAction
    revision: int | None


class NetworkStop(BaseModel):
    dhid: str
    name: str
    lat: float
    lon: float


class NetworkLine(BaseModel):
    name: str
    color: str
    stops: list[NetworkStop]


class NetworkDocument(BaseModel):
    lines: list[NetworkLine]
