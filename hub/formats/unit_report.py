"""Unit status and position reports as the hub's own JSON webhook, modelled on TETRA: ``unit-report-<agency>``.

Status digit, LIP-style location (ETSI TS 100 392-18) and the emergency button, mapped to ``UnitStatus``; digits
are checked against the agency's configurable ``StatusCodeList``.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from hub.errors import ConfigError, InvalidEventError
from hub.formats.base import MAX_DOCUMENT_BYTES, CanonicalRecord, SourceRecord, canonical, check_size, unnamed_record
from hub.formats.jsondoc import decode_json_object, json_objects
from hub.formats.position import check_position
from hub.schemas.codes import DEFAULT_STATUS_CODES, StatusCodeList
from hub.schemas.common import Bearing, Latitude, Longitude, StorableStrings, Timestamp, validation_reason
from hub.schemas.units import STATUS_CODES_CONTEXT_KEY, Agency, UnitStatus
from hub.topology import raw_topic

__all__ = ["FEEDS", "LipLocation", "UnitReport", "UnitReportFormat"]

FEEDS: dict[str, tuple[str, str]] = {
    "polizei": ("polizei", "unit-status"),
    "ordnungsamt": ("ordnungsamt", "patrol-status"),
}
"""The raw topic (agency, feed) of each agency's unit reports."""


class LipLocation(BaseModel):
    """A LIP short location report in plain units (the radio gateway decodes the bit fields)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    lat: Latitude
    lon: Longitude
    position_error_m: float | None = Field(
        default=None, ge=0.0, description="upper bound of the LIP position-error class in metres, e.g. 20 for '< 20 m'"
    )
    velocity_kmh: float | None = Field(default=None, ge=0.0, description="LIP horizontal velocity in km/h")
    direction_deg: Bearing | None = Field(default=None, description="LIP direction of travel, degrees from north")
    time_elapsed_s: float | None = Field(
        default=None, ge=0.0, description="time elapsed since the fix, in seconds (upper bound of the LIP class)"
    )


class UnitReport(StorableStrings):
    """One unit report: status digit, optional location, emergency button."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, title="UnitReport")

    unit: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^\S(.*\S)?$")] = Field(
        description="radio call sign of the unit", examples=["Leo Halle 12/3"]
    )
    time: Timestamp = Field(description="when the radio sent the report, ISO 8601 with UTC offset")
    status: int = Field(ge=0, le=9, description="TETRA status digit; meaning per agency code list")
    emergency: bool = Field(default=False, description="the radio's emergency button was pressed")
    location: LipLocation | None = None
    incident_ref: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = Field(
        default=None, description="the incident the unit is assigned to, if the control room told the radio"
    )


def _record(value: bytes, obj: Any) -> SourceRecord:
    unit, time = (obj.get("unit"), obj.get("time")) if isinstance(obj, dict) else (None, None)
    if not isinstance(unit, str) or not unit or not isinstance(time, str):
        return unnamed_record(value)
    return SourceRecord(unit, time, unit.encode("utf-8"), value)


class UnitReportFormat:
    """Status and position reports of one agency's units; ``codes`` replaces the default status code list."""

    def __init__(self, agency: Agency, codes: StatusCodeList | None = None, *, source: str | None = None) -> None:
        if agency not in FEEDS:
            raise ConfigError(f"no unit report feed for agency {agency!r} (known: {', '.join(FEEDS)})")
        self.agency: Agency = agency
        self.codes = codes or DEFAULT_STATUS_CODES[agency]
        if self.codes.agency != agency:
            raise ConfigError(f"status code list of {self.codes.agency!r} given for agency {agency!r}")
        topic_agency, feed = FEEDS[agency]
        self.name = f"unit-report-{agency}"
        self.raw_topic = raw_topic(topic_agency, feed)
        self.source = source or f"/{topic_agency}/{feed}"

    def split(self, document: bytes, content_type: str | None = None) -> list[SourceRecord]:
        check_size(document)
        return [_record(value, obj) for value, obj in json_objects(document, "a unit report", MAX_DOCUMENT_BYTES)]

    def to_canonical(self, record: bytes) -> list[CanonicalRecord]:
        obj = decode_json_object(record)
        try:
            report = UnitReport.model_validate(obj)
        except ValidationError as exc:
            raise InvalidEventError(
                f"invalid {self.agency} unit report: {validation_reason(exc)}", "schema_violation"
            ) from exc
        if self.codes.get(report.status) is None:
            known = ", ".join(str(d) for d in sorted(self.codes.digits))
            raise InvalidEventError(
                f"status: digit {report.status} is not in the {self.agency} status code list (known: {known})",
                "schema_violation",
            )
        position = None
        if report.location is not None:
            fix = report.location
            where = f"invalid {self.agency} unit report: location"
            check_position(fix.lat, fix.lon, f"{where}.lat", f"{where}.lon")
            position = {
                "lat": fix.lat,
                "lon": fix.lon,
                "error_m": fix.position_error_m,
                "speed_mps": None if fix.velocity_kmh is None else fix.velocity_kmh / 3.6,
                "heading_deg": fix.direction_deg,
                "fix_age_s": fix.time_elapsed_s,
            }
        status = UnitStatus.model_validate(
            {
                "agency": self.agency,
                "unit": report.unit,
                "status_code": report.status,
                "position": position,
                "emergency": report.emergency,
                "observed_at": report.time,
                "incident_ref": report.incident_ref,
            },
            # The same list as above, so the model's own check can never disagree with this format's.
            context={STATUS_CODES_CONTEXT_KEY: {self.agency: self.codes}},
        )
        return [
            canonical(status, source=self.source, source_record_id=f"{report.unit}@{obj['time']}", time=report.time)
        ]
