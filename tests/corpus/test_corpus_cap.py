"""Corpus conformance for CAP: every file in ../shared/corpus/cap/ is normalised or dead-lettered as the table below
says, through the real ``CapFormat`` split and to_canonical, and nothing crashes.

``Ok`` gives the canonical events by kind; ``Dead`` says the whole document is refused at ``split``, or every one of
its records at ``record`` (to_canonical). Most of the corpus is weather (Met) and geophysical (Geo) warnings from
DWD, NWS, Environment Canada and tsunami centres: well-formed CAP the police feed refuses as ``unsupported`` by
design (docs/formats/cap-open311-alarms-units.md says why). Feeds that only link to alerts are no incidents either.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Literal, TypeVar

import pytest

from hub.errors import DeadLetterReason, InvalidEventError
from hub.formats.cap import CapFormat

FMT = CapFormat()

_T = TypeVar("_T")


@dataclass(frozen=True)
class Ok:
    """Normalised: every record maps; these are the events by kind."""

    events: dict[str, int]


@dataclass(frozen=True)
class Dead:
    """Dead-lettered: the whole document at ``split``, or every one of its records at ``record`` (to_canonical)."""

    at: Literal["split", "record"]
    code: DeadLetterReason
    reason: str


WEATHER = "is not carried by this feed (refused: Geo, Met): weather and geophysical warnings"
LINKS_ONLY = "embeds no CAP alert: an index of links to CAP documents is not an incident"
NOT_CAP = "not a CAP document: neither XML (CAP, Atom, RSS, EDXL-DE), JSON nor a ZIP archive"
XSD = "not a CAP document: root element <schema> in namespace http://www.w3.org/2001/XMLSchema"

EXPECTED: dict[str, Ok | Dead] = {
    # BBK/NINA MoWaS warnings in CAP's JSON form: drinking water (Health) and a power cut (Infra).
    "bbk-nina-json/bbk_warning_mowas.json": Ok({"incident": 1}),
    "bbk-nina-json/bbk_warning_mowas_cancel.json": Ok({"incident": 1}),
    # DWD weather warnings, alone and as the ZIP DWD publishes: the ZIP is opened, its three alerts refused.
    "dwd/2.49.0.0.276.0.DWD.PVW.1687470000000.fe90b61b-3755-4efb-8eda-b161251da9f7.MUL.xml": Dead(
        "record", "unsupported", f"CAP category Met (WINDBÖEN) {WEATHER}"
    ),
    "dwd/2.49.0.0.276.0.DWD.PVW.1687511640000.0d1a4fb5-251a-46fc-aae3-a688d2021e71.MUL.xml": Dead(
        "record", "unsupported", f"CAP category Met (STARKREGEN) {WEATHER}"
    ),
    "dwd/2.49.0.0.276.0.DWD.PVW.1687514160000.20999218-5d5e-4761-b271-6c243f695568.MUL.xml": Dead(
        "record", "unsupported", f"CAP category Met (STARKREGEN) {WEATHER}"
    ),
    "dwd/Z_CAP_C_EDZW_LATEST_PVW_STATUS_PREMIUMDWD_COMMUNEUNION_MUL.zip": Dead("record", "unsupported", WEATHER),
    # google/cap-library test data and validator examples.
    "google-cap-library/KAR0-0306112239-SW.cap": Ok({"incident": 1}),  # AMBER alert, CAP 1.1, Rescue
    "google-cap-library/amber.rss": Dead("split", "unsupported", f"RSS feed of 1 item {LINKS_ONLY}"),
    "google-cap-library/australia.cap": Ok({"incident": 1}),  # Fire and Met: the fire is the incident
    "google-cap-library/bushfire_valid.edxlde": Ok({"incident": 7}),  # EDXL-DE with seven CAP alerts
    "google-cap-library/canada.cap": Dead("record", "unsupported", f"CAP category Met (thunderstorm) {WEATHER}"),
    # Invalid by profile only (empty references, restriction, addresses): read as absent; still weather.
    "google-cap-library/canada_errors.cap": Dead("record", "unsupported", f"CAP category Met (thunderstorm) {WEATHER}"),
    "google-cap-library/canada_signed.atom": Dead("record", "unsupported", f"CAP category Met (snowfall) {WEATHER}"),
    "google-cap-library/canada_signed.cap": Dead("record", "unsupported", f"CAP category Met (snowfall) {WEATHER}"),
    "google-cap-library/earthquake-iso8859-1.cap": Dead(
        "record", "unsupported", f"CAP category Geo (Earthquake) {WEATHER}"
    ),
    "google-cap-library/earthquake.atom": Dead("record", "unsupported", f"CAP category Geo (Earthquake) {WEATHER}"),
    "google-cap-library/earthquake.cap": Dead("record", "unsupported", f"CAP category Geo (Earthquake) {WEATHER}"),
    "google-cap-library/earthquake_index.atom": Dead("split", "unsupported", f"Atom feed of 1 entry {LINKS_ONLY}"),
    "google-cap-library/empty_weather_index.atom": Dead("split", "unsupported", "Atom feed has no entries"),
    "google-cap-library/environment_canada_x509_cert.pem": Dead("split", "malformed_xml", NOT_CAP),
    "google-cap-library/invalid.cap": Dead("record", "schema_violation", "CAP alert is missing scope"),
    "google-cap-library/invalid.rss": Dead("split", "unsupported", f"RSS feed of 1 item {LINKS_ONLY}"),
    "google-cap-library/naads_x509_cert.pem": Dead("split", "malformed_xml", NOT_CAP),
    # The alert sits beside the entries, not in one: foreign markup by Atom's rules, so the feed has no entries.
    "google-cap-library/no_entries.atom": Dead("split", "unsupported", "Atom feed has no entries"),
    "google-cap-library/no_id.atom": Dead("split", "unsupported", f"Atom feed of 1 entry {LINKS_ONLY}"),
    "google-cap-library/no_link.atom": Dead("split", "unsupported", f"Atom feed of 1 entry {LINKS_ONLY}"),
    "google-cap-library/no_title.atom": Dead("split", "unsupported", f"Atom feed of 1 entry {LINKS_ONLY}"),
    "google-cap-library/noaa_errors.cap": Dead("record", "schema_violation", "urgency: missing or empty"),
    "google-cap-library/thunderstorm.cap": Dead(
        "record", "unsupported", f"CAP category Met (SEVERE THUNDERSTORM) {WEATHER}"
    ),
    "google-cap-library/wcatwc-warning.cap": Dead(
        "record", "unsupported", f"CAP category Geo (Tsunami Warning) {WEATHER}"
    ),
    "google-cap-library/weather.atom": Dead("record", "unsupported", f"CAP category Met (Flash Flood Watch) {WEATHER}"),
    "google-cap-library/weather.cap": Dead("record", "unsupported", f"CAP category Met (Flash Flood Watch) {WEATHER}"),
    "google-cap-library/weather_index.atom": Dead("split", "unsupported", f"Atom feed of 2 entries {LINKS_ONLY}"),
    "google-cap-library/weather_invalid.atom": Dead(
        "record", "schema_violation", "identifier or sender contains a space or comma"
    ),
    "google-cap-library/xee.atom": Dead("split", "unsafe_xml", "unsafe XML refused: DTDForbidden"),
    "google-cap-library/xee.cap": Dead("split", "unsafe_xml", "unsafe XML refused: DTDForbidden"),
    "ibm/cap_amber_alert_example.xml": Ok({"incident": 1}),  # CAP 1.2 spec's AMBER alert, en-US and es-US
    "ibm/nws_atom_feed_example.xml": Dead("split", "unsupported", f"Atom feed of 163 entries {LINKS_ONLY}"),
    "misc/cap_circle_point.xml": Ok({"incident": 1}),  # point, polygon and circle areas merged into one circle
    "misc/wmo_cap_multilang_cma.xml": Dead("record", "unsupported", f"CAP category Met (high temperature) {WEATHER}"),
    "oasiscap/google-PAAQ-4-mg5a94.xml": Dead(
        "record", "unsupported", f"CAP category Geo (Tsunami Cancellation) {WEATHER}"
    ),
    "oasiscap/ipaws-5e6dd964023f1930ef638846.xml": Ok({"incident": 1}),  # Administrative message, Other
    "oasiscap/ipaws-5e6dd9de023f1930ef6548d9.xml": Ok({"incident": 1}),  # Cancel without <info>
    "oasiscap/ipaws-5e7e0fc5023f1930efcf3deb.xml": Dead(
        "record", "unsupported", f"CAP category Geo (Local Area Emergency) {WEATHER}"
    ),
    "oasiscap/ipaws-5ea321f39fc226a7b44b6874.xml": Ok({"incident": 1}),  # Civil emergency, 460 KB with audio
    "oasiscap/nws-5c2cf27b1f56885d61654dc47fa411d5.xml": Dead(
        "record", "unsupported", f"CAP category Met (Blizzard Warning) {WEATHER}"
    ),
    "oasiscap/v1dot0_appendix_adot1.xml": Ok({"incident": 1}),  # CAP 1.0, Security
    "oasiscap/v1dot0_appendix_adot2.xml": Dead(
        "record", "unsupported", f"CAP category Met (SEVERE THUNDERSTORM) {WEATHER}"
    ),
    "oasiscap/v1dot0_appendix_adot4.xml": Ok({"incident": 1}),  # CAP 1.0, AMBER
    "oasiscap/v1dot1_appendix_adot1.xml": Ok({"incident": 1}),
    "oasiscap/v1dot1_appendix_adot2.xml": Dead(
        "record", "unsupported", f"CAP category Met (SEVERE THUNDERSTORM) {WEATHER}"
    ),
    "oasiscap/v1dot1_appendix_adot3.xml": Dead("record", "unsupported", f"CAP category Geo (Earthquake) {WEATHER}"),
    "oasiscap/v1dot1_appendix_adot4.xml": Ok({"incident": 1}),
    "oasiscap/v1dot2_appendix_adot2.xml": Dead(
        "record", "unsupported", f"CAP category Met (SEVERE THUNDERSTORM) {WEATHER}"
    ),
    "oasiscap/v1dot2_appendix_adot3.xml": Dead("record", "unsupported", f"CAP category Geo (Earthquake) {WEATHER}"),
    "oasiscap/v1dot2_appendix_adot4.xml": Ok({"incident": 1}),
    # Schemas and a protobuf definition, not alerts.
    "schema/CAP-v1.2.xsd": Dead("split", "malformed_xml", XSD),
    "schema/google-cap-library-cap10.xsd": Dead("split", "malformed_xml", XSD),
    "schema/google-cap-library-cap11.xsd": Dead("split", "malformed_xml", XSD),
    "schema/google-cap-library-cap12.xsd": Dead("split", "malformed_xml", XSD),
    "schema/google-cap.proto": Dead("split", "malformed_xml", NOT_CAP),
}


@pytest.fixture
def corpus(shared_dir: Path) -> Path:
    """The CAP corpus folder (skips with the reason when ../shared is absent)."""
    return shared_dir / "corpus" / "cap"


def test_table_names_exactly_the_files_present(corpus: Path) -> None:
    """Every corpus file is classified and the table names no file that is gone: a new file must be added here."""
    present = {p.relative_to(corpus).as_posix() for p in corpus.rglob("*") if p.is_file()}
    assert present == set(EXPECTED)


def _attempt(action: Callable[[], _T]) -> _T | InvalidEventError:
    """The result of ``action``, or the InvalidEventError it raised (anything else escapes and fails the test)."""
    try:
        return action()
    except InvalidEventError as exc:
        return exc


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_file_is_normalised_or_dead_lettered_as_expected(corpus: Path, name: str) -> None:
    """split and to_canonical give the events or the dead-letter reason the table says; nothing else escapes."""
    expected = EXPECTED[name]
    document = (corpus / name).read_bytes()
    records = _attempt(lambda: FMT.split(document))
    if isinstance(records, InvalidEventError):
        assert isinstance(expected, Dead), f"refused at split: {records.code}: {records.reason}"
        assert expected.at == "split", f"refused at split: {records.code}: {records.reason}"
        assert (records.code, expected.reason in records.reason) == (expected.code, True), records.reason
        return
    assert not (isinstance(expected, Dead) and expected.at == "split"), f"split gave {len(records)} records"
    assert records, "split gave no records and no reason"
    results = [_attempt(partial(FMT.to_canonical, record.value)) for record in records]
    failures = [r for r in results if isinstance(r, InvalidEventError)]
    if isinstance(expected, Ok):
        assert not failures, [f"{f.code}: {f.reason}" for f in failures]
        events = Counter(out.event.hubkind for r in results if not isinstance(r, InvalidEventError) for out in r)
        assert dict(events) == expected.events
    else:
        assert len(failures) == len(records), f"only {len(failures)} of {len(records)} records refused"
        for exc in failures:
            assert (exc.code, expected.reason in exc.reason) == (expected.code, True), exc.reason


def test_dwd_zip_gives_the_same_records_as_its_extracted_members(corpus: Path) -> None:
    """The DWD ZIP and the three XML files extracted from it give the same record ids, versions and bytes."""
    from_zip = FMT.split(
        (corpus / "dwd" / "Z_CAP_C_EDZW_LATEST_PVW_STATUS_PREMIUMDWD_COMMUNEUNION_MUL.zip").read_bytes()
    )
    loose = [r for p in sorted((corpus / "dwd").glob("*.xml")) for r in FMT.split(p.read_bytes())]
    assert sorted((r.record_id, r.version, r.value) for r in from_zip) == sorted(
        (r.record_id, r.version, r.value) for r in loose
    )


def test_dwd_updates_are_keyed_by_the_warning_they_update(corpus: Path) -> None:
    """A DWD update's raw record is keyed by its referenced original, not by its own identifier."""
    name = "2.49.0.0.276.0.DWD.PVW.1687511640000.0d1a4fb5-251a-46fc-aae3-a688d2021e71.MUL.xml"
    [record] = FMT.split((corpus / "dwd" / name).read_bytes())
    assert (
        record.key == b"opendata@dwd.de,2.49.0.0.276.0.DWD.PVW.1687503060000.fc4f7fd9-80e7-4d71-969a-254be3e27e83.MUL"
    )
    assert record.record_id == f"opendata@dwd.de,{name.removesuffix('.xml')}"


def test_bbk_cancel_withdraws_the_original_warning(corpus: Path) -> None:
    """The MoWaS cancel maps to a cancelled incident whose id is the original warning's."""
    [record] = FMT.split((corpus / "bbk-nina-json" / "bbk_warning_mowas_cancel.json").read_bytes())
    [out] = FMT.to_canonical(record.value)
    assert out.event.data["incident_id"] == "DE-SL-SB-SE035,mow.DE-SL-SB-SE035-20260920-35-000"
    assert (out.event.data["status"], out.event.data["type_code"]) == ("cancelled", "TECHNICAL")
    assert "&quot;" not in out.event.data["description"]


def test_only_the_ipaws_test_message_is_a_test_of_the_corpus_alerts(corpus: Path) -> None:
    """Clark Regional's "ADR Test Message" (status Actual, "This is a test ADR message") becomes a test incident;
    every other alert the feed takes stays actual: the recognition of tests makes no real alert a test."""
    modes: dict[str, set[str]] = {}
    for name, expected in EXPECTED.items():
        if isinstance(expected, Ok):
            for record in FMT.split((corpus / name).read_bytes()):
                for out in FMT.to_canonical(record.value):
                    modes.setdefault(str(out.event.data["mode"]), set()).add(name)
    assert modes["test"] == {"oasiscap/ipaws-5e6dd964023f1930ef638846.xml"}
    assert set(modes) == {"actual", "test"}


@pytest.mark.parametrize(
    ("name", "count", "first"),
    [
        ("google-cap-library/weather_index.atom", 2, "http://www.weather.gov/alerts-beta/wwacapget.php?x=CT2010"),
        ("google-cap-library/earthquake_index.atom", 1, "http://earthquake.usgs.gov/earthquakes/catalogs/cap/"),
        ("google-cap-library/amber.rss", 1, "http://cap-validator.appspot.com/examples/KAR0-0306112239-SW.cap"),
        ("ibm/nws_atom_feed_example.xml", 163, "https://alerts.weather.gov/cap/wwacapget.php?x=AK125AB652A170"),
        # Indexes without a single link, and feeds that embed their alerts, are no indexes to follow.
        ("google-cap-library/no_id.atom", None, None),
        ("google-cap-library/invalid.rss", None, None),
        ("google-cap-library/weather.atom", None, None),
    ],
)
def test_index_feeds_give_the_links_http_poll_follows(
    corpus: Path, name: str, count: int | None, first: str | None
) -> None:
    """The links ``follow_links`` fetches: the entry's CAP-typed link (USGS), else its plain link (NWS), else the
    RSS item's link (AMBER); an HTML alternate is never taken."""
    links = FMT.linked_documents((corpus / name).read_bytes())
    if count is None:
        assert links is None
        return
    assert links is not None
    assert len(links) == count
    assert first is not None
    assert links[0].startswith(first)
