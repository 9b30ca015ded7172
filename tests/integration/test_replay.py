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
