"""The on-board unit's emergency key as the hub's own JSON webhook (no public standard exists): ``driver-alarm``.

``DriverAlarm`` is the message (JSON Schema in docs/formats/cap-open311-alarms-units.md); a raise and its
clear-down map to one ``Incident`` whose id is derived from the alarm id.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from hub.errors import InvalidEventError
from hub.formats.base import MAX_DOCUMENT_BYTES, CanonicalRecord, SourceRecord, canonical, check_size, unnamed_record
from hub.formats.jsondoc import decode_json_object, json_objects
from hub.schemas.common import (
    Latitude,
    LineName,
    Longitude,
    StopDhid,
    StorableStrings,
    Timestamp,
    VehicleNumber,
    validation_reason,
)
from hub.schemas.incident import Incident
from hub.topology import raw_topic

__all__ = ["DEFAULT_ACCURACY_M", "AlarmPosition", "DriverAlarm", "DriverAlarmFormat"]

DEFAULT_ACCURACY_M = 50.0
"""Uncertainty when the unit sends no accuracy: vehicle GNSS is good to 10-30 m, and the tram keeps moving."""
DEFAULT_LEGAL_BASIS = "SOG LSA § 27"


class AlarmPosition(BaseModel):
    """The vehicle's position when the key was pressed."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    lat: Latitude
    lon: Longitude
    accuracy_m: float | None = Field(default=None, ge=0.0, description="horizontal accuracy in metres, if known")


class DriverAlarm(StorableStrings):
    """One driver alarm message: the key pressed (``raised``) or the alarm cleared down (``cleared``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, title="DriverAlarm")

    alarm_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")] = Field(
        description="the on-board unit's id of this alarm; the raise and its clear-down carry the same id",
        examples=["654-20261120-220007"],
    )
    vehicle: VehicleNumber
    line: LineName | None = None
    run: Annotated[str, StringConstraints(min_length=1, max_length=32)] | None = Field(
        default=None, description="the run (Umlauf) the vehicle is on"
    )
    mode: Literal["silent", "loud"] = Field(
        description="silent: no audible signal in the vehicle (the driver must not be seen calling); loud: audible"
    )
    state: Literal["raised", "cleared"] = Field(description="raised: key pressed; cleared: alarm cleared down")
    last_stop: StopDhid | None = Field(default=None, description="DHID of the last stop served")
    next_stop: StopDhid | None = Field(default=None, description="DHID of the next stop")
    position: AlarmPosition | None = None
    time: Timestamp = Field(description="when this state was reached, ISO 8601 with UTC offset")
    raised_at: Timestamp | None = Field(
        default=None, description="on a clear-down: when the alarm was raised (becomes the incident's reported_at)"
    )
    context: Literal["actual", "exercise", "test"] = Field(
        default="actual", description="EMSI context: drills and key tests must not dispatch units"
    )


def _version(obj: Any) -> str:
    """``state:time`` as sent; "" when either is missing (the record is then refused by ``to_canonical``)."""
    if not isinstance(obj, dict):
        return ""
    state, time = obj.get("state"), obj.get("time")
    return f"{state}:{time}" if isinstance(state, str) and isinstance(time, str) else ""


def _record(value: bytes, obj: Any) -> SourceRecord:
    alarm_id = obj.get("alarm_id") if isinstance(obj, dict) else None
    if not isinstance(alarm_id, str) or not alarm_id:
        return unnamed_record(value)
    vehicle = obj.get("vehicle")
    key = vehicle if isinstance(vehicle, str) and vehicle else alarm_id  # raw topic is keyed by car number
    return SourceRecord(alarm_id, _version(obj), key.encode("utf-8"), value)


class DriverAlarmFormat:
    """Driver alarms from HAVAG's on-board units (webhook, one JSON object or an array per call)."""

    name = "driver-alarm"
    raw_topic = raw_topic("havag", "driver-alarm")

    def __init__(self, *, source: str = "/havag/driver-alarm", legal_basis: str = DEFAULT_LEGAL_BASIS) -> None:
        self.source = source
        self.legal_basis = legal_basis

    def split(self, document: bytes, content_type: str | None = None) -> list[SourceRecord]:
        check_size(document)
        return [_record(value, obj) for value, obj in json_objects(document, "a driver alarm", MAX_DOCUMENT_BYTES)]

    def to_canonical(self, record: bytes) -> list[CanonicalRecord]:
        obj = decode_json_object(record)
        try:
            alarm = DriverAlarm.model_validate(obj)
        except ValidationError as exc:
            raise InvalidEventError(f"invalid driver alarm: {validation_reason(exc)}", "schema_violation") from exc
        location = None
        if alarm.position is not None:
            accuracy = alarm.position.accuracy_m
            location = {
                "lat": alarm.position.lat,
                "lon": alarm.position.lon,
                "uncertainty_m": DEFAULT_ACCURACY_M if accuracy is None else accuracy,
            }
        data = {
            "incident_id": f"driver-alarm:{alarm.alarm_id}",
            "mode": alarm.context,
            "origin": "driver_alarm",
            # Silent or loud matters to whoever goes there (a silent alarm must not be answered loudly): keep it.
            "type_code": f"TRANSIT/DRIVER_ALARM/{alarm.mode.upper()}",
            # Both are priority 1: the driver is in danger and, silent or not, may not be able to say more.
            "priority": 1,
            "status": "open" if alarm.state == "raised" else "closed",
            "reported_at": alarm.raised_at or alarm.time,
            "location": location,
            "stop_dhid": alarm.next_stop or alarm.last_stop,
            "line": alarm.line,
            "vehicle": alarm.vehicle,
            "references": [{"agency": "havag", "ref_id": alarm.alarm_id}],
            "confidentiality": "restricted",
            "legal_basis": self.legal_basis,
            "retention_class": "standard" if alarm.context == "actual" else "short",
        }
        # DriverAlarm holds every constraint Incident has, so a failure here is a bug (the stage calls it one).
        incident = Incident.model_validate(data)
        identity = f"{alarm.alarm_id}@{_version(obj)}"
        return [canonical(incident, source=self.source, source_record_id=identity, time=alarm.time)]
