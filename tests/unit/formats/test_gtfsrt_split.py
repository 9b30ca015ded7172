"""GTFS-RT on the connector side: decoding every accepted syntax, refusing garbage, and cutting feeds into records."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime

import pytest
from google.protobuf import json_format, text_format
from google.transit import gtfs_realtime_pb2 as pb
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.errors import InvalidEventError
from hub.formats.base import MAX_DOCUMENT_BYTES
from hub.formats.gtfsrt import AlertsFormat, TripUpdatesFormat, VehiclePositionsFormat
from hub.formats.registry import BY_RAW_TOPIC, FORMATS
from hub.network.gtfs_static import GtfsStatic
from hub.schemas import event_id
from hub.topology import spec

T0 = 1_764_000_000  # 2025-11-24T16:00:00Z
GTFS = GtfsStatic(agencies={}, stops={}, routes={})
VP, TU, AL = VehiclePositionsFormat(GTFS), TripUpdatesFormat(GTFS), AlertsFormat(GTFS)


def _feed(*entities: pb.FeedEntity, timestamp: int | None = T0, differential: bool = False) -> pb.FeedMessage:
    header = pb.FeedHeader(gtfs_realtime_version="2.0")
    header.incrementality = pb.FeedHeader.DIFFERENTIAL if differential else pb.FeedHeader.FULL_DATASET
    if timestamp is not None:
        header.timestamp = timestamp
    return pb.FeedMessage(header=header, entity=list(entities))


def _vehicle(entity_id: str = "v1", label: str = "654", timestamp: int | None = T0 - 5) -> pb.FeedEntity:
    vp = pb.VehiclePosition(
        vehicle=pb.VehicleDescriptor(id=f"veh-{label}", label=label),
        position=pb.Position(latitude=51.482772, longitude=11.969338),
        trip=pb.TripDescriptor(trip_id="trip-1", route_id="HAT___5"),
    )
    if timestamp is not None:
        vp.timestamp = timestamp
    return pb.FeedEntity(id=entity_id, vehicle=vp)


def _trip(entity_id: str = "t1", trip_id: str = "trip-1") -> pb.FeedEntity:
    update = pb.TripUpdate.StopTimeUpdate(stop_sequence=1, stop_id="de:15002:5232")
    update.arrival.delay = 60
    return pb.FeedEntity(
        id=entity_id, trip_update=pb.TripUpdate(trip=pb.TripDescriptor(trip_id=trip_id), stop_time_update=[update])
    )


def _alert(entity_id: str = "a1") -> pb.FeedEntity:
    text = pb.TranslatedString(translation=[pb.TranslatedString.Translation(text="Umleitung", language="de")])
    return pb.FeedEntity(id=entity_id, alert=pb.Alert(header_text=text))


def _bytes(feed: pb.FeedMessage) -> bytes:
    return feed.SerializeToString()


def _refused(
    fmt: VehiclePositionsFormat | TripUpdatesFormat | AlertsFormat, document: bytes, **kw: str
) -> InvalidEventError:
    with pytest.raises(InvalidEventError) as info:
        fmt.split(document, **kw)
    return info.value


# -- decoding -------------------------------------------------------------------------------------------------------


def test_every_syntax_gives_the_same_records() -> None:
    """Binary, protojson (camelCase, snake_case, mixed), NDJSON and text format of one feed split identically."""
    feed = _feed(_vehicle("v1", "654"), _vehicle("v2", "655"))
    binary = VP.split(_bytes(feed))
    camel = json_format.MessageToJson(feed)
    snake = json_format.MessageToJson(feed, preserving_proto_field_name=True)
    mixed = json.loads(snake)
    mixed["entity"][0]["vehicle"]["vehicle"] = {"id": "veh-654", "label": "654"}
    mixed["entity"][1]["vehicle"]["position"] = {"latitude": 51.482772, "longitude": 11.969338}
    mixed["header"] = {"gtfsRealtimeVersion": "2.0", "incrementality": 0, "timestamp": T0}  # numeric enum, int64 int
    documents = [
        camel.encode(),
        snake.encode(),
        json.dumps(mixed).encode(),
        ("\n" + json.dumps(json.loads(camel)) + "\n").encode(),  # one-line NDJSON
        text_format.MessageToString(feed).encode(),
    ]
    for document in documents:
        assert VP.split(document) == binary


def test_ndjson_stream_gives_records_of_every_line() -> None:
    """An NDJSON stream of feed snapshots (with or without its content type) yields the records of every line."""
    lines = [json_format.MessageToJson(_feed(_vehicle("v1"), timestamp=T0 + i), indent=None) for i in range(3)]
    document = "\n".join(lines).encode()
    for content_type in (None, "application/x-ndjson"):
        records = VP.split(document, content_type)
        assert [r.record_id for r in records] == ["v1", "v1", "v1"]
        assert all(r.version == str(T0 - 5) for r in records)


def test_ndjson_bad_line_costs_only_itself() -> None:
    """A broken snapshot in an NDJSON stream goes on as it came, and the normaliser refuses it with the line's
    reason; the good lines around it give their records (issue 11: one bad line never costs its neighbours)."""
    good = json_format.MessageToJson(_feed(_vehicle("v1")), indent=None)
    other = json_format.MessageToJson(_feed(_vehicle("v2", "655")), indent=None)
    huge = good.replace('"timestamp": "1764000000"', '"timestamp": ' + "9" * 5000)
    twice = json_format.MessageToJson(_feed(_vehicle("v3"), _vehicle("v3", "656")), indent=None)
    lines = [good, "{broken", huge, '{"header": {}, "entity": [{"id": "\\ud800"}]}', twice, other]
    for content_type in ("application/x-ndjson", None):
        records = VP.split("\n".join(lines).encode(), content_type)
        assert [r.record_id for r in records][::5] == ["v1", "v2"]
        broken = records[1:5]
        assert [r.value for r in broken] == [line.encode() for line in lines[1:5]]
        assert all(r.record_id.startswith("sha256:") and r.key == b"" for r in broken)
        refusals = []
        for record in broken:
            with pytest.raises(InvalidEventError) as info:
                VP.to_canonical(record.value)
            refusals.append((info.value.code, info.value.reason))
        assert refusals == [
            (
                "malformed_json",
                "a line of an NDJSON stream: not JSON: Expecting property name enclosed in double "
                "quotes at line 1 column 2",
            ),
            (
                "malformed_json",
                "a line of an NDJSON stream: not JSON the hub can read: an integer of more than 4300 digits",
            ),
            (
                "undecodable",
                "a line of an NDJSON stream: not text the hub can carry: a string holds a lone UTF-16 "
                "surrogate escape (\\ud800-\\udfff)",
            ),
            (
                "schema_violation",
                "a line of an NDJSON stream: entity[1].id repeats entity[0].id; entity ids must be unique in a feed",
            ),
        ]


def test_ndjson_stream_without_a_good_line_is_refused_as_a_whole() -> None:
    """A stream of which no line is a feed snapshot (an error page sent as NDJSON) is one refused document."""
    error = _refused(VP, b"<html>\n<body>oops</body>\n", content_type="application/x-ndjson")
    assert error.code == "malformed_json"
    assert error.reason.startswith("line 1: not JSON")


def test_null_fields_mean_absent() -> None:
    """Explicit JSON nulls (as some feeds send) read as absent fields, not as errors."""
    doc = {
        "header": {"gtfs_realtime_version": "2.0", "timestamp": T0},
        "entity": [
            {
                "id": "v1",
                "vehicle": {
                    "vehicle": {"id": None, "label": "654"},
                    "position": {"latitude": 51.4, "longitude": 11.9},
                    "timestamp": None,
                },
            }
        ],
    }
    [record] = VP.split(json.dumps(doc).encode())
    assert (record.version, record.key) == (str(T0), b"654")


@pytest.mark.parametrize(
    ("document", "content_type", "code", "reason"),
    [
        (b"\x08\x96\x01\xff\xff\xff", None, "malformed_protobuf", "not a binary GTFS-RT FeedMessage"),
        (b"not valid pb data", None, "malformed_protobuf", "neither JSON nor protobuf text format"),
        (b'{"header": ', None, "malformed_json", "not JSON"),
        (b"[1, 2]", None, "malformed_json", "expected a JSON object"),
        (b'{"header": {"gtfs_realtime_version": "2.0", "timestamp": "soon"}}', None, "malformed_json", "timestamp"),
        (b"\xff\xfe{}", "application/json", "undecodable", "not UTF-8"),
        (b"", None, "malformed_protobuf", "empty document"),
        (b"  \n", "application/json", "malformed_json", "empty document"),
        (
            b'{"header": {"gtfs_realtime_version": "2.0"}}',
            "application/x-protobuf",
            "malformed_protobuf",
            "looks like JSON",
        ),
        (b"[" * 100_000 + b"]" * 100_000, None, "malformed_json", "nested too deeply"),
        (b'{\n  "header": {}\n}\n<html>', None, "malformed_json", "not JSON: Extra data at line 4 column 1"),
        # Found by fuzzing (issue 11): OverflowError, SystemError from the protobuf runtime, ValueError from int().
        (b'{"header": {"incrementality": 1e999}}', None, "malformed_json", "not a GTFS-RT FeedMessage in JSON"),
        (b'{"header": {"\\ud800": 1}}', None, "undecodable", "a string holds a lone UTF-16 surrogate escape"),
        (b'{"header": {"timestamp": ' + b"9" * 5000 + b"}}", None, "malformed_json", "more than 4300 digits"),
    ],
)
def test_garbage_is_refused_with_a_reason(document: bytes, content_type: str | None, code: str, reason: str) -> None:
    """Bytes that are no FeedMessage in any accepted syntax are refused with the right code and a telling reason."""
    error = _refused(VP, document, content_type=content_type) if content_type else _refused(VP, document)
    assert error.code == code
    assert reason in error.reason


def test_oversized_document_is_refused_before_parsing() -> None:
    """A body over the size limit is refused as too_large, whatever it holds."""
    error = _refused(VP, b"\x0a" * (MAX_DOCUMENT_BYTES + 1))
    assert error.code == "too_large"


def test_missing_header_is_refused() -> None:
    """A message without the required header (parses as protobuf, but is no FeedMessage) is refused."""
    entity_only = pb.FeedMessage(entity=[_vehicle()]).SerializePartialToString()
    assert "header is missing" in _refused(VP, entity_only).reason
    assert _refused(VP, b'{"entity": []}').code == "malformed_json"
    no_version = pb.FeedMessage(header=pb.FeedHeader(timestamp=T0)).SerializePartialToString()
    assert "gtfs_realtime_version is missing" in _refused(VP, no_version).reason


@pytest.mark.parametrize(
    ("timestamp", "reason"),
    [(T0 * 1000, "looks like milliseconds"), (1, "before 2000-01-01")],
)
def test_implausible_header_timestamp_refuses_the_document(timestamp: int, reason: str) -> None:
    """A header time in milliseconds or from 1970 would version every entity wrongly: the whole feed is refused."""
    error = _refused(VP, _bytes(_feed(_vehicle(), timestamp=timestamp)))
    assert error.code == "schema_violation"
    assert error.reason.startswith("header.timestamp:")
    assert reason in error.reason


def test_length_prefixed_stream_is_refused_with_a_hint() -> None:
    """A stream of varint-delimited FeedMessages is not one feed; the reason says what it looks like."""
    frame = _bytes(_feed(_vehicle()))
    stream = bytes([len(frame)]) + frame + bytes([len(frame)]) + frame
    error = _refused(VP, stream)
    assert error.code == "malformed_protobuf"
    assert f"length-prefixed FeedMessages (first frame {len(frame)} bytes)" in error.reason


def test_feed_timestamp() -> None:
    """feed_timestamp gives the header time as aware UTC (the newest of an NDJSON stream), None when absent."""
    assert VP.feed_timestamp(_bytes(_feed())) == datetime(2025, 11, 24, 16, 0, tzinfo=UTC)
    assert TU.feed_timestamp(_bytes(_feed(timestamp=None))) is None
    lines = [json_format.MessageToJson(_feed(timestamp=T0 + i), indent=None) for i in (5, 9, 2)]
    assert AL.feed_timestamp("\n".join(lines).encode()) == datetime(2025, 11, 24, 16, 0, 9, tzinfo=UTC)
    with pytest.raises(InvalidEventError):
        VP.feed_timestamp(b"garbage\x00")


# -- cutting into records -------------------------------------------------------------------------------------------


def test_record_holds_the_header_and_one_entity() -> None:
    """Each raw record is a binary FeedMessage with the feed's header and exactly one entity, unchanged."""
    feed = _feed(_vehicle("v1", "654"), _vehicle("v2", "655"))
    records = VP.split(_bytes(feed))
    assert [r.record_id for r in records] == ["v1", "v2"]
    for record, entity in zip(records, feed.entity, strict=True):
        one = pb.FeedMessage.FromString(record.value)
        assert one.header == feed.header
        assert list(one.entity) == [entity]


def test_combined_feed_is_split_by_each_format() -> None:
    """A feed mixing entity types gives each format its own entities and skips the others."""
    feed = _bytes(_feed(_vehicle("v1"), _trip("t1"), _alert("a1"), _vehicle("v2", "655")))
    assert [r.record_id for r in VP.split(feed)] == ["v1", "v2"]
    assert [r.record_id for r in TU.split(feed)] == ["t1"]
    assert [r.record_id for r in AL.split(feed)] == ["a1"]


def test_version_is_the_entity_time_else_the_feed_time() -> None:
    """The version is the entity's own timestamp, else the header's, else empty."""
    assert VP.split(_bytes(_feed(_vehicle(timestamp=T0 - 5))))[0].version == str(T0 - 5)
    assert VP.split(_bytes(_feed(_vehicle(timestamp=None))))[0].version == str(T0)
    assert VP.split(_bytes(_feed(_vehicle(timestamp=None), timestamp=None)))[0].version == ""
    assert TU.split(_bytes(_feed(_trip())))[0].identity == f"t1@{T0}"


def test_alert_version_follows_content_and_end_not_the_feed_time() -> None:
    """An unchanged alert keeps its version across polls; a changed text or its end passing gives a new one."""
    first = AL.split(_bytes(_feed(_alert())))[0].version
    assert first.endswith(".open")
    assert AL.split(_bytes(_feed(_alert(), timestamp=T0 + 30)))[0].version == first
    changed = _alert()
    changed.alert.header_text.translation[0].text = "Umleitung über Marktplatz"
    assert AL.split(_bytes(_feed(changed)))[0].version != first
    ending = _alert()
    ending.alert.active_period.add(start=T0 - 600, end=T0 + 60)
    open_version = AL.split(_bytes(_feed(ending)))[0].version
    closed_version = AL.split(_bytes(_feed(ending, timestamp=T0 + 120)))[0].version
    assert open_version.endswith(".open")
    assert closed_version == open_version.removesuffix(".open") + ".closed"


def test_keys() -> None:
    """Keys: the car number (label, else id) for positions, the trip id for trip updates, the entity id for alerts."""
    no_label = _vehicle("v9", label="")
    assert VP.split(_bytes(_feed(_vehicle("v1", "654"), no_label)))[0].key == b"654"
    assert VP.split(_bytes(_feed(no_label)))[0].key == b"veh-"
    assert TU.split(_bytes(_feed(_trip("t1", "trip-77"))))[0].key == b"trip-77"
    assert AL.split(_bytes(_feed(_alert("a7"))))[0].key == b"a7"


def test_empty_feed_gives_no_records() -> None:
    """A feed with a header and no entities (a quiet night) is fine and yields nothing."""
    assert VP.split(_bytes(_feed())) == []


def test_differential_deletion_maps_to_no_event() -> None:
    """A deletion in a differential feed becomes a record on every format's topic that maps to no event."""
    feed = _bytes(_feed(_vehicle("v1"), pb.FeedEntity(id="v0", is_deleted=True), differential=True))
    for fmt in (VP, TU, AL):
        deletion = next(r for r in fmt.split(feed) if r.record_id == "v0")
        assert deletion.key == b"v0"
        assert fmt.to_canonical(deletion.value) == []
    assert len(VP.to_canonical(VP.split(feed)[0].value)) == 1


def test_deletion_with_its_payload_stays_with_its_format() -> None:
    """A deletion that still carries its vehicle goes to the vehicle format only."""
    entity = _vehicle("v1")
    entity.is_deleted = True
    feed = _bytes(_feed(entity, differential=True))
    assert [r.record_id for r in VP.split(feed)] == ["v1"]
    assert TU.split(feed) == []
    assert VP.to_canonical(VP.split(feed)[0].value) == []


def test_repeated_entity_id_refuses_the_feed() -> None:
    """Two entities of one type under one id cannot both keep a stable identity: the document is refused."""
    error = _refused(TU, _bytes(_feed(_trip("124", "trip-a"), _trip("124", "trip-b"))))
    assert error.code == "schema_violation"
    assert "entity[1].id repeats entity[0].id" in error.reason


def test_same_id_on_different_types_is_fine() -> None:
    """Feeds that give a trip's vehicle and trip update the same entity id split cleanly per format."""
    feed = _bytes(_feed(_vehicle("124"), _trip("124")))
    assert [r.record_id for r in VP.split(feed)] == ["124"]
    assert [r.record_id for r in TU.split(feed)] == ["124"]


def test_entity_without_id_is_passed_on_and_dead_lettered() -> None:
    """An entity without its required id still becomes a record, which the normaliser refuses with the reason."""
    feed = _feed(_vehicle())
    feed.entity[0].ClearField("id")
    [record] = VP.split(feed.SerializePartialToString())
    assert record.record_id == "entity-0"
    with pytest.raises(InvalidEventError, match=r"entity\.id is missing"):
        VP.to_canonical(record.value)


def test_entity_without_payload_is_dead_lettered() -> None:
    """An entity with no vehicle, trip update or alert (and no deletion) is passed on and refused, not dropped."""
    [record] = AL.split(_bytes(_feed(pb.FeedEntity(id="x"))))
    with pytest.raises(InvalidEventError, match="carries no vehicle, trip_update or alert") as info:
        AL.to_canonical(record.value)
    assert info.value.code == "schema_violation"


def test_record_of_another_type_is_unsupported() -> None:
    """A trip update record given to the vehicle format is refused as unsupported, naming the right format."""
    [record] = TU.split(_bytes(_feed(_trip())))
    with pytest.raises(InvalidEventError, match="belongs to the gtfsrt-trip-updates format") as info:
        VP.to_canonical(record.value)
    assert info.value.code == "unsupported"


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        (b"\xff\xff\xff", "raw record is not a protobuf FeedMessage"),
        (_bytes(_feed(_vehicle("v1"), _vehicle("v2"))), "holds 2 entities"),
    ],
)
def test_broken_raw_record_is_malformed(record: bytes, reason: str) -> None:
    """A raw record that is not one-entity protobuf is refused as malformed_protobuf."""
    with pytest.raises(InvalidEventError, match=reason) as info:
        VP.to_canonical(record)
    assert info.value.code == "malformed_protobuf"


def test_same_record_gives_the_same_event() -> None:
    """A record maps to byte-identical events every time; the event's source id is the record's identity."""
    [record] = VP.split(_bytes(_feed(_vehicle())))
    first, second = VP.to_canonical(record.value), VP.to_canonical(record.value)
    assert first[0].value() == second[0].value()
    assert first[0].event.hubsourceid == record.identity == f"v1@{T0 - 5}"
    assert first[0].event.id == event_id(VP.source, record.identity, "vehicle-position")


def test_same_entity_in_a_later_feed_keeps_its_event_id() -> None:
    """An unchanged vehicle report in the next fetch (new header time) gives the same event, so sinks de-duplicate."""
    [a] = VP.split(_bytes(_feed(_vehicle(), timestamp=T0)))
    [b] = VP.split(_bytes(_feed(_vehicle(), timestamp=T0 + 30)))
    assert (a.record_id, a.version) == (b.record_id, b.version)
    assert VP.to_canonical(a.value)[0].value() == VP.to_canonical(b.value)[0].value()


def test_formats_are_registered_on_their_declared_topics() -> None:
    """The three formats are in the registry under their names, on raw topics the topology declares."""
    for name, topic in (
        ("gtfsrt-vehicle-positions", "raw.havag.gtfsrt-vehicle-positions"),
        ("gtfsrt-trip-updates", "raw.havag.gtfsrt-trip-updates"),
        ("gtfsrt-alerts", "raw.havag.gtfsrt-alerts"),
    ):
        assert FORMATS[name].raw_topic == topic
        assert BY_RAW_TOPIC[topic] is FORMATS[name]
        assert spec(topic).role == "raw"


def test_string_that_is_not_utf8_is_undecodable() -> None:
    """proto2 does not check strings: an id or stop id that is not UTF-8 is refused naming the field, not a crash."""
    feed = _bytes(_feed(_vehicle("ab"))).replace(b"\x02ab", b"\x02a\xff")
    [record] = VP.split(feed)
    assert record.record_id == "entity-0"
    with pytest.raises(InvalidEventError) as info:
        VP.to_canonical(record.value)
    assert (info.value.code, info.value.reason) == ("undecodable", "entity.id: not UTF-8")
    entity = _vehicle()
    entity.vehicle.stop_id = "xy"
    [record] = VP.split(_bytes(_feed(entity)).replace(b"\x02xy", b"\x02x\xfe"))
    with pytest.raises(InvalidEventError, match=r"^entity\.vehicle\.stop_id: not UTF-8$"):
        VP.to_canonical(record.value)


@settings(max_examples=300)
@given(st.data())
def test_corrupted_feeds_are_refused_never_crash(data: st.DataObject) -> None:
    """Random byte changes to a valid combined feed end in records or InvalidEventError, never another exception."""
    document = bytearray(_bytes(_feed(_vehicle(), _trip(), _alert())))
    for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
        position = data.draw(st.integers(min_value=0, max_value=len(document) - 1))
        document[position] = data.draw(st.integers(min_value=0, max_value=255))
    for fmt in (VP, TU, AL):
        try:
            records = fmt.split(bytes(document))
        except InvalidEventError:
            continue
        for record in records:
            with contextlib.suppress(InvalidEventError):
                fmt.to_canonical(record.value)
