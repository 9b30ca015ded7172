"""The replay connector line by line (issue 11): a bad line is never the end of a replay. Lines the normaliser can
judge go on unchanged and get their proper reason there; a line no broker should carry is dead-lettered here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.connectors.replay import ReplayStats, line_messages
from hub.deadletter import parse_headers
from hub.errors import InvalidEventError
from hub.formats.jsondoc import MAX_RECORD_BYTES
from hub.formats.replay import map_replay_record
from hub.samples import good_record
from tests.unit.formats.fuzz import poisoned_lines

PATH = Path("/data/in.ndjson")
POISONED = poisoned_lines(good_record(3))


def test_a_good_line_goes_to_the_raw_topic_keyed_by_its_id() -> None:
    """A valid line is one message on the raw topic, unchanged, keyed by its id, with its file and line number."""
    line = json.dumps(good_record(1)).encode()
    [(message, code)] = line_messages(PATH, 7, line, "raw", "dlq")
    assert (message.topic, message.key, message.value, code) == (
        "raw",
        good_record(1)["id"].encode(),
        line,
        None,
    )
    assert dict(message.headers) == {"hub_connector": b"replay", "hub_origin": b"in.ndjson:7"}


@pytest.mark.parametrize("name", sorted(POISONED))
def test_a_poisoned_line_goes_on_and_the_normaliser_gives_its_reason(name: str) -> None:
    """A line with a 5,000-digit integer, a lone surrogate in its id, whitespace in its source, an empty id, deep
    nesting or bytes that are not UTF-8 is produced unchanged (it used to end the replay with a traceback), keyed
    only when its id could be read, and mapping it gives its proper reason code."""
    line, code = POISONED[name]
    [(message, none)] = line_messages(PATH, 2, line, "raw", "dlq")
    key = good_record(3)["id"].encode() if name == "whitespace-source" else None
    assert (message.topic, message.key, message.value, none) == ("raw", key, line, None)
    with pytest.raises(InvalidEventError) as info:
        map_replay_record(message.value)
    assert info.value.code == code


def test_an_oversized_line_is_dead_lettered_here_with_its_line_number() -> None:
    """A line over the record limit is a too_large dead letter naming the file and line, keeping its first KiB."""
    line = b'{"id": "' + b"x" * MAX_RECORD_BYTES + b'"}'
    [(letter, code)] = line_messages(PATH, 41, line, "raw", "dlq")
    assert (letter.topic, letter.key, code, letter.value) == ("dlq", None, "too_large", line[:1024])
    headers = parse_headers(letter.headers)
    assert (headers["stage"], headers["code"], headers["topic"], headers["offset"]) == (
        "connectors",
        "too_large",
        "file:/data/in.ndjson",
        "41",
    )
    assert headers["reason"] == f"line is {len(line)} bytes, limit is {MAX_RECORD_BYTES}; first 1024 bytes kept"


def test_a_file_name_that_is_not_utf8_does_not_stop_the_replay() -> None:
    """The origin header of a file whose name is not UTF-8 shows the name with replacement characters."""
    path = Path(b"/data/r\xe9play.ndjson".decode("utf-8", "surrogateescape"))
    [(message, _)] = line_messages(path, 1, b"{}", "raw", "dlq")
    assert dict(message.headers)["hub_origin"] == "r\ufffdplay.ndjson:1".encode()


def test_the_summary_counts_every_line_and_names_the_reasons() -> None:
    """The summary says how many lines were produced, blank and dead-lettered here, by reason."""
    stats = ReplayStats(lines=5, blank=1)
    for line in (b"{}", b"x" * (MAX_RECORD_BYTES + 1), b"y" * (MAX_RECORD_BYTES + 1), b"[1]"):
        for _, code in line_messages(PATH, 1, line, "raw", "dlq"):
            stats.count(code)
    assert (stats.produced, stats.dead_lettered, dict(stats.reasons)) == (2, 2, {"too_large": 2})
    assert stats.summary("dlq.connectors") == (
        "5 lines: 2 produced, 1 blank, 2 dead-lettered to dlq.connectors (too_large 2)"
    )
    assert ReplayStats(lines=1, produced=1).summary("d") == "1 lines: 1 produced, 0 blank, 0 dead-lettered to d"
