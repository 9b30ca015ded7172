"""Building blocks shared by the canonical models: base model, timestamps, coordinates, stop ids, statuses.

Also ``validation_reason``, which turns a pydantic error into a one-line reason for the dead-letter topic
without echoing input values (they may be personal data).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from pydantic_core import PydanticCustomError

__all__ = [
    "DHID_PATTERN",
    "Bearing",
    "HubModel",
    "Latitude",
    "LifecycleStatus",
    "LineName",
    "Longitude",
    "NonEmptyStr",
    "Priority",
    "StopDhid",
    "Timestamp",
    "VehicleNumber",
    "validation_reason",
]


class HubModel(BaseModel):
    """Base of every canonical payload: unknown fields are errors, instances are immutable, no NaN."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _require_aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise PydanticCustomError(
            "naive_datetime",
            "timestamp must carry a UTC offset, e.g. 2025-06-02T14:03:00+02:00 or 2025-06-02T12:03:00Z; "
            "a naive local time is ambiguous",
        )
    return value


Timestamp = Annotated[datetime, AfterValidator(_require_aware)]
"""A timezone-aware datetime; naive datetimes are rejected. The offset is kept as given."""

Latitude = Annotated[float, Field(ge=-90.0, le=90.0, description="WGS84 latitude in degrees")]
Longitude = Annotated[float, Field(ge=-180.0, le=180.0, description="WGS84 longitude in degrees")]
Bearing = Annotated[float, Field(ge=0.0, le=360.0, description="degrees clockwise from north")]

DHID_PATTERN = r"^[a-z]{2}:[0-9]{5}(:[A-Za-z0-9_]+)+$"
"""A nationwide stop id (VDV 432 DHID): country, municipality key, one or more parts, e.g. de:15002:5232."""

StopDhid = Annotated[
    str,
    StringConstraints(pattern=DHID_PATTERN, max_length=64),
    Field(description="DHID stop id (VDV 432), e.g. de:15002:5232", examples=["de:15002:5232"]),
]
NonEmptyStr = Annotated[str, StringConstraints(min_length=1, max_length=256)]
LineName = Annotated[str, StringConstraints(min_length=1, max_length=16), Field(description="public line name")]
VehicleNumber = Annotated[
    str,
    StringConstraints(min_length=1, max_length=16),
    Field(description="car number (Wagennummer), e.g. 654"),
]
Priority = Annotated[int, Field(ge=1, le=5, description="1 = highest, 5 = lowest")]

LifecycleStatus = Literal["open", "updated", "closed", "cancelled"]
"""Where a long-lived record (incident, disruption) stands: first report, later report, cleared, withdrawn."""


def validation_reason(exc: ValidationError, prefix: str = "") -> str:
    """One line naming each bad field and what is wrong, e.g. ``priority: Input should be less than ...``.

    ``prefix`` is put before every field path (``data`` gives ``data.priority``). Input values are left out on
    purpose: the reason ends up in the dead-letter topic and in logs.
    """
    parts = []
    for err in exc.errors(include_url=False, include_input=False):
        where = ".".join(str(p) for p in (prefix, *err["loc"]) if p != "") or "(event)"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)
