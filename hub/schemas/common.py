"""Building blocks shared by the canonical models: base model, timestamps, coordinates, stop ids, statuses.

Also ``validation_reason``, which turns a pydantic error into a one-line reason for the dead-letter topic
without echoing input values (they may be personal data), and ``StorableStrings``, the one check that keeps NUL
characters and lone surrogates out of every string of the canonical models.
"""

from __future__ import annotations

import re
from datetime import datetime
from types import UnionType
from typing import Annotated, Any, ClassVar, Literal, Self, Union, get_args, get_origin

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

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
    "StorableStrings",
    "Timestamp",
    "VehicleNumber",
    "parser_message",
    "unstorable_character",
    "validation_reason",
]

_NOT_UNICODE = "contains a lone surrogate or other text that is no Unicode, which no hub string may hold"

# A NUL or a UTF-16 surrogate (a lone one: Python strings hold no pairs) anywhere in a string.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable_character(value: str) -> str | None:
    """What in ``value`` no canonical string may hold, or None: a NUL character (PostgreSQL text and jsonb refuse
    it) or a lone surrogate (not Unicode: it has no UTF-8 form, so it can be neither serialised nor stored)."""
    if value.isascii():  # O(1) in CPython; most strings end here
        return "a NUL character (U+0000)" if "\x00" in value else None
    found = _UNSTORABLE.search(value)
    if found is None:
        return None
    char = found.group()
    return "a NUL character (U+0000)" if char == "\x00" else f"a lone surrogate (U+{ord(char):04X})"


def _holds_strings(annotation: Any, *, in_list: bool = False) -> bool:
    """Whether a field of this type holds a string or a list of strings, the two shapes the check walks. ``Literal``
    values are fixed and nested models check themselves; any other container of strings is refused when the
    model class is made (``TypeError``), so that no string is left unchecked silently."""
    if annotation is str:
        return True
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return _holds_strings(args[0], in_list=in_list)
    if origin is Union or origin is UnionType:
        return any(_holds_strings(arg, in_list=in_list) for arg in args)
    if origin is list and not in_list:
        return _holds_strings(args[0], in_list=True)
    if origin is not None and origin is not Literal and any(_mentions_str(arg) for arg in args):
        raise TypeError(f"{annotation} holds strings the NUL and surrogate check does not walk; use str or list[str]")
    return False


def _mentions_str(annotation: Any) -> bool:
    return annotation is str or any(_mentions_str(arg) for arg in get_args(annotation))


class StorableStrings(BaseModel):
    """A model none of whose strings holds a NUL or a lone surrogate: the one check, for the envelope and every
    payload model (present and future). A NUL stops PostgreSQL (text and jsonb refuse it); a lone surrogate is no
    Unicode and stops JSON serialisation. Both are refused where the model is validated (at the normaliser), with
    a ``ValidationError`` naming each field (``caller.name``, ``lines.2``).

    Only the fields that can hold a string are looked at (found once per class), and nested models are not
    entered: each checks itself, so every string is checked once. ``_checked_elsewhere`` names fields left to
    another model (the envelope's ``data``, checked by its payload model).
    """

    _checked_elsewhere: ClassVar[frozenset[str]] = frozenset()
    _string_fields: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls._string_fields = tuple(
            name
            for name, f in cls.model_fields.items()
            if name not in cls._checked_elsewhere and _holds_strings(f.annotation)
        )

    @model_validator(mode="after")
    def _storable_strings(self) -> Self:
        errors: list[InitErrorDetails] = []
        values = self.__dict__
        for name in self._string_fields:
            value = values[name]
            if type(value) is str:
                # Inlined for the common case, a clean ASCII string (isascii is O(1)): this runs for every string.
                if not value.isascii() or "\x00" in value:
                    _check(errors, (name,), value)
            elif type(value) is list:
                for index, item in enumerate(value):
                    if type(item) is str and (not item.isascii() or "\x00" in item):
                        _check(errors, (name, index), item)
        if errors:
            raise ValidationError.from_exception_data(type(self).__name__, errors)
        return self


def _check(errors: list[InitErrorDetails], loc: tuple[str | int, ...], value: str) -> None:
    problem = unstorable_character(value)
    if problem is not None:
        # The input is kept out of the message (it may be personal data); validation_reason leaves it out too.
        error = PydanticCustomError(
            "unstorable_character", "contains {problem}, which no hub string may hold", {"problem": problem}
        )
        errors.append(InitErrorDetails(type=error, loc=loc, input=value))


class HubModel(StorableStrings):
    """Base of every canonical payload: unknown fields are errors, instances are immutable, no NaN, no NUL or lone
    surrogate in any string."""

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
    parts: list[str] = []
    for err in exc.errors(include_url=False, include_input=False):
        loc = err["loc"]
        msg = _NOT_UNICODE if err["type"] == "string_unicode" else err["msg"]
        if err["type"] == "extra_forbidden":
            # The name of an unknown field is input too (a key can hold a name): say where it is, not what it is.
            loc, msg = loc[:-1], "holds a field that is not permitted (its name is not repeated)"
        # pydantic refuses a lone surrogate itself in a string with a length or pattern; say it as the check does.
        where = ".".join(str(p) for p in (prefix, *loc) if p != "") or "(event)"
        if f"{where}: {msg}" not in parts:  # several unknown fields in one place are said once
            parts.append(f"{where}: {msg}")
    return "; ".join(parts)


_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|`[^`]*`")
# Parsers that name the bad value without quotes (protobuf's JSON and text readers, int() and float()).
_UNQUOTED_VALUE = re.compile(
    r"((?:Couldn't parse|Could not parse|invalid literal for|could not convert|Expected|Invalid)[^:]{0,60}): ?[^\s,;)]+"
    r"|(has no (?:value|field|member) named) [^\s,;)]+"
)


def _mask_value(match: re.Match[str]) -> str:
    return f"{match[1]}: …" if match[1] else f"{match[2]} …"


def parser_message(message: str, limit: int = 200) -> str:
    """A third-party parser's error message fit for a dead-letter reason: whatever it quotes (``invalid literal for
    int(): 'Kowalski'``, ``has no field named "Anna"``) is replaced by ``'…'``, blanks collapsed, cut to ``limit``."""
    text = " ".join(_UNQUOTED_VALUE.sub(_mask_value, _QUOTED.sub("'…'", message)).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def pydantic_json_agrees(raw: bytes) -> bool:
    """Whether pydantic's JSON parser reads ``raw`` as the hub's ``json.loads`` way does, as far as a cheap look can
    tell: that parser takes ``NaN``, ``Infinity`` and ``-Infinity``, which the hub refuses, so a record holding those
    letters anywhere (in a string too: cheaper than knowing where) is kept off it; and text that is no UTF-8 is
    decoded and refused the other way, by the same words. Callers add what their own other way refuses."""
    if b"NaN" in raw or b"Infinity" in raw:
        return False
    if raw.isascii():
        return True
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
