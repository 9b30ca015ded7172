"""One bad line costs only itself (issue 11): a file read in chunks of lines, cut by its line format, produces every
line of a chunk that holds a poisoned one, and only that line ends as a dead letter (the normaliser's), with its
reason."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from google.protobuf import json_format

from hub.connectors.base import ConnectorContext, ConnectorOptions, Document
from hub.connectors.checkpoint import SeenVersions
from hub.connectors.cutting import BatchInfo, Cut, cut
from hub.connectors.file import FileConnector, FileOptions
from hub.connectors.settings import InstanceSettings
from hub.errors import DeadLetterReason, InvalidEventError
from hub.formats.base import Format
from hub.formats.registry import FORMATS
from hub.samples import good_record
from tests.unit.formats.fuzz import poisoned_lines
from tests.unit.formats.test_gtfsrt_split import _feed, _vehicle

T0 = datetime(2026, 11, 20, 22, 0, tzinfo=UTC)
CHUNK = 200


def _chunk(fmt: Format, path: Path) -> Cut:
    """The first chunk of ``path`` as the file connector reads it in lines mode, cut by ``fmt``."""
    options = FileOptions.model_validate({"format": fmt.name, "path": path, "lines_per_document": CHUNK})
    result = asyncio.run(FileConnector(options, ConnectorContext("file", fmt, lambda: T0)).poll({}))
    [document] = result.items
    assert isinstance(document, Document)
    settings = InstanceSettings("file", ConnectorOptions(type="file", format=fmt.name), fmt, "raw", "dlq")
    return cut([document], SeenVersions(1000), settings, BatchInfo(), T0)


def _normalised(fmt: Format, chunk: Cut) -> tuple[int, Counter[DeadLetterReason]]:
    """Canonical events made of the chunk's raw records, and the normaliser's dead letters by reason."""
    events, letters = 0, Counter[DeadLetterReason]()
    for message in chunk.messages:
        assert message.record is not None, "the connector dead-letters nothing of a chunk with one bad line"
        try:
            events += len(fmt.to_canonical(message.message.value))
        except InvalidEventError as exc:
            letters[exc.code] += 1
    return events, letters


@pytest.mark.parametrize("name", sorted(poisoned_lines(good_record(0))))
def test_one_poisoned_replay_line_costs_only_itself(name: str, tmp_path: Path) -> None:
    """A chunk of 200 replay lines with one poisoned line in the middle gives 200 raw records: 199 canonical events
    and one dead letter with the line's reason (before, the whole chunk was one processing_error)."""
    lines = [json.dumps(good_record(i)).encode() for i in range(CHUNK)]
    line, code = poisoned_lines(good_record(CHUNK))[name]
    lines[100] = line
    path = tmp_path / "feed.ndjson"
    path.write_bytes(b"".join(x + b"\n" for x in lines))
    fmt = FORMATS["replay-ndjson"]
    chunk = _chunk(fmt, path)
    assert (chunk.outcome.produced, chunk.outcome.dead_lettered, chunk.failures) == (CHUNK, 0, [])
    assert _normalised(fmt, chunk) == (CHUNK - 1, Counter({code: 1}))


def test_one_broken_gtfsrt_snapshot_costs_only_itself(tmp_path: Path) -> None:
    """An NDJSON file of GTFS-RT snapshots with a line holding a 5,000-digit timestamp gives the vehicles of every
    other line; the broken line is one record that the normaliser refuses as malformed_json."""
    lines = [json_format.MessageToJson(_feed(_vehicle(f"v{i}", str(600 + i))), indent=None).encode() for i in range(10)]
    lines[4] = lines[4].replace(b'"timestamp": "1764000000"', b'"timestamp": ' + b"9" * 5000)
    path = tmp_path / "vehicles.ndjson"
    path.write_bytes(b"\n".join(lines) + b"\n")
    fmt = FORMATS["gtfsrt-vehicle-positions"]
    chunk = _chunk(fmt, path)
    assert (chunk.outcome.produced, chunk.outcome.dead_lettered) == (10, 0)
    assert _normalised(fmt, chunk) == (9, Counter({"malformed_json": 1}))
