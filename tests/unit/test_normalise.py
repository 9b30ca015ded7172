"""The normaliser's pure core: replay lines to canonical CloudEvents, or a reason and a reason code."""

from __future__ import annotations

import json

import pytest

from hub.errors import InvalidEventError
from hub.formats.jsondoc import MAX_RECORD_BYTES
from hub.formats.replay import map_replay_record
from hub.samples import good_record, sample_lines
from hub.schemas import CloudEvent
from hub.streams.normalise import MAPPERS


def _line(**changes: object) -> bytes:
    return json.dumps({**good_record(0), **changes}).encode()


def test_valid_record_becomes_a_keyed_canonical_event() -> None:
    """An incident line maps to one event on canon.incident, keyed and with the payload validated."""
    record = good_record(0)
    [out] = map_replay_record(json.dumps(record).encode())
    assert out.topic == f"canon.{record['kind']}"
    assert out.event.hubkind == record["kind"]
    assert out.event.hubsourceid == record["id"]
    assert out.event.source == record["source"]
    assert out.event.subject is not None
    assert out.key == out.event.subject.encode()
    assert CloudEvent.from_bytes(out.value()) == out.event


def test_same_record_gives_same_event_id_and_bytes() -> None:
    """Replaying a record gives the identical event, so sinks can upsert by id."""
    a = map_replay_record(_line())[0]
    b = map_replay_record(_line())[0]
    assert a.event.id == b.event.id
    assert a.value() == b.value()
    other = map_replay_record(json.dumps(good_record(4)).encode())[0]
    assert other.event.id != a.event.id


@pytest.mark.parametrize(
    ("raw", "code", "words"),
    [
        (b"{not json", "malformed_json", "not JSON"),
        (b"[1, 2]", "malformed_json", "expected a JSON object, got list"),
        (b"\xff\xfe\x00", "undecodable", "not UTF-8"),
        (b"x" * (MAX_RECORD_BYTES + 1), "too_large", "limit is"),
        (_line(kind="weather"), "unknown_kind", "kind: not a kind the hub knows"),
        (_line(time="2026-11-20T22:00:00"), "schema_violation", "time:"),
        (_line(id=""), "schema_violation", "id:"),
        (_line(data={"nonsense": 1}), "schema_violation", "data."),
    ],
)
def test_bad_lines_are_refused_with_a_reason(raw: bytes, code: str, words: str) -> None:
    """Each kind of fault gives its reason code and a reason that names what is wrong."""
    with pytest.raises(InvalidEventError) as info:
        map_replay_record(raw)
    assert info.value.code == code
    assert words in info.value.reason


def test_alerts_cannot_be_replayed_as_input() -> None:
    """Alerts are made by the router; a raw feed that claims one is refused."""
    with pytest.raises(InvalidEventError) as info:
        map_replay_record(_line(kind="alert"))
    assert info.value.code == "unknown_kind"


def test_sample_has_exactly_the_requested_good_and_bad_lines() -> None:
    """The sample generator's malformed lines are all refused and its valid lines all accepted."""
    ok = bad = 0
    for line in sample_lines(200, 40, seed=3):
        try:
            map_replay_record(line)
            ok += 1
        except InvalidEventError:
            bad += 1
    assert (ok, bad) == (200, 40)


def test_every_raw_mapper_is_for_a_declared_raw_topic() -> None:
    """Mappers are keyed by declared raw topics, so the normaliser subscribes only to real topics."""
    from hub.topology import spec

    for topic in MAPPERS:
        assert spec(topic).role == "raw"
