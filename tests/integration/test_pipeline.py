"""The first end-to-end path through real processes: replay connector -> broker -> faust normaliser ->
canonical topics -> faust sink -> PostgreSQL, with dead-lettering and metrics."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.config import Settings
from hub.connectors.replay import replay
from hub.deadletter import parse_headers
from hub.errors import InvalidEventError
from hub.formats.replay import map_replay_record
from hub.kafka_read import read_topic
from hub.processes import StageProcess, free_port
from hub.samples import sample_lines
from hub.store.events import count_events
from hub.topology import CANONICAL_KINDS, canon_topic, dlq_topic, qualified, raw_topic

pytestmark = pytest.mark.integration


@pytest.fixture
def workers(settings: Settings, tmp_path: Path) -> Iterator[dict[str, StageProcess]]:
    """The normalise and sink stages as real worker processes, joined to their groups."""
    procs = {
        stage: StageProcess(settings, stage, free_port(), tmp_path / f"{stage}.log") for stage in ("normalise", "sink")
    }
    for p in procs.values():
        p.start()
    try:
        for p in procs.values():
            p.wait_ready(timeout_s=60)
        yield procs
    finally:
        codes = {stage: p.stop() for stage, p in procs.items()}
        assert codes == {"normalise": 0, "sink": 0}, "workers must exit cleanly on SIGTERM"


def _replay(settings: Settings, path: Path) -> int:
    return replay(settings, path).produced


def _wait_for(condition: object, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.25)
    raise AssertionError("condition not met in time")


def test_good_and_malformed_lines_end_in_store_and_dead_letter(
    settings: Settings, workers: dict[str, StageProcess], tmp_path: Path
) -> None:
    """1,000 valid and 100 malformed lines give 1,000 rows and 100 dead letters with reasons; metrics agree;
    replaying the file again still leaves 1,000 rows."""
    lines = sample_lines(1000, 100, seed=7)
    path = tmp_path / "mixed.ndjson"
    path.write_bytes(b"\n".join(lines) + b"\n")
    normalise, sink = workers["normalise"], workers["sink"]

    assert _replay(settings, path) == 1100
    _wait_for(lambda: sink.counter("hub_events_out_total", stage="sink") >= 1000)
    _wait_for(lambda: normalise.counter("hub_events_dead_lettered_total", stage="normalise") >= 100)

    assert count_events(settings.database_conninfo()) == 1000
    assert normalise.counter("hub_events_out_total", stage="normalise") == 1000
    assert normalise.counter("hub_events_dead_lettered_total", stage="normalise") == 100
    assert sink.counter("hub_events_out_total", stage="sink") == 1000
    assert sink.counter("hub_events_dead_lettered_total") == 0

    raw_name = qualified(settings.topic_prefix, raw_topic("replay", "ndjson"))
    letters = read_topic(settings.bootstrap(), qualified(settings.topic_prefix, dlq_topic("normalise")))
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
    canon_total = sum(
        len(read_topic(settings.bootstrap(), qualified(settings.topic_prefix, canon_topic(k)))) for k in CANONICAL_KINDS
    )
    assert canon_total == 1000

    assert _replay(settings, path) == 1100
    _wait_for(lambda: sink.counter("hub_events_in_total", stage="sink") >= 2000)
    assert count_events(settings.database_conninfo()) == 1000, "the sink upserts by event id"
    assert normalise.counter("hub_events_dead_lettered_total", stage="normalise") == 200


def _good_lines(lines: list[bytes]) -> set[bytes]:
    good = set()
    for line in lines:
        try:
            map_replay_record(line)
        except InvalidEventError:
            continue
        good.add(line)
    return good
