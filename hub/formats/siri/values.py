"""Value parsing shared by the SIRI and VDV 454 formats: xsd:dateTime, ISO 8601 durations, texts in several
languages, DHID stop ids and public line names. Every error names the element it came from and never quotes free
text (it may hold personal data); timestamps, durations and ids are quoted, cut short.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, tzinfo
from types import MappingProxyType
from typing import TypeVar
from xml.etree.ElementTree import Element

from hub.errors import InvalidEventError
from hub.schemas import DHID_PATTERN

_T = TypeVar("_T")

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

#: xsd:dateTime: date, time, optional fraction of any length, optional offset.
_XSD_DATETIME = re.compile(
    r"^(?P<main>-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(?P<frac>\d+))?(?P<offset>Z|[+-]\d{2}:\d{2})?$"
)
_NUMBER = r"-?\d+(?:[.,]\d+)?"
#: ISO 8601 duration without years and months (they have no fixed length). A minus sign may stand before the
#: ``P`` (the standard) or before a component: real SIRI servers send ``PT-274S``.
_DURATION = re.compile(
    rf"^(?P<sign>[-+])?P(?:(?P<weeks>{_NUMBER})W)?(?:(?P<days>{_NUMBER})D)?"
    rf"(?:T(?:(?P<hours>{_NUMBER})H)?(?:(?P<minutes>{_NUMBER})M)?(?:(?P<seconds>{_NUMBER})S)?)?$"
)
_CALENDAR_DURATION = re.compile(r"^[-+]?P(?:[^T]*[YM])")
_DHID = re.compile(DHID_PATTERN)
_LINE_NAME_MAX = 16  # hub.schemas.common.LineName
_DHID_MAX = 64
_MAX_IDENTITY = 1024  # hub.schemas.envelope.CloudEvent.hubsourceid


def quoted(value: str, limit: int = 40) -> str:
    """What a reason says of a value from the input: its length, never the value (an id or a time can hold a name
    or a phone number, and reasons are printed by ``hub dlq show`` and logged). ``limit`` is kept for callers."""
    return f"<{len(value)} characters>"


def parse_datetime(value: str, where: str, naive_tz: tzinfo | None = None) -> datetime:
    """An xsd:dateTime as an aware datetime; ``naive_tz`` is applied to a time without offset, else it is refused.

    Fractions beyond microseconds are cut (SIRI servers on .NET send seven digits).
    """
    match = _XSD_DATETIME.match(value.strip())
    if match is None:
        raise InvalidEventError(f"{where}: {quoted(value)} is not an ISO 8601 date-time", "schema_violation")
    frac = (match["frac"] or "")[:6]
    text = match["main"] + (f".{frac}" if frac else "") + (match["offset"] or "")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidEventError(
            f"{where}: {quoted(value)} is not a valid date-time: {exc}", "schema_violation"
        ) from exc
    if parsed.tzinfo is None:
        if naive_tz is None:
            raise InvalidEventError(
                f"{where}: {quoted(value)} has no UTC offset; a local time is ambiguous "
                "(send times with an offset, or set format_settings.naive_tz for the connector instance)",
                "schema_violation",
            )
        parsed = parsed.replace(tzinfo=naive_tz)
    return parsed


def is_placeholder(value: datetime) -> bool:
    """True for the minimum and maximum dates that systems send for "unknown" and "open-ended".

    .NET's ``DateTime.MinValue`` (0001-01-01) and ``MaxValue`` (9999-12-31) appear in real SIRI feeds.
    """
    return value.year <= 1 or value.year >= 9999


def optional_datetime(value: str | None, where: str, naive_tz: tzinfo | None = None) -> datetime | None:
    """Like ``parse_datetime`` but None for an absent value or a min/max placeholder (checked before the offset)."""
    if value is None:
        return None
    match = _XSD_DATETIME.match(value.strip())
    if match is not None and (match["main"].startswith(("0001-", "9999-"))):
        return None
    parsed = parse_datetime(value, where, naive_tz)
    return None if is_placeholder(parsed) else parsed


def parse_duration(value: str) -> timedelta:
    """An ISO 8601 duration (``PT296S``, ``-PT4M30S``, ``PT-274S``, ``P1DT2H``) as a timedelta.

    Raises ValueError for anything else, including years and months, whose length depends on the calendar.
    """
    text = value.strip()
    match = _DURATION.match(text)
    if (
        match is None
        or text.endswith("T")
        or all(match[g] is None for g in ("weeks", "days", "hours", "minutes", "seconds"))
    ):
        if _CALENDAR_DURATION.match(text):
            raise ValueError(f"{quoted(value)} has years or months, which have no fixed length")
        raise ValueError(f"{quoted(value)} is not an ISO 8601 duration")
    seconds = 0.0
    for group, factor in (("weeks", 604800), ("days", 86400), ("hours", 3600), ("minutes", 60), ("seconds", 1)):
        if match[group] is not None:
            seconds += float(match[group].replace(",", ".")) * factor
    try:
        return timedelta(seconds=-seconds if match["sign"] == "-" else seconds)
    except OverflowError:
        raise ValueError(f"{quoted(value)} is longer than any delay or duration (over 999,999,999 days)") from None


def duration_seconds(value: str, where: str) -> int:
    """``parse_duration`` in whole seconds (rounded), with an InvalidEventError naming ``where``."""
    try:
        return round(parse_duration(value).total_seconds())
    except ValueError as exc:
        raise InvalidEventError(f"{where}: {exc}", "schema_violation") from exc


def clean_text(value: str | None) -> str | None:
    """Whitespace collapsed to single spaces; None when nothing is left."""
    if value is None:
        return None
    cleaned = " ".join(value.split())
    return cleaned or None


def localized_text(elements: Iterable[Element], prefer: str = "de") -> str | None:
    """The text in language ``prefer`` (``xml:lang``) when several are given, else the first non-empty one."""
    texts = [(el.get(XML_LANG, ""), clean_text(el.text)) for el in elements]
    present = [(lang, text) for lang, text in texts if text]
    for lang, text in present:
        if lang.lower().split("-")[0] == prefer:
            return text
    return present[0][1] if present else None


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis, for free text longer than the model allows."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def dhid_or_none(stop_ref: str | None) -> str | None:
    """``stop_ref`` when it is a DHID (VDV 432), else None: other stop ids mean nothing outside their feed."""
    if stop_ref is None:
        return None
    ref = stop_ref.strip()
    return ref if len(ref) <= _DHID_MAX and _DHID.match(ref) else None


def line_name(*candidates: str | None) -> str | None:
    """The first candidate that fits the canonical line name (1 to 16 characters), else None.

    Callers pass the public name first (PublishedLineName, LinienText), then the id: a long technical id such as
    ``it:apb:Line:80120_.24a`` is no line name a dispatcher would recognise.
    """
    for candidate in candidates:
        if candidate is not None and 0 < len(candidate.strip()) <= _LINE_NAME_MAX:
            return candidate.strip()
    return None


def code_table(groups: Mapping[_T, Iterable[str]]) -> Mapping[str, _T]:
    """A lookup from source values (lower case) to canonical codes, written as ``{code: (values, ...)}``."""
    return MappingProxyType({value: code for code, values in groups.items() for value in values})


def record_identity(record_id: str, version: str) -> str:
    """``record_id@version`` (or the id alone), the canonical event's source record id; at most 1024 characters.

    The envelope refuses longer ids, and an unchecked version text could be anything a server sends.
    """
    identity = f"{record_id}@{version}" if version else record_id
    if len(identity) > _MAX_IDENTITY:
        raise InvalidEventError(
            f"record id and version of {quoted(record_id)} are longer than {_MAX_IDENTITY} characters",
            "schema_violation",
        )
    return identity
