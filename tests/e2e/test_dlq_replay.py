"""`hub dlq replay` end to end: dead letters of the real normaliser sent back to their raw topic as they were read,
and refused again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.config import Settings
from hub.deadletter import parse_headers
from hub.samples import good_record
from hub.topology import raw_topic
from tests.helpers.cli import hub
from tests.helpers.kafka import dead_letters, topic_records, write_lines
from tests.helpers.workers import WorkerFactory

pytestmark = pytest.mark.integration


def test_hub_dlq_replay_sends_dead_letters_back_as_they_were_read(
    settings: Settings, start_workers: WorkerFactory, tmp_path: Path
) -> None:
    """Two lines the normaliser refuses become dead letters; `hub dlq replay --dry-run` lists them and sends nothing;
    `hub dlq replay --code` sends the chosen one back to its raw topic with its key, bytes and the connector's
    headers as first read, plus hub_replayed_from; the normaliser, still refusing it, dead-letters it again."""
    lines = [json.dumps(good_record(i)).encode() for i in range(3)]
    lines += [b"{not json", json.dumps({**good_record(9), "kind": "weather"}).encode()]
    env = {"HUB_KAFKA_BOOTSTRAP": settings.bootstrap(), "HUB_TOPIC_PREFIX": settings.topic_prefix}
    workers = start_workers("normalise")
    assert hub("replay", str(write_lines(tmp_path / "mixed.ndjson", lines)), env=env).returncode == 0
    workers.wait_for_count("normalise", "hub_events_dead_lettered_total", 2, stage="normalise")
    codes = {parse_headers(letter.headers)["code"] for letter in dead_letters(settings, "normalise")}
    assert len(codes) == 2, codes
    assert "malformed_json" in codes, codes

    dry = hub("dlq", "replay", "--stage", "normalise", "--dry-run", env=env)
    assert dry.returncode == 0, dry.stderr
    assert "2 selected, 0 not replayable" in dry.stdout
    assert "dry run: 2 record(s) would be sent back, nothing sent" in dry.stdout
    assert len(topic_records(settings, raw_topic("replay", "ndjson"))) == 5

    sent = hub("dlq", "replay", "--stage", "normalise", "--code", "malformed_json", env=env)
    assert sent.returncode == 0, sent.stderr
    assert f"sent back 1 record(s), each confirmed by the broker: {settings.topic_prefix}raw.replay.ndjson 1" in (
        sent.stdout
    )
    raw = topic_records(settings, raw_topic("replay", "ndjson"))
    # A line without a key goes to any partition, so the copy sent back is told by its header, not its place.
    copies = [r for r in raw if r.value == b"{not json"]
    [again] = [r for r in copies if "hub_replayed_from" in dict(r.headers)]
    [first] = [r for r in copies if r is not again]
    replayed_from = dict(again.headers)["hub_replayed_from"].decode()
    assert replayed_from.startswith(f"{settings.topic_prefix}dlq.normalise@")
    assert [h for h in again.headers if h[0] != "hub_replayed_from"] == first.headers
    assert again.key == first.key
    workers.wait_for_count("normalise", "hub_events_dead_lettered_total", 3, stage="normalise")
