"""Checkpoints: atomic replacement, the bounded de-duplication memory, and their JSON form."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from hub.connectors.checkpoint import Checkpoint, FileCheckpointStore, SeenVersions, write_atomically
from hub.errors import ConfigError


def test_write_atomically_replaces_the_content_and_syncs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The new content replaces the old, the file and its folder are fsynced, no temp file is left."""
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd))[1])
    path = tmp_path / "cp" / "x.json"
    write_atomically(path, b"old")
    write_atomically(path, b"new")
    assert path.read_bytes() == b"new"
    assert len(synced) == 4  # file and folder, twice
    assert sorted(p.name for p in path.parent.iterdir()) == ["x.json"]


def test_a_crash_before_the_rename_leaves_the_old_checkpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """If the process dies between writing the temp file and the rename, the checkpoint is the old one, whole."""
    path = tmp_path / "x.json"
    write_atomically(path, b'{"old": true}')

    def die(src: object, dst: object) -> None:
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(os, "replace", die)
    with pytest.raises(KeyboardInterrupt):
        write_atomically(path, b'{"new": true, "padding": "' + b"x" * 10_000 + b'"}')
    assert json.loads(path.read_bytes()) == {"old": True}


def test_seen_versions_remember_the_last_version_per_id_and_forget_the_oldest_ids() -> None:
    """Only the last version of an id counts; beyond max_ids the least recently produced id is forgotten."""
    seen = SeenVersions(max_ids=2)
    seen.add("a", "1")
    seen.add("a", "2")
    assert ("a", "2") in seen
    assert ("a", "1") not in seen
    seen.add("b", "1")
    seen.add("a", "3")  # a is now the most recent
    seen.add("c", "1")
    assert ("b", "1") not in seen
    assert [r for r, _ in seen] == ["a", "c"]
    assert ("a",) not in seen
    assert len(seen) == 2


def test_checkpoint_round_trips_through_json() -> None:
    """State, offsets and seen versions (in order) survive to_json / from_json."""
    cp = Checkpoint("havag-vehicles", "p.raw.x", {"etag": '"v2"', "n": 3}, SeenVersions(10, [("a", "1"), ("b", "")]))
    cp.advance(0, 41)
    cp.advance(0, 7)
    cp.advance(2, 0)
    back = Checkpoint.from_json(cp.to_json(), connector="havag-vehicles", topic="p.raw.x", max_seen_ids=10)
    assert back.state == {"etag": '"v2"', "n": 3}
    assert back.offsets == {0: 42, 2: 1}
    assert list(back.seen) == [("a", "1"), ("b", "")]


def test_digests_round_trip_and_checkpoints_without_them_still_load() -> None:
    """A seen entry keeps its content digest through JSON; a two-item entry (written before digests were kept) loads
    with none; an entry of another length is an unreadable checkpoint."""
    seen = SeenVersions(10)
    seen.add("a", "1", "00ff")
    seen.add("b", "2")
    doc = json.loads(Checkpoint("x", "t", seen=seen).to_json())
    assert doc["seen"] == [["a", "1", "00ff"], ["b", "2"]]
    back = Checkpoint.from_json(json.dumps(doc).encode(), connector="x", topic="t", max_seen_ids=10)
    assert list(back.seen.entries()) == [("a", "1", "00ff"), ("b", "2", "")]
    assert back.seen.changed("a", "1", "0101")
    assert not back.seen.changed("a", "1", "00ff")
    assert not back.seen.changed("b", "2", "0101")  # no digest kept: nothing to compare
    assert not back.seen.changed("a", "2", "0101")  # another version is no conflict
    doc["seen"] = [["a", "1", "d", "extra"]]
    with pytest.raises(ConfigError, match="unreadable"):
        Checkpoint.from_json(json.dumps(doc).encode(), connector="x", topic="t", max_seen_ids=10)


def test_offsets_of_another_topic_are_dropped() -> None:
    """When the instance's raw topic changed (another format), recovery must read the new topic from its start."""
    cp = Checkpoint("x", "old.topic")
    cp.advance(1, 10)
    back = Checkpoint.from_json(cp.to_json(), connector="x", topic="new.topic", max_seen_ids=10)
    assert back.offsets == {}


@pytest.mark.parametrize(
    "raw", [b"not json", b"{}", b'{"checkpoint_format": 99}', b'{"checkpoint_format": 1, "state": []}']
)
def test_an_unreadable_checkpoint_is_a_config_error_naming_the_connector(raw: bytes) -> None:
    """A damaged checkpoint stops start-up with the instance's name instead of silently starting over."""
    with pytest.raises(ConfigError, match="checkpoint of connector 'polizei-cap'"):
        Checkpoint.from_json(raw, connector="polizei-cap", topic="t", max_seen_ids=10)


def test_file_store_loads_what_it_saved_and_none_before(tmp_path: Path) -> None:
    """A file store has no checkpoint for a new instance and returns the saved bytes after a save."""
    store = FileCheckpointStore(tmp_path / "connectors")
    assert store.load("a") is None
    store.save("a", b"{}")
    assert store.load("a") == b"{}"
    assert store.path("a") == tmp_path / "connectors" / "a.json"
