"""The contract every source format implements, and helpers its implementations share.

A connector receives a *document* (an HTTP body, a file) and calls ``Format.split`` to cut it into
``SourceRecord``s, which go unchanged onto the format's raw topic. The normaliser calls ``Format.to_canonical`` on
each raw record. Both raise ``InvalidEventError`` (with a precise reason and a reason code) for bad input; the
caller dead-letters it. Neither touches the network, Kafka or the clock.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from pydantic import BaseModel

from hub.errors import InvalidEventError
from hub.schemas import kind_for_model, wrap
from hub.schemas.envelope import CloudEvent
from hub.topology import canon_topic

#: No document a feed sends is this large; larger bodies are refused before parsing.
MAX_DOCUMENT_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class CanonicalRecord:
    """A canonical event and where it goes: the ``canon.<kind>`` topic (without prefix) and its partition key."""

    topic: str
    key: bytes
    event: CloudEvent

    def value(self) -> bytes:
        return self.event.to_bytes()


@dataclass(frozen=True)
class SourceRecord:
    """One record cut from a source document, as it goes onto the raw topic.

    ``record_id`` names the record in its source (a CAP identifier, a GTFS-RT entity id, an Open311 request id);
    ``version`` changes whenever the source changes the record (an update time, a feed timestamp) and is "" for
    records that never change. Connectors checkpoint and de-duplicate on (record_id, version).
    """

    record_id: str
    version: str
    key: bytes
    value: bytes

    @property
    def identity(self) -> str:
        """``record_id`` with its version: the source record id of the canonical events made from it."""
        return f"{self.record_id}@{self.version}" if self.version else self.record_id


class Format(Protocol):
    """A source format, bound to the raw topic its records travel on."""

    @property
    def name(self) -> str:
        """Stable name, e.g. ``gtfsrt-vehicle-positions``; used in config files, metrics and logs."""
        ...

    @property
    def raw_topic(self) -> str:
        """The declared raw topic (without prefix), e.g. ``raw.havag.gtfsrt-vehicle-positions``."""
        ...

    def split(self, document: bytes, content_type: str | None = None) -> list[SourceRecord]:
        """Cut one document into records; raise InvalidEventError when the document as a whole is unusable."""
        ...

    def to_canonical(self, record: bytes) -> list[CanonicalRecord]:
        """Map one raw record (a ``SourceRecord.value``) to canonical events; may return none (e.g. a deletion)."""
        ...


#: Joins a source's own version and a digest of the record's content in ``SourceRecord.version``.
VERSION_DIGEST_SEPARATOR = "#"
_VERSION_DIGEST_HEX = 16


def digested_version(version: str, digest: str) -> str:
    """``version#<16 hex digits of digest>``: the version of a record whose source may change its content without
    changing its version (SIRI servers do). Connectors de-duplicate on (record id, version) and the canonical event
    id is made from both, so a changed content under the same source version is a new version and a new event, not
    a duplicate that is dropped; an unchanged one is still the same."""
    return f"{version}{VERSION_DIGEST_SEPARATOR}{digest[:_VERSION_DIGEST_HEX]}"


def declared_version(version: str) -> str:
    """The source's own version in a ``digested_version`` (the version itself for any other)."""
    head, sep, tail = version.rpartition(VERSION_DIGEST_SEPARATOR)
    is_digest = len(tail) == _VERSION_DIGEST_HEX and all(c in "0123456789abcdef" for c in tail)
    return head if sep and is_digest else version


def content_id(value: bytes) -> str:
    """A stable record id for a record without a usable id of its own: the same bytes always get the same id."""
    return "sha256:" + hashlib.sha256(value).hexdigest()[:32]


def unnamed_record(value: bytes) -> SourceRecord:
    """A record whose id cannot be read, named by its content and passed on all the same: the normaliser
    dead-letters it with the reason, instead of it vanishing at the connector."""
    return SourceRecord(content_id(value), "", b"", value)


def canonical(payload: BaseModel, *, source: str, source_record_id: str, time: datetime) -> CanonicalRecord:
    """Wrap a canonical payload in its envelope and address it to ``canon.<kind>`` with its partition key."""
    kind = kind_for_model(type(payload))
    key = kind.partition_key(payload)
    event = wrap(payload, source=source, source_record_id=source_record_id, time=time, subject=key)
    return CanonicalRecord(canon_topic(kind.name), key.encode("utf-8"), event)


def check_size(document: bytes, limit: int = MAX_DOCUMENT_BYTES) -> None:
    """Refuse a document over ``limit`` bytes before any parser sees it."""
    if len(document) > limit:
        raise InvalidEventError(f"document is {len(document)} bytes, limit is {limit}", "too_large")
