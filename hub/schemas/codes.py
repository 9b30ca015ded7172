"""Code lists: hierarchical incident type codes and the per-agency unit status digits.

Both are data, not logic: the incident top levels are the hub's own small EMSI-style list; the status lists
are defaults that each agency's deployment may replace (see ``StatusCodeList``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

__all__ = [
    "DEFAULT_STATUS_CODES",
    "INCIDENT_TOP_LEVELS",
    "KNOWN_TYPE_CODES",
    "ORDNUNGSAMT_STATUS_CODES",
    "POLIZEI_STATUS_CODES",
    "TYPE_CODE_PATTERN",
    "CategoryCode",
    "StatusCode",
    "StatusCodeList",
    "TypeCode",
    "top_level",
]

# --- incident type codes ---------------------------------------------------------------------------------

TYPE_CODE_PATTERN = r"^[A-Z0-9_]+(/[A-Z0-9_]+){0,3}$"
"""1 to 4 upper-case segments joined by ``/``; EMSI allows cutting a code short when detail is unknown."""

INCIDENT_TOP_LEVELS: Mapping[str, str] = MappingProxyType(
    {
        "CRIME": "an offence (Straftat) or suspected one: assault, theft, robbery, damage, sexual offences",
        "MEDICAL": "a person needs medical help: injury, collapse, helpless person in need of care",
        "SAFETY": "danger prevention (Gefahrenabwehr), no offence: helpless or confused person, lost child",
        "TRANSIT": "the transit operation itself: accident with a tram or bus, blocked track, vehicle defect",
        "PUBLIC_ORDER": "nuisance, breaches of municipal rules (Ordnungswidrigkeiten): noise, litter, dogs",
        "FIRE": "fire or smoke",
        "TECHNICAL": "technical hazards: power, gas or water damage, fallen tree, broken lighting",
        "OTHER": "anything else; analysis keeps it apart from the other groups",
    }
)
"""The known top-level incident codes. Deeper levels are open: a source may send any well-formed sub-code."""

KNOWN_TYPE_CODES: Mapping[str, str] = MappingProxyType(
    {
        "CRIME/ASSAULT": "bodily injury (Körperverletzung)",
        "CRIME/ROBBERY": "robbery (Raub)",
        "CRIME/THEFT": "theft, including pickpocketing",
        "CRIME/PROPERTY_DAMAGE": "damage to property, vandalism in vehicles and at stops",
        "CRIME/THREAT": "threat or coercion, including against staff",
        "CRIME/SEXUAL": "sexual offence; victim-sensitive, kept off small-area maps",
        "CRIME/DOMESTIC": "domestic violence; victim-sensitive, kept off small-area maps",
        "MEDICAL/HELPLESS_PERSON": "helpless person needing medical care",
        "MEDICAL/INJURY": "injury without an offence, e.g. a fall while boarding",
        "SAFETY/HELPLESS_PERSON": "helpless person, danger prevention",
        "SAFETY/MISSING_PERSON": "missing or lost person",
        "SAFETY/UNSAFE_PLACE": "a place people feel unsafe at (citizen reports; the council asked for these)",
        "SAFETY/WEATHER": "a weather warning, where a deployment accepts them",
        "SAFETY/NATURAL_HAZARD": "an earthquake, flood or other natural hazard warning",
        "TRANSIT/TRAFFIC_ACCIDENT": "traffic accident involving a tram or bus",
        "TRANSIT/OBSTRUCTION": "track or road blocked",
        "TRANSIT/DRIVER_ALARM": "driver pressed the emergency key; situation not yet known",
        "TRANSIT/DRIVER_ALARM/SILENT": "silent driver alarm: responders must not make the alarm known",
        "TRANSIT/DRIVER_ALARM/LOUD": "loud driver alarm",
        "PUBLIC_ORDER/NUISANCE": "disturbance, noise, aggressive begging",
        "PUBLIC_ORDER/LITTER": "illegal dumping, littering",
        "TECHNICAL/LIGHTING": "broken street or stop lighting (the council asked for this)",
    }
)
"""Sub-codes the hub already uses, for documentation and analysis; not a closed list."""

_TYPE_CODE_RE = re.compile(TYPE_CODE_PATTERN)


def top_level(code: str) -> str:
    """The first segment of a hierarchical code: ``top_level("CRIME/ASSAULT") == "CRIME"``."""
    return code.split("/", 1)[0]


def _check_known_top_level(code: str) -> str:
    head = top_level(code)
    if head not in INCIDENT_TOP_LEVELS:
        raise PydanticCustomError(
            "unknown_type_code",
            "unknown top-level code '{head}'; known: {known}",
            {"head": head, "known": ", ".join(INCIDENT_TOP_LEVELS)},
        )
    return code


def _check_single_level(code: str) -> str:
    if "/" in code:
        raise PydanticCustomError("category_not_coarse", "a category is a top-level code only, without '/'")
    return _check_known_top_level(code)


TypeCode = Annotated[
    str,
    StringConstraints(pattern=TYPE_CODE_PATTERN, max_length=128),
    AfterValidator(_check_known_top_level),
    Field(
        description="hierarchical incident type, e.g. CRIME/ASSAULT or cut short CRIME",
        examples=["CRIME/ASSAULT"],
    ),
]
CategoryCode = Annotated[
    str,
    AfterValidator(_check_single_level),
    Field(
        description="coarse incident category: a known top-level type code",
        examples=["CRIME"],
        json_schema_extra={"enum": list(INCIDENT_TOP_LEVELS)},
    ),
]

# --- unit status digits ----------------------------------------------------------------------------------


class StatusCode(BaseModel):
    """One status digit: what it means and whether a unit reporting it can be sent to a new incident."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    digit: int = Field(ge=0, le=9)
    meaning: str = Field(min_length=1)
    available: bool = Field(description="a unit in this status may be sent to a new incident")
    request_only: bool = Field(
        default=False,
        description="a request to talk (0, 5), not a change of state: keep the unit's previous status",
    )


class StatusCodeList(BaseModel):
    """The status digits one agency uses. Digits not in the list are rejected, not guessed.

    Configurable per agency: pass replacement lists as the validation context of ``UnitStatus``
    (``UnitStatus.model_validate(data, context={"status_codes": {"polizei": my_list}})``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    agency: str = Field(min_length=1)
    codes: tuple[StatusCode, ...]

    @model_validator(mode="after")
    def _digits_unique(self) -> Self:
        digits = [c.digit for c in self.codes]
        if len(digits) != len(set(digits)):
            raise ValueError(f"status code list for {self.agency!r} defines a digit twice")
        return self

    def get(self, digit: int) -> StatusCode | None:
        """The code for ``digit``, or None when this agency does not use it."""
        for code in self.codes:
            if code.digit == digit:
                return code
        return None

    @property
    def digits(self) -> frozenset[int]:
        """The digits this agency uses."""
        return frozenset(c.digit for c in self.codes)


# The fire and rescue services share a nationwide scheme; police meanings differ by state and are partly not
# public (DOMAIN.md). The police list below is an ASSUMPTION built from the shared scheme and the reported
# Saxony-Anhalt meanings (6 temporarily signed off, 7 data query, 8 unused); 9 is left out because no meaning
# is known. Replace it with the Polizeiinspektion's real list before production.
POLIZEI_STATUS_CODES = StatusCodeList(
    agency="polizei",
    codes=(
        StatusCode(digit=0, meaning="priority request to talk", available=False, request_only=True),
        StatusCode(digit=1, meaning="free, reachable by radio", available=True),
        StatusCode(digit=2, meaning="free, at the station", available=True),
        StatusCode(digit=3, meaning="incident taken, on the way", available=False),
        StatusCode(digit=4, meaning="on scene", available=False),
        StatusCode(digit=5, meaning="request to talk", available=False, request_only=True),
        StatusCode(digit=6, meaning="temporarily signed off, not available", available=False),
        StatusCode(digit=7, meaning="data query", available=False, request_only=True),
    ),
)

# ASSUMPTION: the Ordnungsamt's 24/7 patrol service is taken to use the shared scheme's digits 0-6; its real
# list is for the city's control room to supply.
ORDNUNGSAMT_STATUS_CODES = StatusCodeList(
    agency="ordnungsamt",
    codes=(
        StatusCode(digit=0, meaning="priority request to talk", available=False, request_only=True),
        StatusCode(digit=1, meaning="free on patrol, reachable by radio", available=True),
        StatusCode(digit=2, meaning="free, at the office", available=True),
        StatusCode(digit=3, meaning="task taken, on the way", available=False),
        StatusCode(digit=4, meaning="on scene", available=False),
        StatusCode(digit=5, meaning="request to talk", available=False, request_only=True),
        StatusCode(digit=6, meaning="not available (break, end of shift)", available=False),
    ),
)

DEFAULT_STATUS_CODES: Mapping[str, StatusCodeList] = MappingProxyType(
    {"polizei": POLIZEI_STATUS_CODES, "ordnungsamt": ORDNUNGSAMT_STATUS_CODES}
)
"""Status code lists used when ``UnitStatus`` is validated without a ``status_codes`` context."""
