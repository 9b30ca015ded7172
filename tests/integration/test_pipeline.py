"""The first end-to-end path through real processes: replay connector -> broker -> faust normaliser ->
canonical topics -> faust sink -> PostgreSQL, with dead-lettering and metrics."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.config import Settings
from hub.connectors.replay import replay
from hub.deadletter import parse_headers
from hub.errors import InvalidEventError
from hub.formats.replay import map_replay_record
from hub.kafka_read import read_topic
from hub.samples import good_record, sample_lines
from hub.store.events import count_events
from hub.topology import CANONICAL_KINDS, canon_topic, qualified, raw_topic
from tests.helpers.kafka import dead_letters, topic_records, write_lines
from tests.helpers.workers import WorkerFactory

pytestmark = pytest.mark.integration


def test_good_and_malformed_lines_end_in_store_and_dead_letter(
    settings: Settings, start_workers: WorkerFactory, tmp_path: Path
) -> None:
    """1,000 valid and 100 malformed lines give 1,000 rows and 100 dead letters with reasons; metrics agree;
    replaying the file again still leaves 1,000 rows."""
    lines = sample_lines(1000, 100, seed=7)
    path = write_lines(tmp_path / "mixed.ndjson", lines)
    workers = start_workers("normalise", "sink")
    normalise, sink = workers["normalise"], workers["sink"]

    assert replay(settings, path).produced == 1100
    workers.wait_for_count("sink", "hub_events_out_total", 1000, stage="sink")
    workers.wait_for_count("normalise", "hub_events_dead_lettered_total", 100, stage="normalise")

    assert count_events(settings.database_conninfo()) == 1000
    assert normalise.counter("hub_events_out_total", stage="normalise") == 1000
    assert normalise.counter("hub_events_dead_lettered_total", stage="normalise") == 100
    assert sink.counter("hub_events_out_total", stage="sink") == 1000
    assert sink.counter("hub_events_dead_lettered_total") == 0

    raw_name = qualified(settings.topic_prefix, raw_topic("replay", "ndjson"))
    letters = dead_letters(settings, "normalise")
    assert len(letters) == 100
    raw_records = {(r.partition, r.offset): r.value for r in read_topic(settings.bootstrap(), raw_name)}
    good = _good_lines(lines)
    bad_lines = sorted(line for line in lines if line not in good)
    assert len(bad_lines) == 100
    for letter in letters:
        h = parse_headers(letter.headers)
        assert h["stage"] == "normalise"
        assert h["reason"], "every dead letter says why"
        assert h["topic"] == raw_name
        # The origin points at the raw record, and the dead letter carries its bytes unchanged.
        assert raw_records[(int(h["partition"]), int(h["offset"]))] == letter.value
    assert sorted(letter.value for letter in letters) == bad_lines
    canon_total = sum(len(topic_records(settings, canon_topic(k))) for k in CANONICAL_KINDS)
    assert canon_total == 1000

    assert replay(settings, path).produced == 1100
    workers.wait_for_count("sink", "hub_events_in_total", 2000, stage="sink")
    assert count_events(settings.database_conninfo()) == 1000, "the sink upserts by event id"
    assert normalise.counter("hub_events_dead_lettered_total", stage="normalise") == 200


def _good_lines(lines: list[bytes]) -> set[bytes]:
    """The lines the replay format maps to an event."""
    good = set()
    for line in lines:
        try:
            map_replay_record(line)
        except InvalidEventError:
            continue
        good.add(line)
    return good


def test_an_observation_from_the_future_is_dead_lettered_naming_the_field(
    settings: Settings, start_workers: WorkerFactory, tmp_path: Path
) -> None:
    """The normalise worker refuses a unit status observed in 2099 and an incident sent in 2099 (a future time would
    keep them from ever expiring): dead letters with `schema_violation`, the field named, the time not quoted; the
    same records dated today pass."""
    today = good_record(4)  # a unit status
    observed = {**today, "id": "future-observed", "data": {**today["data"], "observed_at": "2099-01-01T00:00:00+00:00"}}
    incident = good_record(0)
    sent = {**incident, "id": "future-sent", "time": "2099-01-01T00:00:00+00:00"}
    lines = [json.dumps(x).encode() for x in (today, observed, incident, sent)]
    workers = start_workers("normalise")
    assert replay(settings, write_lines(tmp_path / "future.ndjson", lines)).produced == 4
    workers.wait_for_count("normalise", "hub_events_dead_lettered_total", 2, stage="normalise")
    reasons = sorted(parse_headers(letter.headers)["reason"] for letter in dead_letters(settings, "normalise"))
    assert reasons == [
        "event time 'time' is more than 24 h ahead of the hub's clock",
        "field 'unit-status.observed_at' is more than 24 h ahead of the hub's clock",
    ]
    assert {parse_headers(letter.headers)["code"] for letter in dead_letters(settings, "normalise")} == {
        "schema_violation"
    }
    workers.wait_for_count("normalise", "hub_events_out_total", 2, stage="normalise")
