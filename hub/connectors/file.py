"""``file``: one file, read once (or followed as it grows), e.g. an NDJSON replay or a nightly export.

Whole-file mode makes the file one document. With ``lines_per_document`` (line-based formats such as NDJSON)
it is read in chunks of lines and the checkpoint holds the byte offset reached, so a restart resumes there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, PositiveFloat, PositiveInt

from hub.connectors.base import ConnectorOptions, Document, PollingConnector, PollResult, State
from hub.connectors.folder import content_type_for
from hub.errors import ConnectorError
from hub.formats.base import MAX_DOCUMENT_BYTES


class FileOptions(ConnectorOptions):
    """Options of a ``file`` instance."""

    type: Literal["file"] = "file"
    path: Path = Field(description="the file")
    content_type: str | None = Field(default=None, description="its content type; default by suffix")
    lines_per_document: PositiveInt | None = Field(
        default=None, description="read this many lines per document (line-based formats); unset: whole file"
    )
    follow: bool = Field(default=False, description="keep reading what is appended (lines) or rewritten (whole)")
    interval_s: PositiveFloat = Field(default=5.0, description="seconds between looks at the end of the file")


class FileConnector(PollingConnector[FileOptions]):
    """State: ``offset`` (lines mode) or ``done`` = ``size:mtime_ns`` of the file read (whole mode)."""

    options_model = FileOptions

    def _origin(self) -> str:
        return f"file:{self.options.path}"

    async def poll(self, state: State) -> PollResult:
        try:
            stat = self.options.path.stat()
        except FileNotFoundError as exc:
            raise ConnectorError(f"{self.options.path} does not exist", "source_unavailable") from exc
        except OSError as exc:
            raise ConnectorError(f"cannot read {self.options.path}: {exc.strerror}", "source_unavailable") from exc
        if self.options.lines_per_document is None:
            return self._whole(state, f"{stat.st_size}:{stat.st_mtime_ns}")
        offset = state.get("offset")
        offset = offset if isinstance(offset, int) and 0 <= offset <= stat.st_size else 0  # truncated: start over
        return self._lines(offset, self.options.lines_per_document)

    def _whole(self, state: State, signature: str) -> PollResult:
        if state.get("done") == signature:
            return PollResult([], state, self.options.interval_s, finished=not self.options.follow)
        try:
            body = self.options.path.read_bytes()
        except OSError as exc:
            raise ConnectorError(f"cannot read {self.options.path}: {exc.strerror}", "source_unavailable") from exc
        doc = Document(body, content_type_for(self.options.path, self.options.content_type), self._origin())
        return PollResult([doc], {"done": signature}, self.options.interval_s, finished=not self.options.follow)

    def _lines(self, offset: int, count: int) -> PollResult:
        lines: list[bytes] = []
        size = 0
        exhausted = False
        try:
            with self.options.path.open("rb") as handle:
                handle.seek(offset)
                position = offset
                while len(lines) < count and size < MAX_DOCUMENT_BYTES:
                    line = handle.readline()
                    if not line or (not line.endswith(b"\n") and self.options.follow):
                        exhausted = True  # at the end; a partial last line is still being written when following
                        break
                    lines.append(line)
                    size += len(line)
                    position += len(line)
                at_end = exhausted or not handle.read(1)
        except OSError as exc:
            raise ConnectorError(f"cannot read {self.options.path}: {exc.strerror}", "source_unavailable") from exc
        state: State = {"offset": position}
        ctype = content_type_for(self.options.path, self.options.content_type)
        items = [Document(b"".join(lines), ctype, self._origin())] if lines else []
        if not at_end:
            return PollResult(items, state, 0.0)
        return PollResult(items, state, self.options.interval_s, finished=not self.options.follow)
