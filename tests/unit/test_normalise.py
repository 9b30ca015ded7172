"""The normaliser's pure core: replay lines to canonical CloudEvents, or a reason and a reason code."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from hub.errors import InvalidEventError
from hub.formats.jsondoc import MAX_RECORD_BYTES
from hub.formats.replay import map_replay_record
from hub.samples import good_record, sample_lines
from hub.schemas import CloudEvent
from hub.streams.normalise import MAPPERS, OBSERVED_AT, refuse_future


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


def _kind_line(kind: str) -> bytes:
    """A valid sample line of ``kind``."""
    return next(line for line in sample_lines(50, 0) if json.loads(line)["kind"] == kind)


@pytest.mark.parametrize("kind", sorted(OBSERVED_AT))
def test_an_observation_from_the_future_is_refused_naming_the_field(kind: str) -> None:
    """An observation dated beyond the tolerance after the hub's clock is a schema violation; the reason names the
    field and the tolerance, never the time given. Within the tolerance it passes unchanged."""
    records = MAPPERS["raw.replay.ndjson"](_kind_line(kind))
    when = records[0].event.time
    assert refuse_future(records, when - timedelta(hours=23), timedelta(hours=24)) == records
    with pytest.raises(InvalidEventError) as caught:
        refuse_future(records, when - timedelta(hours=25), timedelta(hours=24))
    assert caught.value.code == "schema_violation"
    assert "24 h ahead of the hub's clock" in caught.value.reason
    assert when.isoformat()[:10] not in caught.value.reason
    assert str(when.year) not in caught.value.reason


def test_a_payload_time_from_the_future_is_refused_even_when_the_envelope_time_is_not() -> None:
    """An incident reported in 2099 inside an envelope of today is refused by its field's name."""
    [record] = MAPPERS["raw.replay.ndjson"](_kind_line("incident"))
    data = {**record.event.data, "reported_at": "2099-01-01T00:00:00+00:00"}
    forged = type(record)(record.topic, record.key, record.event.model_copy(update={"data": data}))
    with pytest.raises(InvalidEventError, match=r"field 'incident.reported_at' is more than 24 h ahead"):
        refuse_future([forged], datetime(2026, 12, 5, tzinfo=UTC), timedelta(hours=24))


def test_a_planned_disruption_may_lie_ahead() -> None:
    """A transit disruption's time may be the start of planned works: it is not refused."""
    records = MAPPERS["raw.replay.ndjson"](_kind_line("transit-disruption"))
    early = records[0].event.time - timedelta(days=60)
    assert refuse_future(records, early, timedelta(hours=24)) == records
