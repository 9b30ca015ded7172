"""`hub replay` against the real broker and normaliser (issue 11): poisoned lines among valid ones no longer end the
replay; each ends as one dead letter with its proper reason, and every valid line is normalised."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.config import Settings
from hub.deadletter import parse_headers
from hub.formats.jsondoc import MAX_RECORD_BYTES
from hub.samples import good_record
from hub.topology import raw_topic
from tests.helpers.cli import hub
from tests.helpers.kafka import dead_letters, topic_records, write_lines
from tests.helpers.workers import WorkerFactory
from tests.unit.formats.fuzz import poisoned_lines

pytestmark = pytest.mark.integration

GOOD = 30


def test_hub_replay_goes_on_after_bad_lines_and_each_ends_as_a_dead_letter_with_its_reason(
    settings: Settings, start_workers: WorkerFactory, tmp_path: Path
) -> None:
    """30 valid lines with six poisoned ones and an oversized one between them: `hub replay` produces the 36 it can
    (exit 1, the summary names the oversized line), the normaliser makes 30 events and six dead letters with their
    proper reasons, none a processing_error, and the oversized line is a too_large dead letter naming its line."""
    poisoned = poisoned_lines(good_record(GOOD))
    lines = [json.dumps(good_record(i)).encode() for i in range(GOOD)]
    for offset, (line, _) in enumerate(poisoned.values()):
        lines.insert(3 + 4 * offset, line)
    lines.insert(10, b'{"id": "' + b"x" * MAX_RECORD_BYTES + b'"}')
    path = write_lines(tmp_path / "poisoned.ndjson", lines)
    workers = start_workers("normalise")

    result = hub(
        "replay",
        str(path),
        env={"HUB_KAFKA_BOOTSTRAP": settings.bootstrap(), "HUB_TOPIC_PREFIX": settings.topic_prefix},
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert (
        result.stdout.strip()
        == f"{GOOD + 7} lines: {GOOD + 6} produced, 0 blank, 1 dead-lettered to dlq.connectors (too_large 1)"
    )
    assert len(topic_records(settings, raw_topic("replay", "ndjson"))) == GOOD + 6

    workers.wait_for_count("normalise", "hub_events_out_total", GOOD, stage="normalise")
    workers.wait_for_count("normalise", "hub_events_dead_lettered_total", len(poisoned), stage="normalise")
    letters = {letter.value: parse_headers(letter.headers) for letter in dead_letters(settings, "normalise")}
    assert {value: headers["code"] for value, headers in letters.items()} == {
        line: code for line, code in poisoned.values()
    }
    [oversized] = dead_letters(settings, "connectors")
    headers = parse_headers(oversized.headers)
    assert (headers["code"], headers["topic"], headers["offset"]) == ("too_large", f"file:{path}", "11")


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
    [first, again] = [r for r in raw if r.value == b"{not json"]
    replayed_from = dict(again.headers).pop("hub_replayed_from").decode()
    assert replayed_from.startswith(f"{settings.topic_prefix}dlq.normalise@")
    assert [h for h in again.headers if h[0] != "hub_replayed_from"] == first.headers
    assert again.key == first.key
    workers.wait_for_count("normalise", "hub_events_dead_lettered_total", 3, stage="normalise")
