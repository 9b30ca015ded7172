"""iCalendar (RFC 5545) calendars of event organisers as canonical planned events: ``ics``.

``split`` cuts a calendar into one record per event UID: the ``VEVENT`` and the changed or cancelled instances of
it (``RECURRENCE-ID``) that share its UID, in a calendar of their own with the document's ``METHOD``, its
calendar name and time zones (``VTIMEZONE``, ``X-WR-TIMEZONE``). The events go unchanged into the record.
The record's version is the greatest ``SEQUENCE`` of its components with ``LAST-MODIFIED`` (else ``DTSTAMP``) as
the tiebreak, so a calendar re-served unchanged on every poll produces nothing new, and a moved or cancelled
event does.

``to_canonical`` makes one ``PlannedEvent`` per occurrence. A recurring event (``RRULE``, ``RDATE``) is expanded
with ``recurring-ical-events`` over a bounded window: from one day before to ``window_days`` (default 400) after
the record's latest ``DTSTAMP`` / ``LAST-MODIFIED`` (the format reads no clock; an organiser's export stamps the
time it was made), at most ``MAX_OCCURRENCES`` occurrences. Occurrences are named ``<UID>/<RECURRENCE-ID in
UTC>``; an ``EXDATE`` in the window gives that occurrence as cancelled, so an occurrence withdrawn after it was
announced is cancelled in the store too. ``METHOD:CANCEL`` and ``STATUS:CANCELLED`` give ``cancelled``.

Times are given in the venue's local time (the floating zone below) with its offset. A ``TZID`` names a
``VTIMEZONE`` of the calendar or an IANA zone; a floating time (no ``TZID``, no ``Z``) and a date-only event are
in ``X-WR-TIMEZONE`` if the calendar has one, else in the format's ``naive_tz`` (Europe/Berlin by default). An
unknown ``TZID`` is refused: guessing an hour wrong sends trams at the wrong time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache, lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
import recurring_ical_events
import x_wr_timezone
from pydantic import ValidationError

from hub.errors import ConfigError, InvalidEventError
from hub.formats.base import MAX_DOCUMENT_BYTES, CanonicalRecord, SourceRecord, canonical, check_size, unnamed_record
from hub.formats.jsondoc import MAX_RECORD_BYTES
from hub.network.gtfs_static import default_gtfs
from hub.network.tram import haversine_m
from hub.schemas.common import validation_reason
from hub.schemas.planned import PlannedEvent, PlannedEventStatus
from hub.topology import raw_topic

__all__ = ["DEFAULT_WINDOW_DAYS", "MAX_OCCURRENCES", "IcsFormat", "nearest_stops"]

DEFAULT_WINDOW_DAYS = 400
#: A daily series over the window is 400; more than this is a calendar error, or an attack on the stages.
MAX_OCCURRENCES = 500
#: Stops this near the venue are its nearest stops (a tram stop is rarely further than that in Halle's centre).
NEAREST_STOPS_M = 500.0
NEAREST_STOPS_MAX = 3
#: Expected attendance: the hub's own property (iCalendar has none); organisers who work with the city add it.
ATTENDANCE_PROPERTY = "X-EXPECTED-ATTENDANCE"
_STATUSES: dict[str, PlannedEventStatus] = {
    "CONFIRMED": "confirmed",
    "TENTATIVE": "tentative",
    "CANCELLED": "cancelled",
}
_NOT_EVENTS = ("VTODO", "VJOURNAL", "VFREEBUSY")
_CALENDAR_PROPERTIES = ("VERSION", "PRODID", "CALSCALE", "METHOD", "X-WR-TIMEZONE", "X-WR-CALNAME", "NAME")
_PHONE = re.compile(r"(?:tel:)?(\+?[0-9][0-9 /()\-]{5,30}[0-9])")
#: What the stages read of a VEVENT; a value the library could not parse in one of these is refused, naming it.
_READ = frozenset(
    {"UID", "DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID", "SUMMARY", "DESCRIPTION"}
    | {"LOCATION", "GEO", "ORGANIZER", "CONTACT", "STATUS", "SEQUENCE", "DTSTAMP", "LAST-MODIFIED"}
)


def _parse(document: bytes, limit: int) -> icalendar.Component:
    """The one ``VCALENDAR`` in ``document``; ``InvalidEventError`` with the reason otherwise."""
    check_size(document, limit)
    if document.startswith(b"\xef\xbb\xbf"):
        document = document[3:]  # a UTF-8 byte-order mark (Outlook writes one)
    try:
        text = document.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidEventError(f"not UTF-8 (byte {exc.start}), which RFC 5545 requires", "undecodable") from None
    if "BEGIN:VCALENDAR" not in text[:4096].upper():
        raise InvalidEventError("not an iCalendar document: no BEGIN:VCALENDAR at its start", "malformed_icalendar")
    try:
        calendars = icalendar.Calendar.from_ical(text, multiple=True)
    except Exception as exc:  # the parser's failures on bad input take many types (AttributeError for a VTIMEZONE
        # with two TZIDs, ValueError for a broken line); its message quotes the line, which can hold anything (a
        # name, a phone number), so it is not repeated.
        raise InvalidEventError(
            f"not valid iCalendar (RFC 5545): {type(exc).__name__} while reading its lines and components",
            "malformed_icalendar",
        ) from None
    if len(calendars) != 1 or calendars[0].name != "VCALENDAR":
        names = ", ".join(c.name or "?" for c in calendars) or "nothing"
        raise InvalidEventError(f"expected one VCALENDAR, found {names}", "malformed_icalendar")
    calendar: icalendar.Component = calendars[0]
    return calendar


def _prop(component: icalendar.Component, name: str) -> Any:
    """A property as the library parsed it (its value types vary by property: a date, a vGeo, a list of them)."""
    return component.get(name)


def _dt(prop: Any) -> Any:
    """The value of a date, time or duration property, or None when the library could not parse it (it keeps the
    text and raises on access) or the property is of another type."""
    try:
        return getattr(prop, "dt", None)
    except Exception:
        return None


def _text(component: icalendar.Component, name: str) -> str | None:
    value = _prop(component, name)
    if value is None:
        return None
    if isinstance(value, list):  # a property given twice
        value = value[0]
    text = str(value).strip() if name == "DESCRIPTION" else " ".join(str(value).split())
    return text or None


def _uid(event: icalendar.Component) -> str | None:
    return _text(event, "UID")


_STAMPS = ("LAST-MODIFIED", "DTSTAMP")


def _utc(event: icalendar.Component, name: str) -> datetime | None:
    """A UTC date-time property (RFC 5545 requires UTC for both stamps; a floating one is read as UTC)."""
    value = _dt(_prop(event, name))
    if not isinstance(value, datetime):
        return None
    return value.astimezone(UTC) if value.utcoffset() is not None else value.replace(tzinfo=UTC)


def _stamp(event: icalendar.Component) -> datetime | None:
    """``LAST-MODIFIED``, else ``DTSTAMP``, in UTC: when the organiser last changed the event (DTSTAMP alone can
    be the time of the export); None when neither is a date-time."""
    return next((s for name in _STAMPS if (s := _utc(event, name)) is not None), None)


def _sequence(event: icalendar.Component) -> int:
    value = _prop(event, "SEQUENCE")
    if value is None:
        return 0
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidEventError("SEQUENCE: not a whole number", "schema_violation") from None
    if number < 0:
        raise InvalidEventError("SEQUENCE: negative", "schema_violation")
    return number


def _version(sequence: int, stamp: datetime | None) -> str:
    """Sorts as text in the order of (SEQUENCE, LAST-MODIFIED / DTSTAMP)."""
    return f"{sequence:09d}.{stamp.strftime('%Y%m%dT%H%M%SZ') if stamp else ''}"


def _record_version(events: Sequence[icalendar.Component]) -> str:
    best = max(((_safe_sequence(e), _stamp(e) or datetime.min.replace(tzinfo=UTC)) for e in events), default=None)
    if best is None:
        return ""
    sequence, stamp = best
    return _version(sequence, stamp if stamp.year > 1 else None)


def _safe_sequence(event: icalendar.Component) -> int:
    try:
        return _sequence(event)
    except InvalidEventError:
        return 0  # the record is refused with the reason when it is mapped; it still gets an id here


@dataclass(frozen=True)
class _Zones:
    """Where times without a zone of their own are: the calendar's ``X-WR-TIMEZONE`` or the configured zone."""

    floating: tzinfo

    def aware(self, value: Any, prop: Any, name: str) -> datetime:
        if not isinstance(value, date):
            raise InvalidEventError(f"{name}: not a date or date-time", "schema_violation")
        if not isinstance(value, datetime):  # a date: the day starts at local midnight
            return datetime.combine(value, time(0, 0), self.floating)
        if value.utcoffset() is not None:
            return value.astimezone(self.floating)  # UTC (as Google writes) in the venue's local time
        if prop is not None and "TZID" in getattr(prop, "params", {}):
            raise InvalidEventError(
                f"{name}: its time zone (TZID) is neither a VTIMEZONE of the calendar nor a known IANA zone",
                "schema_violation",
            )
        return value.replace(tzinfo=self.floating)


def _zone(name: str, where: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidEventError(f"{where}: not a known IANA time zone", "schema_violation") from None


@cache
def _stops() -> tuple[tuple[str, float, float], ...]:
    return tuple((s.stop_id, s.lat, s.lon) for s in default_gtfs().stops.values())


@lru_cache(maxsize=1024)  # every occurrence of a series asks for the same venue
def nearest_stops(
    lat: float, lon: float, within_m: float = NEAREST_STOPS_M, most: int = NEAREST_STOPS_MAX
) -> tuple[str, ...]:
    """The DHIDs of the shipped Halle stops within ``within_m`` metres of a venue, nearest first, at most ``most``."""
    near = sorted(
        (d, stop_id) for stop_id, s_lat, s_lon in _stops() if (d := haversine_m(lat, lon, s_lat, s_lon)) <= within_m
    )
    return tuple(stop_id for _, stop_id in near[:most])


class IcsFormat:
    """iCalendar events of an organiser to canonical planned events."""

    name = "ics"
    raw_topic = raw_topic("events", "ics")

    def __init__(
        self,
        *,
        source: str = "/events/ics",
        naive_tz: str = "Europe/Berlin",
        organiser: str | None = None,
        window_days: int = DEFAULT_WINDOW_DAYS,
    ) -> None:
        try:
            self.naive_tz: tzinfo = ZoneInfo(naive_tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"ics: naive_tz {naive_tz!r} is not an IANA time zone") from None
        if not 1 <= window_days <= 3660:
            raise ConfigError(f"ics: window_days {window_days} is not 1..3660")
        self.source = source
        self.organiser = organiser
        self.window = timedelta(days=window_days)

    def split(self, document: bytes, content_type: str | None = None) -> list[SourceRecord]:
        calendar = _parse(document, MAX_DOCUMENT_BYTES)
        events = [c for c in calendar.subcomponents if c.name == "VEVENT"]
        if not events:
            others = sorted({c.name for c in calendar.subcomponents if c.name in _NOT_EVENTS})
            if others:
                raise InvalidEventError(f"a calendar of {', '.join(others)} only, no events (VEVENT)", "unsupported")
            return []  # an organiser's calendar with nothing planned
        zones = [c for c in calendar.subcomponents if c.name == "VTIMEZONE"]
        by_uid: dict[str, list[icalendar.Component]] = {}
        records: list[SourceRecord] = []
        for event in events:
            uid = _uid(event)
            if uid is None:
                records.append(unnamed_record(_record(calendar, zones, [event])))
            else:
                by_uid.setdefault(uid, []).append(event)
        for uid, group in by_uid.items():
            value = _record(calendar, zones, group)
            records.append(SourceRecord(uid, _record_version(group), uid.encode("utf-8"), value))
        return records

    def to_canonical(self, record: bytes) -> list[CanonicalRecord]:
        calendar = _parse(record, MAX_RECORD_BYTES)
        events = [c for c in calendar.subcomponents if c.name == "VEVENT"]
        if not events:
            raise InvalidEventError("the record holds no event (VEVENT)", "malformed_icalendar")
        uids = {_uid(e) for e in events}
        if None in uids:
            raise InvalidEventError("UID: missing, which RFC 5545 requires of every event", "schema_violation")
        if len(uids) != 1:
            raise InvalidEventError("a record holds the events of one UID, this one several", "malformed_icalendar")
        for event in events:
            _check_errors(event)
        floating = self.naive_tz
        wr = _text(calendar, "X-WR-TIMEZONE")
        if wr is not None:
            floating = _zone(wr, "X-WR-TIMEZONE")
        context = _Context(
            zones=_Zones(floating),
            cancel=(_text(calendar, "METHOD") or "").upper() == "CANCEL",
            organiser=self.organiser or _text(calendar, "X-WR-CALNAME") or _text(calendar, "NAME"),
        )
        master = [e for e in events if e.get("RECURRENCE-ID") is None]
        if len(master) > 1:
            raise InvalidEventError("two events with one UID and no RECURRENCE-ID", "schema_violation")
        payloads = (
            self._series(calendar, master[0], events, context)
            if master and (master[0].get("RRULE") is not None or master[0].get("RDATE") is not None)
            else [_planned(e, context, _occurrence_id(e, context)) for e in events]
        )
        return [
            canonical(
                p,
                source=self.source,
                source_record_id=f"{p.event_id}@{_version(p.sequence, p.modified_at)}",
                time=p.modified_at or p.starts_at,
            )
            for p in payloads
        ]

    def _series(
        self,
        calendar: icalendar.Component,
        master: icalendar.Component,
        events: Sequence[icalendar.Component],
        context: _Context,
    ) -> list[PlannedEvent]:
        # The latest of both: Google stamps DTSTAMP with the export's time, which is as near "now" as a format gets.
        anchor = max((s for e in events for name in _STAMPS if (s := _utc(e, name)) is not None), default=None)
        if anchor is None:
            raise InvalidEventError(
                "a recurring event without DTSTAMP or LAST-MODIFIED: no time to expand its RRULE around",
                "schema_violation",
            )
        start, end = anchor - timedelta(days=1), anchor + self.window
        try:
            standard = x_wr_timezone.to_standard(calendar) if _text(calendar, "X-WR-TIMEZONE") else calendar
            occurrences: Iterator[icalendar.Component] = recurring_ical_events.of(
                standard, keep_recurrence_attributes=True
            ).after(start)  # lazily, in order of start: a series of a million is not computed to count it
            found: list[icalendar.Component] = []
            for occurrence in occurrences:
                begins = _when(occurrence, "DTSTART", context.zones)
                if begins is None or begins >= end:
                    break
                if len(found) == MAX_OCCURRENCES:
                    raise InvalidEventError(
                        f"more than {MAX_OCCURRENCES} occurrences in {self.window.days} days", "too_large"
                    )
                found.append(occurrence)
        except InvalidEventError:
            raise
        except Exception as exc:  # the library's own errors for a bad RRULE, RDATE or zone
            raise InvalidEventError(
                f"its recurrence (RRULE, RDATE, EXDATE) cannot be expanded: {type(exc).__name__}", "schema_violation"
            ) from None
        # A changed instance (RECURRENCE-ID) often keeps a lower SEQUENCE than its series (calendar programs differ):
        # an occurrence counts at least the series' revision, so a move made later is not taken for an older state.
        floor = _sequence(master)
        payloads = [
            p if p.sequence >= floor else p.model_copy(update={"sequence": floor})
            for p in (_planned(o, context, _occurrence_id(o, context)) for o in found)
        ]
        seen = {p.event_id for p in payloads}
        for excluded in _exdates(master, context.zones):
            if start <= excluded <= end:
                event_id = f"{_uid(master)}/{_utc_id(excluded)}"
                if event_id not in seen:
                    seen.add(event_id)
                    payloads.append(_planned(master, context, event_id, start=excluded, status="cancelled"))
        return payloads


@dataclass(frozen=True)
class _Context:
    zones: _Zones
    cancel: bool
    organiser: str | None


def _record(
    calendar: icalendar.Component, zones: list[icalendar.Component], events: list[icalendar.Component]
) -> bytes:
    """A calendar holding ``events`` unchanged, with the document's properties and time zones."""
    out = icalendar.Calendar()
    for name in _CALENDAR_PROPERTIES:
        if name in calendar:
            prop = _prop(calendar, name)
            out.add(name, prop[0] if isinstance(prop, list) else prop)
    for component in (*zones, *events):
        out.add_component(component)
    try:
        value: bytes = out.to_ical()
    except Exception as exc:  # a value the parser kept but cannot write again (its message quotes it)
        raise InvalidEventError(
            f"not valid iCalendar (RFC 5545): {type(exc).__name__} while writing its events back", "malformed_icalendar"
        ) from None
    return value


def _check_errors(event: icalendar.Component) -> None:
    for name, _message in getattr(event, "errors", ()):
        if name in _READ:
            raise InvalidEventError(f"{name}: not a valid value for it (RFC 5545)", "schema_violation")


def _utc_id(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _occurrence_id(event: icalendar.Component, context: _Context) -> str:
    uid = _uid(event)
    recurrence = _prop(event, "RECURRENCE-ID")
    if recurrence is None:
        return str(uid)
    return f"{uid}/{_utc_id(context.zones.aware(_dt(recurrence), recurrence, 'RECURRENCE-ID'))}"


def _exdates(master: icalendar.Component, zones: _Zones) -> Iterator[datetime]:
    value = _prop(master, "EXDATE")
    for prop in value if isinstance(value, list) else [value] if value is not None else []:
        for item in getattr(prop, "dts", ()):
            yield zones.aware(_dt(item), prop, "EXDATE")


def _when(event: icalendar.Component, name: str, zones: _Zones) -> datetime | None:
    prop = _prop(event, name)
    if prop is None:
        return None
    value = _dt(prop)
    if not isinstance(value, date):
        raise InvalidEventError(f"{name}: not a date or date-time", "schema_violation")
    return zones.aware(value, prop, name)


def _planned(
    event: icalendar.Component,
    context: _Context,
    event_id: str,
    *,
    start: datetime | None = None,
    status: PlannedEventStatus | None = None,
) -> PlannedEvent:
    zones = context.zones
    starts_at = _when(event, "DTSTART", zones)
    if starts_at is None:
        raise InvalidEventError("DTSTART: missing", "schema_violation")
    all_day = not isinstance(_dt(_prop(event, "DTSTART")), datetime)
    ends_at = _when(event, "DTEND", zones)
    if ends_at is None and _prop(event, "DURATION") is not None:
        duration = _dt(_prop(event, "DURATION"))
        if not isinstance(duration, timedelta):
            raise InvalidEventError("DURATION: not a duration", "schema_violation")
        ends_at = starts_at + duration
    if start is not None and ends_at is not None:
        ends_at = start + (ends_at - starts_at)
    if start is not None:
        starts_at = start
    title = _text(event, "SUMMARY")
    if title is None:
        raise InvalidEventError("SUMMARY: missing or empty; a planned event needs a title", "schema_violation")
    if status is None:
        said = (_text(event, "STATUS") or "CONFIRMED").upper()
        if said not in _STATUSES:
            raise InvalidEventError("STATUS: not one of TENTATIVE, CONFIRMED, CANCELLED", "schema_violation")
        status = "cancelled" if context.cancel else _STATUSES[said]
    data: dict[str, Any] = {
        "event_id": event_id,
        "title": _clip(title, 512),
        "description": _clip(_text(event, "DESCRIPTION"), 4000),
        "organiser": _organiser(event, context.organiser),
        "place": _place(event),
        "starts_at": starts_at,
        "ends_at": ends_at,
        "all_day": all_day,
        "expected_attendance": _attendance(event),
        "status": status,
        "sequence": _sequence(event),
        "modified_at": _stamp(event),
    }
    try:
        return PlannedEvent.model_validate(data)
    except ValidationError as exc:
        raise InvalidEventError(f"invalid planned event: {validation_reason(exc)}", "schema_violation") from exc


def _organiser(event: icalendar.Component, name: str | None) -> dict[str, Any] | None:
    organizer = _prop(event, "ORGANIZER")
    if isinstance(organizer, list):
        organizer = organizer[0]
    address = str(organizer).strip() if organizer is not None else ""
    contact = _text(event, "CONTACT")
    phone = _PHONE.search(contact or "") or (_PHONE.fullmatch(address) if address.lower().startswith("tel:") else None)
    found = {
        "name": _clip(name, 256),
        "contact_name": _clip(getattr(organizer, "params", {}).get("CN") if organizer is not None else None, 256),
        "contact_phone": _clip(phone.group(1) if phone else None, 64),
        "contact_email": _clip(address[7:] if address.lower().startswith("mailto:") else None, 256),
    }
    found = {k: (str(v).strip() or None) if v is not None else None for k, v in found.items()}
    return found if any(found.values()) else None


def _place(event: icalendar.Component) -> dict[str, Any] | None:
    name = _clip(_text(event, "LOCATION"), 512)
    geo = _prop(event, "GEO")
    position = None
    if geo is not None:
        lat, lon = getattr(geo, "latitude", None), getattr(geo, "longitude", None)
        if not isinstance(lat, float) or not isinstance(lon, float):
            raise InvalidEventError("GEO: not two numbers, latitude;longitude", "schema_violation")
        if (lat, lon) != (0.0, 0.0):  # how some exports say "no position"
            position = {"lat": lat, "lon": lon}
    if name is None and position is None:
        return None
    stops = list(nearest_stops(position["lat"], position["lon"])) if position and _plausible(position) else []
    return {"name": name, "position": position, "nearest_stops": stops}


def _plausible(position: dict[str, float]) -> bool:
    return -90.0 <= position["lat"] <= 90.0 and -180.0 <= position["lon"] <= 180.0


def _attendance(event: icalendar.Component) -> int | None:
    raw = _text(event, ATTENDANCE_PROPERTY)
    if raw is None:
        return None
    digits = raw.replace(".", "").replace(",", "").replace(" ", "")  # "12.000" as German organisers write it
    if not digits.isdigit() or len(digits) > 9:
        raise InvalidEventError(f"{ATTENDANCE_PROPERTY}: not a whole number of people", "schema_violation")
    return int(digits)


def _clip(text: str | None, limit: int) -> str | None:
    if text is None:
        return None
    return text if len(text) <= limit else text[: limit - 1] + "…"
