"""Corpus conformance for GTFS-Realtime: every file in ../shared/corpus/gtfs-rt/ is normalised or dead-lettered as
the table below says, through the real split and to_canonical, and nothing crashes.

Each entry names the format the file is fed to (by its content) and either ``Ok`` (the canonical events it gives,
plus any single records dead-lettered among them) or ``Dead`` (refused as a whole at split time, or every record
refused at to_canonical time). The transitland ``errors/E*.json`` files break one GTFS-RT validator rule each; the
hub refuses what would make it wrong (times in milliseconds, impossible positions, predictions out of trip order,
service days that are no dates) and accepts what it does not depend on (trip, stop or shape unknown to a static
feed it does not have, missing start times, stop updates without times).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pytest

from hub.errors import DeadLetterReason, InvalidEventError
from hub.formats.gtfsrt import AlertsFormat, TripUpdatesFormat, VehiclePositionsFormat
from hub.formats.gtfsrt.feed import GtfsRtFormat

VP, TU, AL = "gtfsrt-vehicle-positions", "gtfsrt-trip-updates", "gtfsrt-alerts"
FORMATS: dict[str, GtfsRtFormat] = {f.name: f for f in (VehiclePositionsFormat(), TripUpdatesFormat(), AlertsFormat())}


@dataclass(frozen=True)
class Ok:
    """Normalised: the events by kind; ``dead`` lists (code, reason part, count) of single records refused."""

    format: str
    events: dict[str, int]
    dead: tuple[tuple[DeadLetterReason, str, int], ...] = field(default=())


@dataclass(frozen=True)
class Dead:
    """Dead-lettered: the whole document at ``split``, or every one of its records at ``record`` (to_canonical)."""

    format: str
    at: Literal["split", "record"]
    code: DeadLetterReason
    reason: str


NO_TIME = "neither vehicle.timestamp nor header.timestamp is set"

EXPECTED: dict[str, Ok | Dead] = {
    # Official bindings' test feeds: no timestamp anywhere, so no observation time; the hub cannot tell them stale.
    "bindings/vehicle-position-pre-occupancy-defaults-no-occupancy.pb": Dead(VP, "record", "schema_violation", NO_TIME),
    "bindings/vehicle-position-pre-occupancy-defaults-with-occupancy-status.pb": Dead(
        VP, "record", "schema_violation", NO_TIME
    ),
    "bindings/vehicle_position.pb": Dead(VP, "record", "schema_violation", NO_TIME),
    "derived-json/vehicle_position.pb.json": Dead(VP, "record", "schema_violation", NO_TIME),
    # Real feeds, binary and their snake_case JSON dumps: identical results.
    "de-vvs/de_vvs_gtfsr-alerts_20240317001430.pb": Ok(AL, {"transit-disruption": 218}),
    "derived-json/bullrunner-vehicle-positions.pb.json": Ok(VP, {"vehicle-position": 10}),
    "validator/bullrunner-vehicle-positions.pb": Ok(VP, {"vehicle-position": 10}),
    "derived-json/king-county-metro-vehicle-positions-1.pb.json": Ok(VP, {"vehicle-position": 627}),
    "otp/king-county-metro-vehicle-positions-1.pb": Ok(VP, {"vehicle-position": 627}),
    # One bus at latitude 0, longitude 0: no fix, refused alone.
    "otp/king-county-metro-vehicle-positions-2.pb": Ok(
        VP, {"vehicle-position": 569}, (("schema_violation", "vehicle.position.latitude is exactly 0", 1),)
    ),
    "derived-json/swiss-opentransportdata-tripupdates.pb.json": Ok(TU, {"trip-update": 2331}),
    "swiss/swiss-opentransportdata-tripupdates.pb": Ok(TU, {"trip-update": 2331}),
    # Not one FeedMessage but 2331 varint-delimited ones: refused, and the reason says so.
    "swiss/swiss-opentransportdata-tripupdates.length-prefixed.pb": Dead(
        TU, "split", "malformed_protobuf", "stream of length-prefixed FeedMessages"
    ),
    # Schemas, not feeds.
    "schema/gtfs-realtime.proto": Dead(VP, "split", "malformed_protobuf", "neither JSON nor protobuf text format"),
    "schema/mfdz-realtime-extensions.proto": Dead(
        VP, "split", "malformed_protobuf", "neither JSON nor protobuf text format"
    ),
    # Protobuf text format is accepted (tests, hand-written feeds): the spec's own examples map.
    "spec-examples/alerts.asciipb": Ok(AL, {"transit-disruption": 1}),
    "spec-examples/trip-updates-full.asciipb": Ok(TU, {"trip-update": 2}),
    # Validator rule E001 (times not in POSIX seconds): refused; a header time versions the whole document.
    "transitland/errors/E001.header-timestamp.json": Dead(VP, "split", "schema_violation", "looks like milliseconds"),
    "transitland/errors/E001.trip_update-stop_time_update-arrival-time.json": Dead(
        TU, "record", "schema_violation", "stop_time_update[0].arrival.time: 1699405801000 is not a POSIX time"
    ),
    "transitland/errors/E001.trip_update-stop_time_update-departure-time.json": Dead(
        TU, "record", "schema_violation", "stop_time_update[0].departure.time: 1699405801000 is not a POSIX time"
    ),
    "transitland/errors/E001.trip_update-timestamp.json": Dead(
        TU, "record", "schema_violation", "trip_update.timestamp: 1699405520000 is not a POSIX time"
    ),
    # E002 (stop_sequence not rising): order of updates and sequences contradict each other: refused.
    "transitland/errors/E002.trip_update-stop_time_update.1.json": Dead(
        TU, "record", "schema_violation", "stop_sequence: 20 after 21"
    ),
    "transitland/errors/E002.trip_update-stop_time_update.2.json": Dead(
        TU, "record", "schema_violation", "stop_sequence: 19 after 21"
    ),
    # E003 (trip unknown to GTFS static): the hub has no trips.txt and does not check. This file also repeats
    # entity id "124" for two trips, which the hub refuses for the whole document (no stable identity possible).
    "transitland/errors/E003.trip_update-trip-trip_id.json": Dead(
        TU, "split", "schema_violation", "entity[1].id repeats entity[0].id"
    ),
    "transitland/errors/E003.vehicle_position-trip-trip_id.json": Ok(VP, {"vehicle-position": 1}),
    # E011 (stop unknown to GTFS static): accepted; the feed's stop id is kept, DHIDs only when they are DHIDs.
    "transitland/errors/E011.trip_update-stop_time_update-stop_id.json": Ok(TU, {"trip-update": 1}),
    "transitland/errors/E011.vehicle_position-stop_id.json": Ok(VP, {"vehicle-position": 1}),
    # E020 (bad start_time): the canonical model does not carry start_time: harmless, accepted.
    "transitland/errors/E020.trip_update-trip-start_time.2.json": Ok(TU, {"trip-update": 1}),
    # E021 (bad start_date): the service day picks the run of a trip; a wrong one is refused.
    "transitland/errors/E021.trip_update-trip-start_date.1.json": Dead(
        TU, "record", "schema_violation", "trip_update.trip.start_date: not a date"
    ),
    "transitland/errors/E021.trip_update-trip-start_date.2.json": Dead(
        TU, "record", "schema_violation", "trip_update.trip.start_date: not a date"
    ),
    "transitland/errors/E021.trip_update-trip-start_date.3.json": Dead(
        TU, "record", "schema_violation", "trip_update.trip.start_date: not a date"
    ),
    # E022 (times not rising along the trip, here by 5 and 6 minutes): refused; up to 60 s is tolerated.
    "transitland/errors/E022.trip_update-stop_time_update.1.json": Dead(
        TU, "record", "schema_violation", "stop_time_update[2].departure.time: 297 s earlier"
    ),
    "transitland/errors/E022.trip_update-stop_time_update.2.json": Dead(
        TU, "record", "schema_violation", "stop_time_update[2].arrival.time: 375 s earlier"
    ),
    # E026 (invalid position): out of range or exactly 0 must never reach the router.
    "transitland/errors/E026.vehicle_position-position-latitude.1.json": Dead(
        VP, "record", "schema_violation", "vehicle.position.latitude is out of range (-90 to 90)"
    ),
    "transitland/errors/E026.vehicle_position-position-latitude.2.json": Dead(
        VP, "record", "schema_violation", "vehicle.position.latitude is out of range (-90 to 90)"
    ),
    "transitland/errors/E026.vehicle_position-position-latitude.3.json": Dead(
        VP, "record", "schema_violation", "vehicle.position.latitude is exactly 0"
    ),
    # E029 (far from the trip's shape): the MDV feed has no shapes, the hub cannot check: accepted.
    "transitland/errors/E029.vehicle_position-position.1.json": Ok(VP, {"vehicle-position": 1}),
    "transitland/errors/E029.vehicle_position-position.2.json": Ok(VP, {"vehicle-position": 1}),
    "transitland/errors/E029.vehicle_position-position.3.json": Ok(VP, {"vehicle-position": 1}),
    # E040 (stop update with neither stop_sequence nor stop_id): applies to no stop: refused.
    "transitland/errors/E040.trip_update-stop_time_update.json": Dead(
        TU, "record", "schema_violation", "stop_time_update[1]: neither stop_sequence nor stop_id"
    ),
    # E043/E044 (stop update without times, or with empty arrival/departure): carries no prediction but does no harm.
    "transitland/errors/E043.trip_update-schedule_relationship.json": Ok(TU, {"trip-update": 1}),
    "transitland/errors/E044.trip_update-schedule_relationship.1.json": Ok(TU, {"trip-update": 1}),
    "transitland/errors/E044.trip_update-schedule_relationship.2.json": Ok(TU, {"trip-update": 1}),
    # transitland server fixtures: mixed snake_case/camelCase keys and numeric enums, all accepted.
    "transitland/server/BA-added.json": Ok(TU, {"trip-update": 4}),
    "transitland/server/BA-alerts.json": Ok(AL, {"transit-disruption": 8}),
    "transitland/server/BA-midnight.json": Ok(TU, {"trip-update": 2}),
    "transitland/server/BA-stop-double-visit.json": Ok(TU, {"trip-update": 1}),
    "transitland/server/BA-vehicle-positions.json": Ok(VP, {"vehicle-position": 5}),
    "transitland/server/CT-missing-trip.json": Ok(TU, {"trip-update": 1}),
    "transitland/server/CT-vp-error.json": Ok(VP, {"vehicle-position": 1}),
    "transitland/transitland-bart-alerts.pb.json": Ok(AL, {"transit-disruption": 1}),
    # Real BART feed: 8 trips number every stop 1, one has its sequences shuffled: those records are refused.
    "transitland/transitland-bart-trip-updates.pb": Ok(
        TU,
        {"trip-update": 82},
        (
            ("schema_violation", "stop_sequence: 1 after 1", 8),
            ("schema_violation", "stop_sequence: 16 after 17", 1),
        ),
    ),
    # Header-only feeds (nothing running): fine, no events.
    "transitland/transitland-ct-service-alerts.pb": Ok(AL, {}),
    "transitland/transitland-ct-service-alerts.pb.json": Ok(AL, {}),
    "transitland/transitland-hart-trip-updates.pb": Ok(TU, {}),
    "transitland/transitland-hart-vehicle-positions.pb": Ok(VP, {}),
    "transitland/transitland-ct-trip-updates.pb.json": Ok(TU, {"trip-update": 19}),
    "transitland/transitland-ct-vehicle-positions.pb": Ok(VP, {"vehicle-position": 14}),
    "transitland/transitland-ct-vehicle-positions.pb.json": Ok(VP, {"vehicle-position": 14}),
    # Real BART feed with one arrival 10 s before the previous departure: within the 60 s tolerance.
    "transitland/transitland-example.pb": Ok(TU, {"trip-update": 26}),
    "transitland/transitland-invalid.pb": Dead(
        VP, "split", "malformed_protobuf", "neither JSON nor protobuf text format"
    ),
    # NDJSON of three differential snapshots, sniffed; its header timestamps are 1, 2, 3 (1970): refused.
    "vbb-berlin/gtfs-rt-differential-berlin.ndjson": Dead(
        VP, "split", "schema_violation", "line 1: header.timestamp: 1 is before 2000-01-01"
    ),
}


@pytest.fixture
def corpus(shared_dir: Path) -> Path:
    """The GTFS-RT corpus folder (the test skips when ../shared is absent)."""
    return shared_dir / "corpus" / "gtfs-rt"


def test_table_names_every_corpus_file(corpus: Path) -> None:
    """The table classifies exactly the files in the corpus: a new file must be given an expectation."""
    present = {p.relative_to(corpus).as_posix() for p in corpus.rglob("*") if p.is_file()}
    assert sorted(present - EXPECTED.keys()) == [], "unclassified corpus files"
    assert sorted(EXPECTED.keys() - present) == [], "table names files that are gone"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file(corpus: Path, name: str) -> None:
    """The file is normalised or dead-lettered exactly as the table says, by the real split and to_canonical."""
    expected = EXPECTED[name]
    fmt = FORMATS[expected.format]
    document = (corpus / name).read_bytes()
    if isinstance(expected, Dead) and expected.at == "split":
        with pytest.raises(InvalidEventError) as info:
            fmt.split(document)
        assert (info.value.code, expected.reason in info.value.reason) == (expected.code, True), info.value.reason
        return
    records = fmt.split(document)
    events: Counter[str] = Counter()
    dead: Counter[tuple[str, str]] = Counter()
    for record in records:
        try:
            canonical = fmt.to_canonical(record.value)
        except InvalidEventError as exc:
            dead[(exc.code, exc.reason)] += 1
            continue
        assert [c.value() for c in canonical] == [c.value() for c in fmt.to_canonical(record.value)], "unstable"
        events.update(c.event.hubkind for c in canonical)
    if isinstance(expected, Dead):
        assert records, "a record-level dead letter needs records"
        assert not events
        assert all(code == expected.code and expected.reason in reason for code, reason in dead), dead
        return
    assert dict(events) == expected.events
    for code, part, count in expected.dead:
        assert sum(n for (c, reason), n in dead.items() if c == code and part in reason) == count, dead
    assert sum(dead.values()) == sum(count for _, _, count in expected.dead), dead


@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTED.items() if isinstance(e, Ok)))
def test_other_formats_take_nothing(corpus: Path, name: str) -> None:
    """A feed of one entity type gives the other two formats no records at all."""
    expected = EXPECTED[name]
    document = (corpus / name).read_bytes()
    for other in FORMATS.values():
        if other.name != expected.format:
            assert other.split(document) == []
