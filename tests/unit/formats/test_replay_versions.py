"""The replay format's record versions: a line's own ``version``, else a digest of the line, so a changed line (a
concert moved from 19:00 to 20:00) is a new version the connectors produce, and the same line again is not."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hub.errors import InvalidEventError
from hub.formats.replay import ReplayFormat, map_replay_record
from hub.samples import good_record

FMT = ReplayFormat()


def line(record: dict[str, Any]) -> bytes:
    return json.dumps(record).encode()


def test_a_line_without_version_is_versioned_by_its_content() -> None:
    """Two states of one record have one id and two versions; the same line always has the same version."""
    first = good_record(0)
    moved = {**first, "time": "2026-11-20T23:00:00+00:00"}
    [a], [b], [again] = FMT.split(line(first)), FMT.split(line(moved)), FMT.split(line(first))
    assert a.record_id == b.record_id == first["id"]
    assert a.version.startswith("sha256:")
    assert a.version != b.version
    assert again.version == a.version


def test_a_line_with_version_keeps_it_and_maps_as_before() -> None:
    """``version`` is the source's revision: used as the record version, and the event is the same as without."""
    record = good_record(1)
    [versioned] = FMT.split(line({**record, "version": "7"}))
    assert versioned.version == "7"
    assert map_replay_record(line({**record, "version": "7"}))[0].event == map_replay_record(line(record))[0].event


@pytest.mark.parametrize("version", ["", 7])
def test_a_version_that_is_not_a_nonempty_string_is_refused_by_the_normaliser(version: object) -> None:
    """The connector versions such a line by its content; the normaliser names the field."""
    bad = line({**good_record(2), "version": version})
    [record] = FMT.split(bad)
    assert record.version.startswith("sha256:")
    with pytest.raises(InvalidEventError, match="version"):
        map_replay_record(bad)
