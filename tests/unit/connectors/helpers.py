"""Test doubles for the connector tests: a tiny line format with a feed time, and connector classes to register."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from hub.connectors.base import (
    ConnectorOptions,
    Document,
    HttpRoute,
    PollingConnector,
    PollResult,
    PushConnector,
    PushRequest,
    PushResult,
    State,
)
from hub.errors import InvalidEventError
from hub.formats.base import CanonicalRecord, SourceRecord
from hub.topology import raw_topic


class TinyFormat:
    """``#feed <ISO time>`` then one ``id,version,text`` line per record; ``BAD`` as the first line is refused."""

    name = "tiny-lines"
    raw_topic = raw_topic("replay", "ndjson")

    def split(self, document: bytes, content_type: str | None = None) -> list[SourceRecord]:
        lines = document.splitlines()
        if lines and lines[0] == b"BAD":
            raise InvalidEventError("first line is BAD", "schema_violation")
        records = []
        for line in lines:
            if not line.strip() or line.startswith(b"#"):
                continue
            parts = line.split(b",", 2)
            if len(parts) != 3:
                raise InvalidEventError("a line has fewer than 3 fields", "schema_violation")
            records.append(SourceRecord(parts[0].decode(), parts[1].decode(), parts[0], line))
        return records

    def feed_timestamp(self, document: bytes, content_type: str | None = None) -> datetime | None:
        first = document.split(b"\n", 1)[0]
        if first.startswith(b"#feed "):
            return datetime.fromisoformat(first[6:].decode().strip())
        return None

    def to_canonical(self, record: bytes) -> list[CanonicalRecord]:
        return []


def tiny(*records: tuple[str, str], feed: str | None = None) -> bytes:
    """A TinyFormat document with ``records`` as (id, version)."""
    head = [f"#feed {feed}"] if feed else []
    return "\n".join([*head, *(f"{i},{v},text of {i}" for i, v in records)]).encode()


class ListOptions(ConnectorOptions):
    """Options of ``ListConnector``."""

    pages: tuple[tuple[tuple[str, str], ...], ...] = ()


class ListConnector(PollingConnector[ListOptions]):
    """Polls through ``pages`` (each a TinyFormat document); state ``page``; finishes after the last."""

    options_model = ListOptions
    closes = 0

    async def poll(self, state: State) -> PollResult:
        page = int(state.get("page", 0))
        if page >= len(self.options.pages):
            return PollResult([], state, 1.0, finished=True)
        doc = Document(tiny(*self.options.pages[page]), "text/plain", f"list:{page}")
        return PollResult([doc], {"page": page + 1}, 1.0, finished=page + 1 >= len(self.options.pages))

    async def close(self) -> None:
        type(self).closes += 1


class EchoPush(PushConnector[ConnectorOptions]):
    """Serves /echo; every body is one document."""

    options_model = ConnectorOptions

    def routes(self) -> Sequence[HttpRoute]:
        return [HttpRoute("/echo")]

    async def receive(self, request: PushRequest) -> PushResult:
        return PushResult([Document(request.body, request.content_type, "echo")])


class Abstract(PollingConnector[ConnectorOptions]):
    """Forgets to implement poll."""

    options_model = ConnectorOptions


NOT_A_CLASS = 42
