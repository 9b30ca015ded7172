"""SIRI-SX: one record per ``PtSituationElement``, mapped to the canonical ``TransitDisruption``.

``codes`` holds the reason and condition tables, the tables below severity and progress;
``docs/formats/siri-vdv454-cloudevents.md`` lists them for integrators.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Final
from xml.etree.ElementTree import Element

from pydantic import ValidationError

from hub.errors import InvalidEventError
from hub.formats.base import CanonicalRecord, SourceRecord, canonical, digested_version
from hub.formats.siri.codes import CAUSE_BY_ELEMENT, CAUSES, EFFECTS, TPEG_REASONS
from hub.formats.siri.delivery import (
    Service,
    content_digest,
    data_elements,
    descendants,
    parse_record,
    response_time,
    standalone,
)
from hub.formats.siri.values import (
    code_table,
    dhid_or_none,
    line_name,
    localized_text,
    optional_datetime,
    quoted,
    record_identity,
    shorten,
)
from hub.formats.xml import child, children, local_name, text
from hub.schemas import DisruptionCause, DisruptionEffect, DisruptionSeverity, LifecycleStatus, TransitDisruption
from hub.schemas.common import validation_reason
from hub.topology import raw_topic

SX: Final = Service("SIRI-SX", "SituationExchangeDelivery", "PtSituationElement")
SOURCE: Final = "/havag/siri/sx"
_SUMMARY_MAX = 1000  # TransitDisruption.summary

_SEVERITIES: Final[Mapping[str, DisruptionSeverity]] = code_table(
    {
        "unknown": ("unknown", "undefined", "pti26_0", "pti26_255"),
        "info": ("noimpact", "veryslight", "slight", "pti26_6", "pti26_1", "pti26_2"),
        "warning": ("normal", "pti26_3"),
        "severe": ("severe", "verysevere", "pti26_4", "pti26_5"),
    }
)
_OPEN: Final = frozenset({"open", "published"})
_CLOSED: Final = frozenset({"closing", "closed"})
_DRAFT: Final = frozenset({"draft", "pendingapproval", "approveddraft"})


def situation_identity(element: Element) -> tuple[str | None, str]:
    """(SituationNumber, version). The version is the server's (Version, else VersionedAtTime, else CreationTime,
    else "") with a digest of the situation's content: servers change a situation without a new Version, and
    without the digest the change would share the first one's event id and be dropped as its duplicate."""
    version = text(element, "Version") or text(element, "VersionedAtTime") or text(element, "CreationTime") or ""
    return text(element, "SituationNumber"), digested_version(version, content_digest(element))


def cause_of(element: Element) -> DisruptionCause:
    """The canonical cause: ``AlertCause`` (SIRI 2.x) first, else the first ``*Reason`` element (SIRI 1.x)."""
    reasons = children(element, "AlertCause") or [c for c in element if local_name(c) in CAUSE_BY_ELEMENT]
    if not reasons:
        return "unknown"
    reason = reasons[0]
    value = (reason.text or "").strip().lower()
    value = TPEG_REASONS.get(value, value)
    mapped = CAUSES.get(value) if local_name(reason) not in ("UnknownReason", "UndefinedReason") else "unknown"
    return mapped or CAUSE_BY_ELEMENT[local_name(reason)]


def severity_of(element: Element) -> DisruptionSeverity:
    """``Severity`` of the situation, else of its first consequence; unknown values are ``unknown``."""
    value = text(element, "Severity")
    if value is None:
        value = next((text(c, "Severity") for c in descendants(element, "Consequence") if text(c, "Severity")), None)
    return _SEVERITIES.get((value or "").lower(), "unknown")


def effect_of(element: Element) -> DisruptionEffect:
    """The first consequence's ``Condition``; ``other`` for a condition without a canonical counterpart."""
    conditions = [text(c, "Condition") for c in descendants(element, "Consequence")]
    value = next((c for c in conditions if c), None)
    if value is None:
        return "unknown"
    return EFFECTS.get(value.strip().lower(), "other")


def status_of(element: Element, number: str) -> LifecycleStatus:
    """``Progress`` as a lifecycle status: an open situation with Version above 1 is ``updated``."""
    progress = (text(element, "Progress") or "open").lower()
    if progress in _DRAFT:
        raise InvalidEventError(
            f"situation {quoted(number)} is not published yet (Progress={progress}); only published situations "
            "are taken",
            "unsupported",
        )
    if progress in _CLOSED:
        return "closed"
    if progress not in _OPEN:
        raise InvalidEventError(
            f"situation {quoted(number)}: unknown Progress value {quoted(progress)}", "schema_violation"
        )
    version = text(element, "Version")
    # Compared as text: a version may have more digits than int() takes, or be digits int() does not read ("²").
    later = version is not None and version.isascii() and version.isdigit() and version.lstrip("0") not in ("", "1")
    return "updated" if later else "open"


def _periods(element: Element, names: tuple[str, ...]) -> list[Element]:
    return [c for c in element if local_name(c) in names and child(c, "StartTime") is not None]


def validity_of(element: Element, naive_tz: tzinfo | None) -> tuple[datetime | None, datetime | None]:
    """(valid_from, valid_to) over all validity periods, else the publication window; valid_to None if open."""
    periods = _periods(element, ("ValidityPeriod", "Validity")) or _periods(element, ("PublicationWindow",))
    starts: list[datetime] = []
    ends: list[datetime | None] = []
    for period in periods:
        where = f"{local_name(period)}/StartTime"
        start = optional_datetime(text(period, "StartTime"), where, naive_tz)
        if start is not None:
            starts.append(start)
        ends.append(optional_datetime(text(period, "EndTime"), f"{local_name(period)}/EndTime", naive_tz))
    valid_from = min(starts) if starts else None
    valid_to = None if not ends or None in ends else max(e for e in ends if e is not None)
    return valid_from, valid_to


def lines_of(element: Element) -> list[str]:
    """Public line names of every affected line and journey, in order, without repeats."""
    found: list[str] = []
    for affected in descendants(element, "AffectedLine") + descendants(element, "AffectedVehicleJourney"):
        name = line_name(text(affected, "PublishedLineName"), text(affected, "LineRef"))
        if name is not None and name not in found:
            found.append(name)
    return found


def stops_of(element: Element) -> list[str]:
    """Affected stop points and stop places that are DHIDs (other ids mean nothing outside their feed)."""
    found: list[str] = []
    for ref in descendants(element, "StopPointRef") + descendants(element, "StopPlaceRef"):
        dhid = dhid_or_none(ref.text)
        if dhid is not None and dhid not in found:
            found.append(dhid)
    return found


def map_situation(element: Element, naive_tz: tzinfo | None = None) -> list[CanonicalRecord]:
    """One ``PtSituationElement`` to its ``TransitDisruption`` event."""
    number, version = situation_identity(element)
    if number is None:
        raise InvalidEventError("PtSituationElement has no SituationNumber", "schema_violation")
    summary = localized_text(children(element, "Summary")) or localized_text(children(element, "Description"))
    if summary is None:
        raise InvalidEventError(f"situation {quoted(number)} has no Summary or Description text", "schema_violation")
    status = status_of(element, number)
    created = optional_datetime(text(element, "CreationTime"), "CreationTime", naive_tz)
    versioned = optional_datetime(text(element, "VersionedAtTime"), "VersionedAtTime", naive_tz)
    valid_from, valid_to = validity_of(element, naive_tz)
    valid_from = valid_from or created
    if valid_from is None:
        raise InvalidEventError(
            f"situation {quoted(number)} has no ValidityPeriod/StartTime, PublicationWindow/StartTime or CreationTime",
            "schema_violation",
        )
    try:
        payload = TransitDisruption(
            disruption_id=number,
            lines=lines_of(element),
            stop_dhids=stops_of(element),
            cause=cause_of(element),
            effect=effect_of(element),
            severity=severity_of(element),
            summary=shorten(summary, _SUMMARY_MAX),
            valid_from=valid_from,
            valid_to=valid_to,
            status=status,
        )
    except ValidationError as exc:
        raise InvalidEventError(f"situation {quoted(number)}: {validation_reason(exc)}", "schema_violation") from exc
    identity = record_identity(number, version)
    return [canonical(payload, source=SOURCE, source_record_id=identity, time=versioned or created or valid_from)]


class SiriSxFormat:
    """SIRI-SX situations (``raw.havag.siri-sx``) to canonical ``TransitDisruption`` events.

    ``naive_tz`` is the time zone of a server that sends times without a UTC offset; without it such times are
    refused, because the canonical model takes no ambiguous local times.
    """

    name = "siri-sx"
    raw_topic = raw_topic("havag", "siri-sx")

    def __init__(self, naive_tz: tzinfo | None = None) -> None:
        self.naive_tz = naive_tz

    def split(self, document: bytes, content_type: str | None = None) -> list[SourceRecord]:
        records = []
        for position, element in enumerate(data_elements(document, SX), start=1):
            number, version = situation_identity(element)
            # Without a number the record still travels, so the normaliser dead-letters it with the reason.
            record_id = number or f"situation-{position}"
            records.append(SourceRecord(record_id, version, record_id.encode("utf-8"), standalone(element)))
        return records

    def feed_timestamp(self, document: bytes, content_type: str | None = None) -> datetime | None:
        """The server's ``ResponseTimestamp`` (the newest), for the connector's ``stale_after_s`` check."""
        return response_time(document, self.naive_tz)

    def to_canonical(self, record: bytes) -> list[CanonicalRecord]:
        return map_situation(parse_record(record, SX), self.naive_tz)
