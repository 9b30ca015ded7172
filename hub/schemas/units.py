"""Canonical patrol unit state: status digit, TETRA location report (ETSI TS 100 392-18), emergency button.

Status digits are checked against the agency's code list (``hub.schemas.codes``), replaceable per deployment.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from hub.schemas.codes import DEFAULT_STATUS_CODES, StatusCodeList
from hub.schemas.common import Bearing, HubModel, Latitude, Longitude, NonEmptyStr, Timestamp
from hub.schemas.sensitivity import Sensitive

__all__ = ["STATUS_CODES_CONTEXT_KEY", "Agency", "GeoFix", "UnitStatus"]

Agency = Literal["polizei", "ordnungsamt"]
STATUS_CODES_CONTEXT_KEY = "status_codes"
"""Validation context key for a ``Mapping[str, StatusCodeList]`` that replaces ``DEFAULT_STATUS_CODES``."""


class GeoFix(HubModel):
    """A position fix as a TETRA LIP short location report carries it."""

    lat: Latitude
    lon: Longitude
    error_m: float | None = Field(default=None, ge=0.0, description="horizontal position error in metres")
    speed_mps: float | None = Field(default=None, ge=0.0, description="horizontal velocity")
    heading_deg: Bearing | None = Field(default=None, description="direction of travel")
    fix_age_s: float | None = Field(default=None, ge=0.0, description="time elapsed since the fix was taken")


class UnitStatus(HubModel):
    """A unit's status report over digital radio, with its position when the radio sent one."""

    agency: Agency
    unit: Annotated[NonEmptyStr, Sensitive("operational_secret")] = Field(description="radio call sign")
    status_code: int = Field(ge=0, le=9, description="status digit; meaning per agency code list")
    # Officers' positions are personal data of employees: share only while the unit is on the incident.
    position: Annotated[GeoFix | None, Sensitive("personal")] = None
    emergency: bool = Field(default=False, description="the radio's emergency button was pressed")
    observed_at: Timestamp
    incident_ref: str | None = Field(default=None, max_length=128, description="incident the unit is assigned to")

    @field_validator("status_code")
    @classmethod
    def _status_in_code_list(cls, digit: int, info: ValidationInfo) -> int:
        agency = info.data.get("agency")  # declared before status_code, so already validated
        if agency is None:  # the agency itself is invalid and already reported
            return digit
        lists: Mapping[str, StatusCodeList] = DEFAULT_STATUS_CODES
        if isinstance(info.context, Mapping) and STATUS_CODES_CONTEXT_KEY in info.context:
            lists = info.context[STATUS_CODES_CONTEXT_KEY]
        code_list = lists.get(agency)
        if code_list is None:
            raise PydanticCustomError(
                "no_status_code_list",
                "no status code list configured for agency {agency}",
                {"agency": agency},
            )
        if code_list.get(digit) is None:
            raise PydanticCustomError(
                "unknown_status_code",
                "status {digit} is not in the {agency} code list (known: {known})",
                {
                    "digit": digit,
                    "agency": agency,
                    "known": ", ".join(str(d) for d in sorted(code_list.digits)),
                },
            )
        return digit
