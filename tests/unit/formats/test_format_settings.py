"""Per-instance format settings of the built-in formats: validated with clear errors by key, turned into the
``hub_format_settings`` header, and applied by the normaliser to the records that carry it."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hub.connectors.config import parse_config
from hub.connectors.registry import load_types
from hub.errors import ConfigFileError, InvalidEventError
from hub.formats.registry import load_formats
from hub.formats.settings import BUILTIN_SETTINGS, FORMAT_SETTINGS_HEADER
from hub.streams.normalise import Normaliser
from tests.unit.formats.test_cap_samples import alert, info
from tests.unit.formats.test_open311 import request_xml, requests_xml
from tests.unit.formats.test_siri_sx import SITUATION, delivery

FORMATS = load_formats([])
NORMALISER = Normaliser(FORMATS)


def config(instance: str) -> dict[str, Any]:
    """A connectors document with the one instance ``x`` given as TOML lines."""
    return tomllib.loads('[connectors.x]\ntype = "file"\npath = "/feed"\n' + instance)


def problems(instance: str) -> list[str]:
    with pytest.raises(ConfigFileError) as caught:
        parse_config(config(instance), types=load_types([]), formats=FORMATS)
    return caught.value.problems


def header_of(instance: str) -> bytes | None:
    return parse_config(config(instance), types=load_types([]), formats=FORMATS).instances["x"].format_settings


def test_naive_tz_from_the_connectors_file_maps_local_siri_times() -> None:
    """The instance's header makes the normaliser read local times in its zone; without it they are refused with a
    reason that names the setting."""
    header = header_of('format = "siri-sx"\n[connectors.x.format_settings]\nnaive_tz = "Europe/Berlin"\n')
    assert header == b'{"naive_tz":"Europe/Berlin"}'
    [record] = FORMATS["siri-sx"].format.split(delivery(SITUATION.replace("+01:00", "")))
    [event] = NORMALISER.map("raw.havag.siri-sx", record.value, header)
    assert datetime.fromisoformat(event.event.data["valid_from"]) == datetime(2026, 11, 20, 6, tzinfo=UTC)
    with pytest.raises(InvalidEventError) as refused:
        NORMALISER.map("raw.havag.siri-sx", record.value)
    assert "has no UTC offset" in refused.value.reason
    assert "format_settings.naive_tz" in refused.value.reason


def test_local_vdv454_times_take_the_same_setting() -> None:
    trip = (
        b'<IstFahrt Zst="2026-11-20T22:00:00"><LinienID>2</LinienID><FahrtID><FahrtBezeichner>F-1</FahrtBezeichner>'
        b"<Betriebstag>2026-11-20</Betriebstag></FahrtID></IstFahrt>"
    )
    with pytest.raises(InvalidEventError, match="format_settings"):
        NORMALISER.map("raw.havag.vdv454-aus", trip)
    [event] = NORMALISER.map("raw.havag.vdv454-aus", trip, b'{"naive_tz":"Europe/Berlin"}')
    assert event.event.data["observed_at"] == "2026-11-20T22:00:00+01:00"


def test_the_cap_policy_can_accept_weather_alerts() -> None:
    """``refused_categories = []`` lets a Met alert through that the default policy refuses."""
    header = header_of('format = "cap"\n[connectors.x.format_settings]\nrefused_categories = []\n')
    assert header == b'{"refused_categories":[]}'
    [record] = FORMATS["cap"].format.split(alert(infos=info(category="Met", event="Sturm")))
    with pytest.raises(InvalidEventError) as refused:
        NORMALISER.map("raw.polizei.cap", record.value)
    assert refused.value.code == "unsupported"
    [event] = NORMALISER.map("raw.polizei.cap", record.value, header)
    assert event.event.data["type_code"] == "SAFETY/WEATHER"


def test_an_open311_table_from_the_connectors_file_maps_its_service_codes() -> None:
    header = header_of(
        'format = "open311"\n[[connectors.x.format_settings.service_types]]\ncode = "SL-01"\n'
        'type_code = "PUBLIC_ORDER/NUISANCE"\npriority = 2\n'
    )
    [record] = FORMATS["open311"].format.split(requests_xml(request_xml("A-1")))
    [default] = NORMALISER.map("raw.ordnungsamt.open311", record.value)
    [tuned] = NORMALISER.map("raw.ordnungsamt.open311", record.value, header)
    assert default.event.data["type_code"] == "TECHNICAL/LIGHTING"
    assert (tuned.event.data["type_code"], tuned.event.data["priority"]) == ("PUBLIC_ORDER/NUISANCE", 2)


@pytest.mark.parametrize(
    ("instance", "problem"),
    [
        (
            'format = "siri-vm"\n[connectors.x.format_settings]\nnaive_tz = "Europe/Halle"\n',
            "connectors.x.format_settings.naive_tz: Value error, unknown time zone 'Europe/Halle' (expected an IANA "
            "name such as 'Europe/Berlin')",
        ),
        (
            'format = "siri-sx"\n[connectors.x.format_settings]\nnaive_zone = "Europe/Berlin"\n',
            "connectors.x.format_settings.naive_zone: Extra inputs are not permitted",
        ),
        (
            'format = "cap"\n[connectors.x.format_settings]\nrefused_categories = ["Weather"]\n',
            "connectors.x.format_settings: Value error, refused CAP categories ['Weather'] are not CAP categories",
        ),
        (
            'format = "open311"\n[[connectors.x.format_settings.service_types]]\ntype_code = "OTHER"\n',
            "connectors.x.format_settings: Value error, Open311 service table: a rule for OTHER needs a code or a "
            "keyword",
        ),
        (
            'format = "gtfsrt-trip-updates"\n[connectors.x.format_settings]\ngtfs_static = "gtfs.zip"\n',
            "connectors.x.format_settings.gtfs_static: Value error, 'gtfs.zip' is not an absolute path",
        ),
        (
            'format = "gtfsrt-alerts"\n[connectors.x.format_settings]\ngtfs_static = "/nowhere/gtfs.zip"\n',
            "connectors.x.format_settings.gtfs_static: Value error, cannot read GTFS static data at /nowhere/gtfs.zip",
        ),
        ('format = "driver-alarm"\nformat_settings = {}\n', "format 'driver-alarm' takes no settings"),
        ('format = "siri-sx"\nformat_settings = 3\n', "connectors.x.format_settings: must be a table"),
    ],
)
def test_validate_names_the_setting_at_fault(instance: str, problem: str) -> None:
    [found] = problems(instance)
    assert problem in found


def test_gtfs_static_data_from_a_folder(tmp_path: Path) -> None:
    """A GTFS folder that exists is accepted and configures the GTFS-RT formats."""
    from importlib import resources

    shipped = resources.files("hub.data").joinpath("halle").joinpath("gtfs")
    folder = tmp_path / "gtfs"
    folder.mkdir()
    for entry in shipped.iterdir():
        (folder / entry.name).write_bytes(entry.read_bytes())
    header = header_of(
        f'format = "gtfsrt-vehicle-positions"\n[connectors.x.format_settings]\ngtfs_static = "{folder}"\n'
    )
    assert header == f'{{"gtfs_static":"{folder}"}}'.encode()
    configured = BUILTIN_SETTINGS["gtfsrt-vehicle-positions"].from_header("gtfsrt-vehicle-positions", header)
    assert configured.name == "gtfsrt-vehicle-positions"


def test_a_broken_settings_header_is_refused_naming_the_header() -> None:
    for value, words in ((b"{", "not JSON"), (b"[]", "not a JSON object"), (b'{"naive_tz":"Mars/Base"}', "Mars")):
        with pytest.raises(InvalidEventError) as refused:
            NORMALISER.map("raw.havag.siri-sx", b"<x/>", value)
        assert refused.value.code == "undecodable"
        assert FORMAT_SETTINGS_HEADER in refused.value.reason
        assert words in refused.value.reason


FLOATING_CONCERT = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Example//Kalender//DE\r
BEGIN:VEVENT\r
UID:konzert-1@example.org\r
DTSTAMP:20261120T100000Z\r
DTSTART:20261205T190000\r
DTEND:20261205T220000\r
SUMMARY:Konzert auf der Peissnitz\r
LOCATION:Peissnitzhaus\\, Peissnitzinsel 4\\, Halle (Saale)\r
GEO:51.4968;11.9522\r
END:VEVENT\r
END:VCALENDAR\r
"""


def test_an_ics_instance_sets_the_zone_of_floating_times_and_the_organiser() -> None:
    """A calendar's times without TZID are read in the instance's zone (Europe/Berlin without a setting), and the
    organiser the instance names is carried when the calendar names none."""
    header = header_of(
        'format = "ics"\n[connectors.x.format_settings]\nnaive_tz = "Europe/London"\norganiser = "Peissnitzhaus e.V."\n'
    )
    [record] = FORMATS["ics"].format.split(FLOATING_CONCERT)
    [london] = NORMALISER.map("raw.events.ics", record.value, header)
    [berlin] = NORMALISER.map("raw.events.ics", record.value)
    assert datetime.fromisoformat(london.event.data["starts_at"]) == datetime(2026, 12, 5, 19, tzinfo=UTC)
    assert datetime.fromisoformat(berlin.event.data["starts_at"]) == datetime(2026, 12, 5, 18, tzinfo=UTC)
    assert london.event.data["organiser"]["name"] == "Peissnitzhaus e.V."
    assert [p for p in problems('format = "ics"\n[connectors.x.format_settings]\nwindow_days = 0\n')] == [
        "connectors.x.format_settings.window_days: Input should be greater than or equal to 1"
    ]
