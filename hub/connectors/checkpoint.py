"""Checkpoints: per connector instance, its resume position and what it already produced, kept across restarts.

A checkpoint is one JSON file, ``<state_dir>/connectors/<name>.json``, replaced atomically (temp file, fsync,
rename, fsync of the folder), so a crash leaves either the old or the new checkpoint, never a torn one.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from hub.connectors.base import State
from hub.errors import ConfigError

CHECKPOINT_FORMAT = 1
#: How many record ids the de-duplication remembers (the most recently produced ones).
DEFAULT_MAX_SEEN_IDS = 100_000


class SeenVersions:
    """The last version produced per record id, with a digest of its content, for the ``max_ids`` most recently
    produced ids.

    Bounded so a checkpoint stays small: a record id not produced among the last ``max_ids`` distinct ids is
    forgotten, and a source that sends it again unchanged has it produced once more (at-least-once). The digest
    tells a record sent again unchanged from one changed under the same version (``changed``); "" when unknown
    (checkpoints written before digests were kept).
    """

    def __init__(self, max_ids: int = DEFAULT_MAX_SEEN_IDS, items: Iterable[tuple[str, str]] = ()) -> None:
        if max_ids < 1:
            raise ValueError("max_ids must be at least 1")
        self.max_ids = max_ids
        self._last: OrderedDict[str, tuple[str, str]] = OrderedDict()
        for record_id, version in items:
            self.add(record_id, version)

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, tuple) or len(key) != 2:
            return False
        record_id, version = key
        last = self._last.get(record_id) if isinstance(record_id, str) else None
        return last is not None and last[0] == version

    def __len__(self) -> int:
        return len(self._last)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        """(record id, version), least recently produced first."""
        return ((r, v) for r, (v, _) in self._last.items())

    def entries(self) -> Iterator[tuple[str, str, str]]:
        """(record id, version, digest), least recently produced first."""
        return ((r, v, d) for r, (v, d) in self._last.items())

    def add(self, record_id: str, version: str, digest: str = "") -> None:
        self._last[record_id] = (version, digest)
        self._last.move_to_end(record_id)
        while len(self._last) > self.max_ids:
            self._last.popitem(last=False)

    def version_of(self, record_id: str) -> str | None:
        """The last version produced of ``record_id``, if it is still remembered."""
        entry = self._last.get(record_id)
        return None if entry is None else entry[0]

    def changed(self, record_id: str, version: str, digest: str) -> bool:
        """Whether ``record_id`` was produced with this ``version`` but other content (both digests known)."""
        last = self._last.get(record_id)
        return last is not None and last[0] == version and bool(last[1]) and bool(digest) and last[1] != digest

    def copy(self) -> SeenVersions:
        seen = SeenVersions(self.max_ids)
        for record_id, version, digest in self.entries():
            seen.add(record_id, version, digest)
        return seen


def record_digest(value: bytes) -> str:
    """A short digest of a record's bytes for ``SeenVersions`` (64 bits: for telling changes, not for security)."""
    return hashlib.blake2b(value, digest_size=8).hexdigest()


@dataclass
class Checkpoint:
    """What one instance committed: its resume ``state``, the ``seen`` versions, and ``offsets``.

    ``offsets`` maps each partition of ``topic`` (the prefixed raw topic) to the offset after the instance's last
    record committed here; recovery reads the instance's records from there on. A partition missing from it is
    read from its beginning.
    """

    connector: str
    topic: str
    state: State = field(default_factory=dict)
    seen: SeenVersions = field(default_factory=SeenVersions)
    offsets: dict[int, int] = field(default_factory=dict)

    def advance(self, partition: int, offset: int) -> None:
        """Note that a record of this instance is at ``offset`` of ``partition``."""
        if offset + 1 > self.offsets.get(partition, 0):
            self.offsets[partition] = offset + 1

    def to_json(self) -> bytes:
        doc = {
            "checkpoint_format": CHECKPOINT_FORMAT,
            "connector": self.connector,
            "topic": self.topic,
            "state": self.state,
            "offsets": {str(p): o for p, o in sorted(self.offsets.items())},
            "seen": [[r, v, d] if d else [r, v] for r, v, d in self.seen.entries()],
        }
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    @classmethod
    def from_json(cls, raw: bytes, *, connector: str, topic: str, max_seen_ids: int) -> Checkpoint:
        """Parse a checkpoint; offsets recorded for another topic (the format changed) are dropped."""
        try:
            doc = json.loads(raw)
            if doc.get("checkpoint_format") != CHECKPOINT_FORMAT:
                raise ValueError(f"unknown checkpoint_format {doc.get('checkpoint_format')!r}")
            state = doc["state"]
            if not isinstance(state, dict):
                raise ValueError("state is not an object")
            seen = SeenVersions(max_seen_ids)
            for entry in doc["seen"]:
                record_id, version, *digest = entry  # [id, version] or [id, version, digest]
                if len(digest) > 1:
                    raise ValueError(f"seen entry of {len(entry)} items")
                seen.add(str(record_id), str(version), str(digest[0]) if digest else "")
            offsets = {int(p): int(o) for p, o in doc["offsets"].items()} if doc.get("topic") == topic else {}
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ConfigError(f"checkpoint of connector {connector!r} is unreadable: {exc}") from exc
        return cls(connector, topic, state, seen, offsets)


class CheckpointStore(Protocol):
    """Where checkpoints live: files for the runner, memory for the conformance helper."""

    def load(self, name: str) -> bytes | None:
        """The committed checkpoint of instance ``name``, or None when it has none."""
        ...

    def save(self, name: str, data: bytes) -> None:
        """Replace the checkpoint of ``name``; when this returns, it survives a crash."""
        ...


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that a crash at any point leaves the old or the new content."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with tmp.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    # The rename itself is only durable once the directory entry is on disk.
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class FileCheckpointStore:
    """Checkpoints as ``<directory>/<name>.json`` (the runner uses ``<state_dir>/connectors``)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, name: str) -> Path:
        return self.directory / f"{name}.json"

    def load(self, name: str) -> bytes | None:
        try:
            return self.path(name).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise ConfigError(f"cannot read checkpoint {self.path(name)}: {exc.strerror}") from exc

    def save(self, name: str, data: bytes) -> None:
        write_atomically(self.path(name), data)


class MemoryCheckpointStore:
    """Checkpoints in a dict (tests, the conformance helper)."""

    def __init__(self) -> None:
        self.saved: dict[str, bytes] = {}
        self.saves = 0

    def load(self, name: str) -> bytes | None:
        return self.saved.get(name)

    def save(self, name: str, data: bytes) -> None:
        self.saves += 1
        self.saved[name] = data


def checkpoint_state(store: CheckpointStore, name: str) -> dict[str, Any] | None:
    """The parsed JSON of a checkpoint (for tests and operators), or None."""
    raw = store.load(name)
    return None if raw is None else dict(json.loads(raw))
