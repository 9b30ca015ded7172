"""The iCalendar format: organisers' exports (Google Calendar, Nextcloud, Outlook; tests/data/ics) to planned
events, versions from SEQUENCE and LAST-MODIFIED, recurring series over the stated window, time zones, cancellation,
and a clear reason for every calendar it cannot use."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from hub.connectors.file import FileConnector
from hub.connectors.testing import check_connector
from hub.errors import InvalidEventError
from hub.formats import ics
from hub.formats.ics import IcsFormat, nearest_stops
from hub.formats.registry import BY_RAW_TOPIC, FORMATS
from hub.schemas import PlannedEvent, unwrap

DATA = Path(__file__).resolve().parents[2] / "data" / "ics"
FMT = IcsFormat()


def _file(name: str) -> bytes:
    return (DATA / name).read_bytes()


def calendar(*events: str, head: str = "") -> bytes:
    """A calendar around ``events`` (VEVENT bodies without BEGIN/END), CRLF line ends as RFC 5545 wants."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Halle Tests//DE", *filter(None, head.split("\n"))]
    for body in events:
        lines += ["BEGIN:VEVENT", *body.strip().split("\n"), "END:VEVENT"]
    return ("\r\n".join([*lines, "END:VCALENDAR"]) + "\r\n").encode()


CONCERT = """UID:konzert-2027@peissnitzhaus.example
DTSTAMP:20261201T100000Z
SEQUENCE:0
DTSTART;TZID=Europe/Berlin:20270612T190000
DTEND;TZID=Europe/Berlin:20270612T230000
SUMMARY:Sommerkonzert
LOCATION:Peißnitzwiese
GEO:51.482360;11.969780"""

#: The documents the fuzz tests start from.
SEEDS = {
    "google": _file("google-peissnitzhaus.ics"),
    "nextcloud": _file("nextcloud-wochenmarkt.ics"),
    "outlook": _file("outlook-stadtfest.ics"),
    "concert": calendar(CONCERT),
}


def events(document: bytes, fmt: IcsFormat = FMT) -> list[PlannedEvent]:
    found = []
    for record in fmt.split(document):
        for out in fmt.to_canonical(record.value):
            payload = unwrap(out.event)
            assert isinstance(payload, PlannedEvent)
            assert out.topic == "canon.planned-event"
            assert out.key == payload.event_id.encode()
            found.append(payload)
    return found


def refusal(document: bytes) -> InvalidEventError:
    with pytest.raises(InvalidEventError) as caught:
        events(document)
    return caught.value


def test_registered_on_its_raw_topic() -> None:
    assert FORMATS["ics"] is BY_RAW_TOPIC["raw.events.ics"]


def test_google_export_in_utc_is_given_in_local_time_with_organiser_contact_apart() -> None:
    concert, fest = events(SEEDS["google"])
    assert concert.title == "Sommerkonzert auf der Peißnitz"
    assert concert.starts_at.isoformat() == "2027-06-12T18:00:00+02:00"  # 16:00Z in summer time
    assert concert.ends_at is not None
    assert concert.ends_at.isoformat() == "2027-06-12T23:00:00+02:00"
    assert (concert.status, concert.sequence, concert.expected_attendance) == ("confirmed", 1, 8000)
    assert concert.modified_at == datetime.fromisoformat("2026-12-04T17:22:10+00:00")  # LAST-MODIFIED, not DTSTAMP
    assert concert.organiser is not None
    assert concert.organiser.name == "Peißnitzhaus e. V. \u2013 Veranstaltungen"  # the calendar's name
    assert concert.organiser.contact_email == "veranstaltungen@peissnitzhaus.example"
    assert concert.place is not None
    assert concert.place.position is not None
    assert concert.place.name == "Peißnitzwiese, Peißnitzinsel, 06108 Halle (Saale), Deutschland"
    assert concert.description is not None
    assert "Linien 3 und 8" in concert.description
    # A date-only event: all day, local midnight to the (exclusive) end date.
    assert (fest.all_day, fest.status) == (True, "tentative")
    assert fest.starts_at.isoformat() == "2027-08-21T00:00:00+02:00"
    assert fest.ends_at is not None
    assert fest.ends_at.isoformat() == "2027-08-23T00:00:00+02:00"
    assert fest.description is None  # an empty DESCRIPTION


def test_outlook_windows_zone_bom_and_contact_person() -> None:
    (fest,) = events(SEEDS["outlook"])
    assert fest.starts_at.isoformat() == "2027-09-03T14:00:00+02:00"  # "W. Europe Standard Time" from its VTIMEZONE
    assert fest.organiser is not None
    assert fest.organiser.contact_name == "Müller, Jens"
    assert fest.organiser.contact_phone == "+49 345 122 99 0"
    assert fest.expected_attendance == 60000


def test_nextcloud_series_expands_with_moved_and_excluded_occurrences() -> None:
    """Tue/Thu/Sat from 5 Dec 2026 to 27 Feb 2027 (within the window from DTSTAMP 1 Dec 2026): 37 markets; the one
    of 24 Dec moved to the 23rd keeps its id, the one of 26 Dec (EXDATE) is cancelled."""
    found = {e.event_id.split("/")[1]: e for e in events(SEEDS["nextcloud"])}
    assert len(found) == 37
    moved = found["20261224T060000Z"]
    assert moved.starts_at.isoformat() == "2026-12-23T07:00:00+01:00"
    assert moved.title.endswith("(vorgezogen)")
    assert found["20261226T060000Z"].status == "cancelled"
    first = found["20261205T060000Z"]
    assert (first.status, first.sequence, first.expected_attendance) == ("confirmed", 3, 3000)
    assert first.place is not None
    assert first.place.nearest_stops[0] == "de:15002:5232"
    assert sum(e.status == "cancelled" for e in found.values()) == 1


def test_an_instance_moved_later_with_a_lower_sequence_than_its_series_counts_as_newer() -> None:
    """The market of 24 Dec moved later, in an instance without SEQUENCE (0) beside the series' 3: it counts as
    revision 3, and its later LAST-MODIFIED makes it the newer state of that occurrence."""
    document = _file("nextcloud-wochenmarkt.ics")
    series_end = document.index(b"END:VEVENT")
    instance = document[series_end:].replace(b"SEQUENCE:3\r\n", b"", 1)
    instance = instance.replace(b"LAST-MODIFIED:20261201T090000Z", b"LAST-MODIFIED:20261210T120000Z", 1)
    later = document[:series_end] + instance
    found = {e.event_id.split("/")[1]: e for e in events(later)}
    moved, usual = found["20261224T060000Z"], found["20261222T060000Z"]
    assert (moved.sequence, usual.sequence) == (3, 3)
    assert moved.modified_at is not None
    assert usual.modified_at is not None
    assert moved.modified_at > usual.modified_at


def test_series_window_is_bounded_from_the_stamp() -> None:
    daily = CONCERT.replace("SEQUENCE:0", "RRULE:FREQ=DAILY")  # forever
    found = events(calendar(daily), IcsFormat(window_days=30))
    assert found == []  # the series starts in June 2027, after the window (DTSTAMP 1 Dec 2026 + 30 days)
    early = daily.replace("DTSTART;TZID=Europe/Berlin:20270612", "DTSTART;TZID=Europe/Berlin:20261120").replace(
        "DTEND;TZID=Europe/Berlin:20270612", "DTEND;TZID=Europe/Berlin:20261120"
    )
    found = events(calendar(early), IcsFormat(window_days=30))
    days = sorted(e.starts_at.date().isoformat() for e in found)
    assert (days[0], days[-1], len(days)) == ("2026-11-30", "2026-12-30", 31)


def test_versions_follow_sequence_then_last_modified_and_an_unchanged_calendar_repeats_them() -> None:
    first = FMT.split(calendar(CONCERT))[0]
    again = FMT.split(calendar(CONCERT.replace("DTSTAMP:20261201T100000Z", "DTSTAMP:20261201T100000Z")))[0]
    moved = FMT.split(calendar(CONCERT.replace("SEQUENCE:0", "SEQUENCE:1").replace("T190000", "T200000")))[0]
    touched = FMT.split(calendar(CONCERT + "\nLAST-MODIFIED:20261202T080000Z"))[0]
    assert first.record_id == moved.record_id == "konzert-2027@peissnitzhaus.example"
    assert first.version == again.version
    assert first.version < touched.version < moved.version


@pytest.mark.parametrize(
    ("head", "extra"),
    [("METHOD:CANCEL", "SEQUENCE:2"), ("", "STATUS:CANCELLED")],
)
def test_cancellation_by_method_or_status(head: str, extra: str) -> None:
    (event,) = events(calendar(CONCERT.replace("SEQUENCE:0", extra), head=head))
    assert event.status == "cancelled"


def test_floating_time_in_the_configured_zone_and_x_wr_timezone() -> None:
    floating = CONCERT.replace(";TZID=Europe/Berlin", "")
    (berlin,) = events(calendar(floating))
    (london,) = events(calendar(floating), IcsFormat(naive_tz="Europe/London"))
    (wr,) = events(calendar(floating, head="X-WR-TIMEZONE:Europe/London"))
    assert berlin.starts_at.isoformat() == "2027-06-12T19:00:00+02:00"
    assert london.starts_at.isoformat() == wr.starts_at.isoformat() == "2027-06-12T19:00:00+01:00"


def test_nearest_stops_of_the_market_square() -> None:
    assert nearest_stops(51.48236, 11.96978)[0] == "de:15002:5232"
    assert nearest_stops(52.52, 13.40) == ()  # Berlin: no Halle stop within 500 m


@pytest.mark.parametrize(
    ("document", "code", "words"),
    [
        (b"", "malformed_icalendar", "no BEGIN:VCALENDAR"),
        (b"<html>Not found</html>", "malformed_icalendar", "no BEGIN:VCALENDAR"),
        (b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nnonsense\r\n", "malformed_icalendar", "VCALENDAR"),
        (calendar(CONCERT).replace("ß".encode(), b"\xdf"), "undecodable", "not UTF-8"),
        (calendar(CONCERT.replace("UID:konzert-2027@peissnitzhaus.example\n", "")), "schema_violation", "UID"),
        (calendar(CONCERT.replace("SUMMARY:Sommerkonzert\n", "")), "schema_violation", "SUMMARY"),
        (
            calendar(CONCERT.replace("Europe/Berlin:20270612T230000", "Mars/Olympus:20270612T230000")),
            "schema_violation",
            "DTEND: its time zone",
        ),
        (calendar(CONCERT.replace("T230000", "T180000")), "schema_violation", "ends_at is before starts_at"),
        (calendar(CONCERT.replace("SEQUENCE:0", "SEQUENCE:-1")), "schema_violation", "SEQUENCE"),
        (calendar(CONCERT.replace("SEQUENCE:0", "STATUS:NEEDS-ACTION")), "schema_violation", "STATUS"),
        (calendar(CONCERT.replace("GEO:51.482360;11.969780", "GEO:91;11")), "schema_violation", "place.position.lat"),
        (calendar(CONCERT + "\nX-EXPECTED-ATTENDANCE:viele"), "schema_violation", "X-EXPECTED-ATTENDANCE"),
        (
            calendar(CONCERT.replace("DTSTART;TZID=Europe/Berlin:20270612T190000", "DTSTART:gestern")),
            "schema_violation",
            "DTSTART",
        ),
    ],
)
def test_bad_calendars_are_refused_with_a_reason(document: bytes, code: str, words: str) -> None:
    error = refusal(document)
    assert (error.code, words in error.reason) == (code, True), error.reason


def test_a_series_of_more_occurrences_than_the_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ics, "MAX_OCCURRENCES", 20)  # the mechanism; 500 would only make the test slow
    error = refusal(calendar(CONCERT.replace("SEQUENCE:0", "RRULE:FREQ=MINUTELY").replace("20270612", "20261201")))
    assert (error.code, error.reason) == ("too_large", "more than 20 occurrences in 400 days")


def test_a_calendar_of_tasks_only_is_unsupported_and_an_empty_one_is_nothing() -> None:
    todo = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTODO\r\nUID:x\r\nSUMMARY:y\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"
    with pytest.raises(InvalidEventError, match="VTODO only") as caught:
        FMT.split(todo)
    assert caught.value.code == "unsupported"
    assert FMT.split(calendar()) == []


def test_an_event_without_uid_is_passed_on_to_be_refused_by_the_normaliser() -> None:
    records = FMT.split(calendar(CONCERT.replace("UID:konzert-2027@peissnitzhaus.example\n", ""), CONCERT))
    assert [r.record_id.startswith("sha256:") for r in records] == [True, False]


@pytest.mark.parametrize("name", ["nextcloud-wochenmarkt.ics", "google-peissnitzhaus.ics"])
def test_an_organisers_file_passes_the_connector_conformance_checks(name: str, tmp_path: Path) -> None:
    """The ``file`` connector type with format ``ics``: a calendar file becomes its raw records, exactly once across
    restarts and a crash (the conformance helper of hub.connectors.testing)."""
    path = tmp_path / name
    path.write_bytes(_file(name))
    report = check_connector(FileConnector, {"path": str(path)}, format="ics")
    assert report.records == len(FMT.split(_file(name)))


def test_floating_and_all_day_series_are_in_the_local_zone() -> None:
    floating = (
        CONCERT.replace(";TZID=Europe/Berlin", "")
        .replace("SEQUENCE:0", "RRULE:FREQ=DAILY;COUNT=3")
        .replace("20270612", "20261210")
    )
    starts = [e.starts_at.isoformat() for e in events(calendar(floating))]
    assert starts == [f"2026-12-{d}T19:00:00+01:00" for d in (10, 11, 12)]
    markets = (
        CONCERT.replace("DTSTART;TZID=Europe/Berlin:20270612T190000", "DTSTART;VALUE=DATE:20261210")
        .replace("DTEND;TZID=Europe/Berlin:20270612T230000", "DTEND;VALUE=DATE:20261211")
        .replace("SEQUENCE:0", "RRULE:FREQ=WEEKLY;COUNT=2\nEXDATE;VALUE=DATE:20261217")
    )
    found = events(calendar(markets))
    assert [(e.event_id.split("/")[1], e.all_day, e.status) for e in found] == [
        ("20261209T230000Z", True, "confirmed"),
        ("20261216T230000Z", True, "cancelled"),
    ]
    assert found[1].starts_at.isoformat() == "2026-12-17T00:00:00+01:00"


def test_a_json_document_sent_as_a_calendar_is_refused_without_quoting_it() -> None:
    """A feed URL that answers with JSON (an API description, an error object) instead of the calendar."""
    with pytest.raises(InvalidEventError) as refused:
        IcsFormat().split(b'{"openapi": "3.1.0", "owner": "Erika Mustermann"}')
    assert refused.value.code == "malformed_icalendar"
    assert "BEGIN:VCALENDAR" in refused.value.reason
    assert "Mustermann" not in refused.value.reason
