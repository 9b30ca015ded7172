"""SIRI and VDV value parsing: ISO 8601 durations, xsd:dateTime with and without offset, texts in several
languages, DHIDs and line names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from xml.etree.ElementTree import fromstring

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.errors import InvalidEventError
from hub.formats.siri.values import (
    dhid_or_none,
    duration_seconds,
    line_name,
    localized_text,
    optional_datetime,
    parse_datetime,
    parse_duration,
    shorten,
)

CET = timezone(timedelta(hours=1))


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("PT0S", 0),
        ("PT296S", 296),
        ("PT-274S", -274),  # sign on the component, as Swarco Mizar servers send it
        ("-PT4M30S", -270),
        ("PT1H", 3600),
        ("PT1H2M3S", 3723),
        ("P1DT2H", 93600),
        ("P2W", 1209600),
        ("P0D", 0),
        ("PT1.5S", 1.5),
        ("PT0,25S", 0.25),
        ("+PT10S", 10),
        (" PT10S\n", 10),
    ],
)
def test_durations_parse_to_their_length(text: str, seconds: float) -> None:
    """Each ISO 8601 duration form seen in SIRI feeds gives the right number of seconds."""
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "P", "PT", "P1DT", "T5S", "5S", "PT5", "PT1S2M", "PTXS", "PT1H 2M", "1:00"])
def test_malformed_durations_are_refused(text: str) -> None:
    """Strings that are no ISO 8601 duration raise ValueError naming the value."""
    with pytest.raises(ValueError, match="not an ISO 8601 duration"):
        parse_duration(text)


@pytest.mark.parametrize("text", ["P1Y", "P2M", "P1Y2M3DT4H", "-P1M"])
def test_calendar_durations_are_refused(text: str) -> None:
    """Years and months have no fixed length, so a delay in them is refused with that reason."""
    with pytest.raises(ValueError, match="years or months"):
        parse_duration(text)


@pytest.mark.parametrize("text", ["P99999999999999D", "PT" + "9" * 400 + "S", "-P1000000000D"])
def test_durations_longer_than_a_timedelta_are_refused(text: str) -> None:
    """A duration past timedelta's range (found by fuzzing: OverflowError) raises ValueError naming the value."""
    with pytest.raises(ValueError, match="is longer than any delay or duration"):
        parse_duration(text)


@given(st.integers(min_value=-86400 * 3, max_value=86400 * 3))
def test_composed_durations_round_trip(total: int) -> None:
    """Any whole number of seconds written as -?PnDTnHnMnS parses back to the same number."""
    sign, rest = ("-" if total < 0 else ""), abs(total)
    days, rest = divmod(rest, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    assert parse_duration(f"{sign}P{days}DT{hours}H{minutes}M{secs}S") == timedelta(seconds=total)


def test_duration_seconds_names_the_element_on_error() -> None:
    """A bad Delay becomes a schema_violation naming where it was, rounded seconds otherwise."""
    assert duration_seconds("PT1.6S", "Delay") == 2
    with pytest.raises(InvalidEventError) as info:
        duration_seconds("soon", "vehicle '7': Delay")
    assert info.value.code == "schema_violation"
    assert info.value.reason.startswith("vehicle '7': Delay: <4 characters> is not an ISO 8601 duration")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-10-04T13:11:34.547+02:00", datetime(2024, 10, 4, 13, 11, 34, 547000, timezone(timedelta(hours=2)))),
        ("2016-06-06T08:59:09.7844329+02:00", datetime(2016, 6, 6, 8, 59, 9, 784432, timezone(timedelta(hours=2)))),
        ("2024-11-27T11:48:04Z", datetime(2024, 11, 27, 11, 48, 4, tzinfo=UTC)),
    ],
)
def test_xsd_datetimes_with_offset_parse(text: str, expected: datetime) -> None:
    """Offsets and fractions of any length (cut to microseconds) are understood."""
    parsed = parse_datetime(text, "RecordedAtTime")
    assert parsed == expected
    assert parsed.utcoffset() == expected.utcoffset()


def test_naive_datetime_is_refused_unless_a_zone_is_configured() -> None:
    """A time without offset is ambiguous: refused by default, read in the configured zone otherwise."""
    with pytest.raises(InvalidEventError) as info:
        parse_datetime("2018-08-17T15:13:20", "RecordedAtTime")
    assert info.value.code == "schema_violation"
    assert "RecordedAtTime: <19 characters> has no UTC offset" in info.value.reason
    assert parse_datetime("2018-08-17T15:13:20", "RecordedAtTime", CET) == datetime(2018, 8, 17, 15, 13, 20, 0, CET)


@pytest.mark.parametrize(
    "text", ["2024-04-11", "20240411T101010Z", "2024-04-11 10:00:00Z", "yesterday", "2024-13-01T00:00:00Z"]
)
def test_non_xsd_datetimes_are_refused(text: str) -> None:
    """Dates alone, basic format, a space separator, words and impossible dates are schema violations."""
    with pytest.raises(InvalidEventError) as info:
        parse_datetime(text, "StartTime")
    assert info.value.code == "schema_violation"
    assert info.value.reason.startswith("StartTime: ")


def test_min_and_max_dates_are_placeholders() -> None:
    """.NET's DateTime.MinValue/MaxValue mean unknown/open-ended, even without an offset; absence is None."""
    assert optional_datetime("0001-01-01T00:00:00", "CreationTime") is None
    assert optional_datetime("9999-12-31T23:59:59.9999999", "EndTime") is None
    assert optional_datetime(None, "EndTime") is None
    assert optional_datetime("2024-01-01T00:00:00Z", "EndTime") == datetime(2024, 1, 1, tzinfo=UTC)


def test_localized_text_prefers_german_then_the_first() -> None:
    """With several xml:lang texts the German one wins; otherwise the first non-empty, whitespace collapsed."""
    doc = fromstring('<r><S xml:lang="en">Obstacle</S><S xml:lang="de-DE">  Hindernis\n   auf Strecke </S><S>x</S></r>')
    assert localized_text(list(doc)) == "Hindernis auf Strecke"
    doc = fromstring('<r><S xml:lang="it"> </S><S xml:lang="en">Obstacle</S><S xml:lang="it">Ostacolo</S></r>')
    assert localized_text(list(doc)) == "Obstacle"
    assert localized_text([]) is None


def test_only_dhids_are_taken_as_stop_ids() -> None:
    """DHIDs pass; a feed's own stop numbers and overlong ids do not."""
    assert dhid_or_none(" de:15002:5232:1:1 ") == "de:15002:5232:1:1"
    assert dhid_or_none("11020190") is None
    assert dhid_or_none("ODEG_900435229") is None
    assert dhid_or_none("de:15002:" + "x" * 60) is None
    assert dhid_or_none(None) is None


def test_line_name_takes_the_first_candidate_that_fits() -> None:
    """The public name first; an id only if it fits 16 characters; nothing otherwise."""
    assert line_name("120", "it:apb:Line:80120_.24a") == "120"
    assert line_name(None, "ATB:Line:60") == "ATB:Line:60"
    assert line_name(None, "it:apb:Line:80120_.24a") is None
    assert line_name("", " ", None) is None


def test_shorten_keeps_short_text_and_marks_cuts() -> None:
    """Text over the limit is cut with an ellipsis to exactly the limit."""
    assert shorten("abc", 5) == "abc"
    cut = shorten("a" * 1200, 1000)
    assert len(cut) == 1000
    assert cut.endswith("\u2026")


def test_a_digested_version_gives_back_the_declared_one_and_only_a_digest_is_cut() -> None:
    """``declared_version`` undoes ``digested_version`` and leaves other versions, even with a ``#``, alone."""
    from hub.formats.base import declared_version, digested_version

    assert declared_version(digested_version("2", "0123456789abcdef0123")) == "2"
    assert digested_version("2", "0123456789abcdef0123") == "2#0123456789abcdef"
    for version in ("", "7", "a#b", "2#0123456789ABCDEF", "2#0123456789abcde"):
        assert declared_version(version) == version
