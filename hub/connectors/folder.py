"""``folder``: read files from a directory as they appear (CAP exports, batch drops), one document per file.

The checkpoint lists the files done (name, size and modification time), so a restart neither reads a file twice
nor skips one. Done files are kept or moved away (``after``); a moved file leaves the checkpoint.
"""

from __future__ import annotations

import fnmatch
import os
import shutil
from pathlib import Path
from typing import Literal

from pydantic import Field, NonNegativeFloat, PositiveFloat, PositiveInt, model_validator

from hub.connectors.base import ConnectorOptions, Document, Item, PollingConnector, PollResult, State
from hub.errors import ConfigError, ConnectorError

_SUFFIX_TYPES = {
    ".xml": "application/xml",
    ".json": "application/json",
    ".ndjson": "application/x-ndjson",
    ".jsonl": "application/x-ndjson",
    ".pb": "application/x-protobuf",
    ".csv": "text/csv",
    ".ics": "text/calendar",
}


def content_type_for(path: Path, configured: str | None) -> str | None:
    """The configured content type, or one guessed from the file's suffix (None when unknown)."""
    return configured or _SUFFIX_TYPES.get(path.suffix.lower())


class FolderOptions(ConnectorOptions):
    """Options of a ``folder`` instance."""

    type: Literal["folder"] = "folder"
    path: Path = Field(description="the directory to watch")
    pattern: str = Field(default="*", description="glob for file names, e.g. '*.xml'")
    interval_s: PositiveFloat = Field(default=5.0, description="seconds between looks when nothing is waiting")
    after: Literal["keep", "move"] = Field(default="keep", description="what to do with a file once it is done")
    move_to: Path | None = Field(default=None, description="where done files go (after = 'move')")
    content_type: str | None = Field(default=None, description="content type of every file; default by suffix")
    settle_s: NonNegativeFloat = Field(
        default=1.0, description="a file is read once it has not changed for this long (writers still writing)"
    )
    max_files_per_poll: PositiveInt = Field(default=100)

    @model_validator(mode="after")
    def _move_needs_target(self) -> FolderOptions:
        if (self.after == "move") != (self.move_to is not None):
            raise ValueError("move_to is required with after = 'move', and only then")
        return self


def _signature(stat: os.stat_result) -> str:
    return f"{stat.st_size}:{stat.st_mtime_ns}"


class FolderConnector(PollingConnector[FolderOptions]):
    """State: ``done``, a map of file name to ``size:mtime_ns`` of the files produced."""

    options_model = FolderOptions

    async def setup(self) -> None:
        if not self.options.path.is_dir():
            raise ConfigError(f"folder {self.options.path} does not exist or is not a directory")
        if self.options.move_to is not None:
            self.options.move_to.mkdir(parents=True, exist_ok=True)

    def _candidates(self) -> list[tuple[Path, os.stat_result]]:
        found = []
        try:
            entries = list(os.scandir(self.options.path))
        except OSError as exc:
            raise ConnectorError(f"cannot list {self.options.path}: {exc.strerror}", "source_unavailable") from exc
        for entry in entries:
            # Hidden names are how writers mark files still being written (write .name.tmp, then rename).
            if entry.name.startswith(".") or not fnmatch.fnmatch(entry.name, self.options.pattern):
                continue
            try:
                if entry.is_file(follow_symlinks=False):
                    found.append((Path(entry.path), entry.stat(follow_symlinks=False)))
            except OSError:
                continue  # vanished between listing and stat
        return sorted(found, key=lambda f: (f[1].st_mtime_ns, f[0].name))

    def _tidy(self, done: dict[str, str], present: dict[str, os.stat_result]) -> None:
        """Forget files gone from the folder; move done ones away (their state was committed before this poll)."""
        for name in list(done):
            stat = present.get(name)
            if stat is None:
                del done[name]
            elif self.options.move_to is not None and done[name] == _signature(stat):
                shutil.move(self.options.path / name, self.options.move_to / name)
                del done[name]
                del present[name]

    async def poll(self, state: State) -> PollResult:
        raw_done = state.get("done")
        done: dict[str, str] = dict(raw_done) if isinstance(raw_done, dict) else {}
        candidates = self._candidates()
        present = {p.name: s for p, s in candidates}
        try:
            self._tidy(done, present)
        except OSError as exc:
            raise ConnectorError(f"cannot move a done file: {exc.strerror}", "source_unavailable") from exc
        settled_before = self.context.clock().timestamp() - self.options.settle_s
        todo = [
            (p, s)
            for p, s in candidates
            if p.name in present and done.get(p.name) != _signature(s) and s.st_mtime <= settled_before
        ]
        items: list[Item] = []
        for path, stat in todo[: self.options.max_files_per_poll]:
            try:
                body = path.read_bytes()
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise ConnectorError(f"cannot read {path}: {exc.strerror}", "source_unavailable") from exc
            items.append(Document(body, content_type_for(path, self.options.content_type), f"file:{path}"))
            done[path.name] = _signature(stat)
        more = len(todo) > self.options.max_files_per_poll
        return PollResult(items, {"done": done}, 0.0 if more else self.options.interval_s)
