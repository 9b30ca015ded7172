"""Incoming CloudEvents: structured events and batches cut into one record per event; hub types become their
canonical events under the sender's source and id; foreign types are unsupported; broken events say what broke."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.errors import InvalidEventError
from hub.formats.base import canonical
from hub.formats.cloudevents_in import CloudEventsFormat
from hub.formats.registry import FORMATS
from hub.formats.replay import map_replay_record
from hub.schemas import KINDS, VehiclePosition, example_payload
from hub.topology import CANONICAL_KINDS


def event(**changes: Any) -> dict[str, Any]:
    """A valid incident event as another system sends it; a change to None removes the attribute."""
    doc: dict[str, Any] = {
        "specversion": "1.0",
        "id": "E-2026-000123",
        "source": "/polizei/els",
        "type": "de.halle.hub.incident.v1",
        "time": "2026-11-20T22:00:07+01:00",
        "datacontenttype": "application/json",
        "data": example_payload("incident", 1),
    }
    doc.update(changes)
    return {k: v for k, v in doc.items() if v is not None}


def body(*docs: Any) -> bytes:
    """One event as a body, or a batch for several (or none)."""
    return json.dumps(docs[0] if len(docs) == 1 else list(docs)).encode()


def refused(doc: dict[str, Any]) -> InvalidEventError:
    """The error to_canonical raises for the single record of ``doc``."""
    fmt = CloudEventsFormat()
    [record] = fmt.split(body(doc))
    with pytest.raises(InvalidEventError) as info:
        fmt.to_canonical(record.value)
    return info.value


def test_format_is_registered_on_its_raw_topic() -> None:
    """The registry knows cloudevents, bound to raw.ext.cloudevents."""
    fmt = FORMATS["cloudevents"]
    assert isinstance(fmt, CloudEventsFormat)
    assert fmt.raw_topic == "raw.ext.cloudevents"


def test_hub_typed_event_becomes_its_canonical_event() -> None:
    """An incident event maps to canon.incident under the sender's source, id and time."""
    fmt = CloudEventsFormat()
    [record] = fmt.split(body(event()))
    assert (record.record_id, record.version, record.key) == ("/polizei/els|E-2026-000123", "", b"E-2026-000123")
    [out] = fmt.to_canonical(record.value)
    assert out.topic == "canon.incident"
    assert (out.event.source, out.event.hubsourceid, out.event.hubkind) == ("/polizei/els", "E-2026-000123", "incident")
    assert out.event.time.isoformat() == "2026-11-20T22:00:07+01:00"
    assert out.event.data == example_payload("incident", 1)


def test_event_id_equals_the_replay_formats_for_the_same_record() -> None:
    """Sent as a CloudEvent or replayed as NDJSON, the same (source, id) gives the same hub event."""
    via_ce = CloudEventsFormat().to_canonical(body(event()))[0]
    line = {"kind": "incident", "source": "/polizei/els", "id": "E-2026-000123", "time": "2026-11-20T22:00:07+01:00"}
    via_replay = map_replay_record(json.dumps({**line, "data": example_payload("incident", 1)}).encode())[0]
    assert via_ce.value() == via_replay.value()


def test_forwarded_hub_event_keeps_its_event_id() -> None:
    """A hub event sent back (hubkind, hubsourceid set) maps to the very same event."""
    payload = KINDS["vehicle-position"].parse(example_payload("vehicle-position", 3))
    assert isinstance(payload, VehiclePosition)
    original = canonical(payload, source="/havag/siri/vm", source_record_id="654@t1", time=payload.observed_at).event
    [out] = CloudEventsFormat().to_canonical(original.to_bytes())
    assert out.event == original


@pytest.mark.parametrize("kind", CANONICAL_KINDS)
def test_every_canonical_kind_is_taken(kind: str) -> None:
    """Each canonical kind's type with a valid payload maps to that kind's topic."""
    doc = event(type=KINDS[kind].ce_type, data=example_payload(kind, 2))
    [out] = CloudEventsFormat().to_canonical(body(doc))
    assert out.topic == f"canon.{kind}"


def test_batch_gives_one_record_per_event_and_empty_batch_none() -> None:
    """A batch (sniffed or by content type) is cut per event, each item compact JSON; [] is fine."""
    fmt = CloudEventsFormat()
    second = event(id="E-2026-000124")
    records = fmt.split(body(event(), second), "application/cloudevents-batch+json; charset=utf-8")
    assert [r.record_id for r in records] == ["/polizei/els|E-2026-000123", "/polizei/els|E-2026-000124"]
    assert json.loads(records[1].value) == second
    assert fmt.split(b"[]") == []


def test_bad_items_in_a_batch_travel_and_dead_letter_alone() -> None:
    """Items without id or not objects become records by position; only they are refused."""
    fmt = CloudEventsFormat()
    records = fmt.split(body(event(), event(id=None), 42))
    assert [r.record_id for r in records] == ["/polizei/els|E-2026-000123", "item-2", "item-3"]
    assert len(fmt.to_canonical(records[0].value)) == 1
    with pytest.raises(InvalidEventError) as info:
        fmt.to_canonical(records[1].value)
    assert info.value.reason == "required attribute(s) missing or empty: id"
    with pytest.raises(InvalidEventError) as info:
        fmt.to_canonical(records[2].value)
    assert info.value.code == "malformed_json"


def test_single_event_is_its_own_record_unchanged() -> None:
    """A one-event body goes onto the raw topic byte for byte."""
    raw = json.dumps(event(), indent=2).encode()
    [record] = CloudEventsFormat().split(raw, "application/cloudevents+json")
    assert record.value == raw


@pytest.mark.parametrize(
    ("content_type", "document", "words"),
    [
        ("application/cloudevents-batch+json", body(event()), "must be a JSON array"),
        ("application/cloudevents+json", body(event(), event()), "must be one JSON object"),
    ],
)
def test_content_type_and_body_must_agree(content_type: str, document: bytes, words: str) -> None:
    """A batch content type with one event, or a single-event type with an array, is malformed."""
    with pytest.raises(InvalidEventError) as info:
        CloudEventsFormat().split(document, content_type)
    assert info.value.code == "malformed_json"
    assert words in info.value.reason


@pytest.mark.parametrize(
    ("document", "code", "words"),
    [
        (b"ce-specversion: 1.0\nce-id: 1\n\n{}", "malformed_json", "not JSON"),
        (b'<?xml version="1.0"?><event specversion="1.0"/>', "malformed_json", "an XML document"),
        (b'{"$schema": "http://json-schema.org/draft-07/schema#"}', "malformed_json", "a JSON Schema"),
        (b'{"type": "record", "name": "CloudEvent", "fields": []}', "malformed_json", "an Avro schema"),
        (b'{"specVersion": "1.0", "id": "1", "source": "/s", "type": "t"}', "undecodable", "protobuf JSON mapping"),
        (b'{"id": "1", "source": "/s", "type": "t", "data": {}}', "undecodable", "no specversion attribute"),
        (b'"an event"', "malformed_json", "got str"),
        (b"\xff\xfe{}", "undecodable", "not UTF-8"),
    ],
)
def test_documents_that_are_no_cloudevents_are_refused_at_split(document: bytes, code: str, words: str) -> None:
    """Transcripts, XML, schemas, the protobuf mapping, binary-mode bodies and non-objects are each named."""
    with pytest.raises(InvalidEventError) as info:
        CloudEventsFormat().split(document)
    assert info.value.code == code
    assert words in info.value.reason


def test_foreign_type_is_unsupported_naming_it() -> None:
    """A well-formed event of another type is unsupported and says which type."""
    error = refused(event(type="com.example.someevent", data={"a": 1}))
    assert error.code == "unsupported"
    assert "event type is not a hub canonical type" in error.reason
    assert "com.example" not in error.reason  # the reason names the rule, never the input


def test_alerts_and_shares_are_not_taken_from_outside() -> None:
    """Alerts come from the router only; a pseudonymised share must not flow back into canon."""
    alert = refused(event(type="de.halle.hub.alert.v1", data=example_payload("alert", 1)))
    assert (alert.code, alert.reason) == (
        "unsupported",
        "de.halle.hub.alert.v1 events are made by the hub itself, not taken from outside",
    )
    share = refused(event(hubrecipient="ordnungsamt"))
    assert share.code == "unsupported"
    assert "hubrecipient" in share.reason


@pytest.mark.parametrize(
    ("changes", "code", "words"),
    [
        ({"specversion": "0.3"}, "unsupported", "specversion '0.3' is not supported"),
        ({"specversion": "Kalle 0176"}, "unsupported", "specversion is not supported"),
        ({"specversion": {}}, "unsupported", "specversion is not supported"),
        ({"source": None, "type": ""}, "undecodable", "required attribute(s) missing or empty: source, type"),
        ({"aString": "x"}, "undecodable", "1 attribute name(s) not allowed"),
        ({"a_b": "x"}, "undecodable", "1 attribute name(s) not allowed"),
        ({"tags": ["a"]}, "undecodable", "'tags' is an array"),
        ({"decimal": 42.42}, "undecodable", "'decimal' is a non-integer number"),
        ({"long": 4247483647}, "undecodable", "'long': integer out of the CloudEvents 32-bit range"),
        ({"nested": {"a": 1}}, "undecodable", "'nested' is an object"),
        ({"time": "2026-11-20 22:00:07"}, "undecodable", "not an RFC 3339 timestamp"),
        ({"time": "2026-11-20T22:00:07"}, "undecodable", "not an RFC 3339 timestamp with offset"),
        ({"id": 7}, "undecodable", "attribute 'id' must be a string"),
        ({"source": "/polizei els"}, "undecodable", "contains whitespace"),
        ({"data_base64": "e30="}, "undecodable", "either data or data_base64"),
        ({"data": None, "data_base64": "not base64!"}, "undecodable", "data_base64 is not valid base64"),
        ({"time": None}, "schema_violation", "incident events need the attribute 'time'"),
        ({"data": [1, 2]}, "schema_violation", "need data as a JSON object"),
        ({"data": None, "data_base64": "e30="}, "unsupported", "carry their payload as JSON data"),
        ({"datacontenttype": "application/xml"}, "unsupported", "carry their payload as JSON data"),
        ({"hubkind": "unit-status"}, "undecodable", "hubkind does not match type de.halle.hub.incident.v1"),
        ({"data": {"incident_id": "X"}}, "schema_violation", "invalid incident: "),
    ],
)
def test_broken_events_say_what_is_broken(changes: dict[str, Any], code: str, words: str) -> None:
    """Each rule of the envelope and of hub types gives its own code and reason."""
    error = refused(event(**changes))
    assert error.code == code
    assert words in error.reason


def test_null_attributes_count_as_absent() -> None:
    """The JSON format treats null as absent: a null subject is fine, a null id is missing."""
    [out] = CloudEventsFormat().to_canonical(json.dumps({**event(), "subject": None}).encode())
    assert out.event.hubkind == "incident"
    assert refused({**event(), "id": None}).reason == "required attribute(s) missing or empty: id"


def test_json_content_type_with_suffix_and_fractional_time_are_taken() -> None:
    """application/…+json data and nanosecond fractions (cut to microseconds) are accepted."""
    doc = event(datacontenttype="application/vnd.halle+json; charset=utf-8", time="2026-11-20T21:00:07.123456789Z")
    [out] = CloudEventsFormat().to_canonical(body(doc))
    assert out.event.time.microsecond == 123456


def test_same_event_gives_the_same_bytes() -> None:
    """Stable ids: the same event twice gives identical canonical bytes."""
    fmt = CloudEventsFormat()
    assert fmt.to_canonical(body(event()))[0].value() == fmt.to_canonical(body(event()))[0].value()


def test_oversized_body_is_too_large() -> None:
    """A body over the document limit is refused before parsing; a record over the record limit too."""
    with pytest.raises(InvalidEventError) as info:
        CloudEventsFormat().split(b"[" + b" " * (16 * 1024 * 1024) + b"]")
    assert info.value.code == "too_large"
    big = event(data={"x": "y" * 1_100_000})
    with pytest.raises(InvalidEventError) as info:
        CloudEventsFormat().to_canonical(json.dumps(big).encode())
    assert info.value.code == "too_large"


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_mangled_batches_never_crash(data: st.DataObject) -> None:
    """Cutting, splicing and overwriting a valid batch yields records or InvalidEventError, nothing else."""
    document = body(
        event(), event(id="E-2", type="de.halle.hub.unit-status.v1", data=example_payload("unit-status", 1))
    )
    start = data.draw(st.integers(0, len(document)))
    end = data.draw(st.integers(start, min(len(document), start + 200)))
    filler = data.draw(st.sampled_from([b"", b"{", b"null", b"[1]", b'"hubsourceid": ""', b"1e999", b"\xff", b"-1"]))
    fmt = CloudEventsFormat()
    try:
        records = fmt.split(document[:start] + filler + document[end:])
    except InvalidEventError:
        return
    for record in records:
        with contextlib.suppress(InvalidEventError):
            fmt.to_canonical(record.value)


@pytest.mark.parametrize("document", [b"[" * 100_000, b'{"a":' * 100_000], ids=["arrays", "objects"])
def test_deeply_nested_json_is_malformed_not_a_crash(document: bytes) -> None:
    """JSON nested past the recursion limit is malformed_json, at split and at to_canonical."""
    for call in (CloudEventsFormat().split, CloudEventsFormat().to_canonical):
        with pytest.raises(InvalidEventError) as info:
            call(document)
        assert (info.value.code, info.value.reason) == (
            "malformed_json",
            "not JSON the hub can read: nested too deeply",
        )
