"""Cutting one batch: documents and records in, the messages to produce (records and dead letters) and an
``Outcome`` out, de-duplicated against the versions the instance already produced. Pure: no I/O, no asyncio, no
metrics; the time comes in as ``now``, and what the shell must count or log comes out in the ``Cut``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

from hub.connectors.base import AnyConnector, ConnectorClass, Document, Item, RefusedDocument
from hub.connectors.checkpoint import SeenVersions, record_digest
from hub.connectors.records import (
    H_CONNECTOR,
    H_CONTENT_TYPE,
    H_ORIGIN,
    H_RECEIVED_AT,
    H_RECORD_ID,
    H_RECORD_VERSION,
    MAX_VALUE_BYTES,
    OutMessage,
)
from hub.connectors.settings import InstanceSettings
from hub.deadletter import Origin, dead_letter
from hub.errors import DeadLetterReason, InvalidEventError
from hub.formats.base import MAX_DOCUMENT_BYTES, SourceRecord, declared_version
from hub.formats.settings import FORMAT_SETTINGS_HEADER

#: The stage named in the connectors' dead letters.
STAGE = "connectors"
#: A dead letter keeps the original bytes up to this size; beyond it only the first KiB (the reason says so).
_DLQ_KEEP_BYTES = 1024

Headers = list[tuple[str, bytes]]


@runtime_checkable
class FeedTimestamps(Protocol):
    """A format that can read the time its source made a document (GTFS-RT's header timestamp)."""

    def feed_timestamp(self, document: bytes, content_type: str | None = None) -> datetime | None: ...


@dataclass(frozen=True)
class Outgoing:
    """One message to produce: a record of the instance (``record`` set) or a dead letter (``record`` None)."""

    message: OutMessage
    record: SourceRecord | None


@dataclass(frozen=True)
class Refusal:
    """A document or record of a batch that went to the dead-letter topic instead: the document's index in the
    batch, the record's among the records the format cut from it (None: the document as a whole), code, reason."""

    document: int
    record: int | None
    code: DeadLetterReason
    reason: str


@dataclass(frozen=True)
class Outcome:
    """What handling one batch did: ``refused`` lists every document and record dead-lettered, in order;
    ``acknowledged`` is False when the broker did not take every message."""

    produced: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    refused: tuple[Refusal, ...] = ()
    acknowledged: bool = True

    @property
    def rejected(self) -> tuple[tuple[DeadLetterReason, str], ...]:
        """The documents the format refused as a whole: (code, reason)."""
        return tuple((r.code, r.reason) for r in self.refused if r.record is None)


@dataclass(frozen=True)
class FormatFailure:
    """An unexpected exception from the format's ``split`` (a bug, not bad input), for the log."""

    error: Exception
    origin: str


@dataclass(frozen=True)
class BatchInfo:
    """How a connector described its batch: the origin, content type and source time of bare records."""

    origin: str = ""
    content_type: str | None = None
    source_time: datetime | None = None


@dataclass
class Cut:
    """A cut batch: ``messages`` to produce in order; the ``outcome`` so far (before producing); ``documents``
    seen; the ``source_times`` found, in order; the codes of the ``dead_letters`` made (each is an error to
    count, also one later dropped as a duplicate); the ``failures`` of the format to log; the records ``changed``
    under a version already produced (dropped like duplicates, but to count and log: the source changed a record
    without changing its version, or the format's version does not cover what changed); how many records
    ``changed_in_place``: produced under a new version whose source version is the one produced before (see
    ``changed_in_place``)."""

    messages: list[Outgoing] = field(default_factory=list)
    outcome: Outcome = field(default_factory=Outcome)
    documents: int = 0
    source_times: list[datetime] = field(default_factory=list)
    dead_letters: list[DeadLetterReason] = field(default_factory=list)
    failures: list[FormatFailure] = field(default_factory=list)
    changed: list[SourceRecord] = field(default_factory=list)
    changed_in_place: int = 0


def _is_text(value: str) -> bool:
    """Whether ``value`` encodes as UTF-8 (no lone surrogates), as a Kafka header must."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def has_source_time(connector: ConnectorClass | AnyConnector, fmt: object) -> bool:
    """Whether an instance of the connector type with the format can learn when its source made its data: the type
    says it gives the time (``gives_source_time``) or the format reads it from documents (``feed_timestamp``)."""
    return bool(connector.gives_source_time) or isinstance(fmt, FeedTimestamps)


def stale_check_problem(
    connector: ConnectorClass | AnyConnector, fmt: object, stale_after_s: float | None
) -> str | None:
    """Why ``stale_after_s`` cannot work for this type and format (None when it can, or is not set)."""
    if stale_after_s is None or has_source_time(connector, fmt):
        return None
    name = getattr(fmt, "name", "?")
    return (
        f"stale_after_s needs a source time, but format {name!r} reads none from its documents and the connector "
        "type gives none (gives_source_time), so the stale check could never fire: remove stale_after_s, or use a "
        "type or format that knows when the source made its data"
    )


def utc(dt: datetime) -> datetime:
    """``dt`` with UTC as its zone when it has none."""
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def changed_in_place(previous: str, version: str) -> bool:
    """Whether ``version`` names other content under the same source version as ``previous``: both are
    ``digested_version``s that differ only in the digest. The record is produced (nothing is lost, its event id
    differs), but a source changing records without a new version is worth an operator's look."""
    declared = declared_version(version)
    return previous != version and declared != version and declared_version(previous) == declared


def cut(items: Sequence[Item], seen: SeenVersions, settings: InstanceSettings, batch: BatchInfo, now: datetime) -> Cut:
    """Split documents with the instance's format, make dead letters of what cannot go to the raw topic, and drop
        records whose (record id, version) is in ``seen`` or came earlier in the batch (noting those whose content
    differs)."""
    return _Cutter(settings, seen, now).run(items, batch)


class _Cutter:
    """The state of one ``cut``: what was made so far and the identities of this batch."""

    def __init__(self, settings: InstanceSettings, seen: SeenVersions, now: datetime) -> None:
        self.settings = settings
        self.seen = seen
        self.now = now
        self.received_at = now.astimezone(UTC).isoformat()
        self.batch: dict[tuple[str, str], str] = {}  # identity -> digest
        self.batch_versions: dict[str, str] = {}
        self.result = Cut()
        self.duplicates = 0
        self.dead_lettered = 0
        self.refused: list[Refusal] = []

    def run(self, items: Sequence[Item], batch: BatchInfo) -> Cut:
        self._note_source_time(utc(batch.source_time) if batch.source_time else None)
        for index, item in enumerate(items):
            if isinstance(item, RefusedDocument):
                self._refused(item, index, batch)
                continue
            if isinstance(item, Document):
                base = self._headers(item.origin, item.content_type)
                records = self._split(item, index, base)
            else:
                base = self._headers(batch.origin, batch.content_type)
                records = [item]
            for number, record in enumerate(records):
                self._record(record, base, index, number)
        produced = sum(1 for m in self.result.messages if m.record is not None)
        self.result.outcome = Outcome(produced, self.duplicates, self.dead_lettered, tuple(self.refused))
        return self.result

    def _refused(self, item: RefusedDocument, index: int, batch: BatchInfo) -> None:
        """The dead letter of a document the connector refused itself."""
        self.result.documents += 1
        origin = item.origin or batch.origin
        base = self._headers(origin, batch.content_type)
        letter = self._dead_letter(item.code, item.reason, item.body, origin, (index, None), base)
        self.result.messages.append(Outgoing(letter, None))

    def _split(self, doc: Document, index: int, base: Headers) -> list[SourceRecord]:
        """The records of ``doc``; none (and a dead letter) when the format refuses it or fails on it."""
        self.result.documents += 1
        self._note_source_time(self._source_time(doc))
        fmt = self.settings.format
        try:
            if len(doc.body) > MAX_DOCUMENT_BYTES:
                raise InvalidEventError(
                    f"document is {len(doc.body)} bytes, limit is {MAX_DOCUMENT_BYTES}", "too_large"
                )
            return fmt.split(doc.body, doc.content_type)
        except InvalidEventError as exc:
            code, reason = exc.code, exc.reason
        except Exception as exc:  # a bug in the format must not end the instance
            self.result.failures.append(FormatFailure(exc, doc.origin))
            code, reason = "processing_error", f"format {fmt.name} failed on this document: {type(exc).__name__}"
        self.result.messages.append(
            Outgoing(self._dead_letter(code, reason, doc.body, doc.origin, (index, None), base), None)
        )
        return []

    def _record(self, record: SourceRecord, base: Headers, index: int, number: int) -> None:
        message = self._message(record, base, index, number)
        identity = (record.record_id, record.version)
        # A dead letter made of a record is de-duplicated like the record (and still counted as made).
        if identity in self.seen or identity in self.batch:
            self.duplicates += 1
            digest = record_digest(record.value)
            earlier = self.batch.get(identity)
            if self.seen.changed(record.record_id, record.version, digest) or (earlier and earlier != digest):
                self.result.changed.append(record)
            return
        if message.record is not None:
            previous = self.batch_versions.get(record.record_id) or self.seen.version_of(record.record_id)
            if previous is not None and changed_in_place(previous, record.version):
                self.result.changed_in_place += 1
            self.batch_versions[record.record_id] = record.version
        self.batch[identity] = record_digest(record.value)
        self.result.messages.append(message)

    def _message(self, record: SourceRecord, base: Headers, index: int, number: int) -> Outgoing:
        origin = dict(base)[H_ORIGIN].decode("utf-8", "replace")
        code: DeadLetterReason
        if not isinstance(record.record_id, str) or not record.record_id or not isinstance(record.version, str):
            code, reason = (
                "processing_error",
                f"format {self.settings.format.name} cut a record without a record id or version",
            )
        elif not (_is_text(record.record_id) and _is_text(record.version)):
            code, reason = (
                "processing_error",
                f"format {self.settings.format.name} cut a record whose id or version is not text (a lone surrogate)",
            )
        elif len(record.value) > MAX_VALUE_BYTES:
            code, reason = "too_large", f"record is {len(record.value)} bytes, limit is {MAX_VALUE_BYTES}"
        else:
            headers = [
                *base[:1],
                (H_RECORD_ID, record.record_id.encode()),
                (H_RECORD_VERSION, record.version.encode()),
                *base[1:],
            ]
            return Outgoing(OutMessage(self.settings.topic, record.key or None, record.value, headers), record)
        return Outgoing(self._dead_letter(code, reason, record.value, origin, (index, number), base), None)

    def _dead_letter(
        self,
        code: DeadLetterReason,
        reason: str,
        body: bytes,
        origin: str,
        where: tuple[int, int | None],
        extra: Headers,
    ) -> OutMessage:
        """The dead letter of the document (``where`` = (index, None)) or record (index, number) ``body``."""
        index, number = where
        self.refused.append(Refusal(index, number, code, reason))
        if len(body) > MAX_VALUE_BYTES:
            reason = f"{reason}; original was {len(body)} bytes, first {_DLQ_KEEP_BYTES} kept"
            body = body[:_DLQ_KEEP_BYTES]
        letter = dead_letter(STAGE, code, reason, Origin(origin, 0, index), None, body, now=self.now)
        self.dead_lettered += 1
        self.result.dead_letters.append(code)
        return OutMessage(self.settings.dlq_topic, None, letter.value, [*letter.headers(), *extra])

    def _headers(self, origin: str, content_type: str | None) -> Headers:
        headers = [
            (H_CONNECTOR, self.settings.name.encode()),
            (H_CONTENT_TYPE, (content_type or "").encode("utf-8", "replace")),
            (H_RECEIVED_AT, self.received_at.encode()),
            (H_ORIGIN, origin.encode("utf-8", "replace")),
        ]
        if self.settings.format_settings is not None:
            headers.append((FORMAT_SETTINGS_HEADER, self.settings.format_settings))
        return headers

    def _source_time(self, doc: Document) -> datetime | None:
        if doc.source_time is not None:
            return utc(doc.source_time)
        fmt = self.settings.format
        if isinstance(fmt, FeedTimestamps):
            try:
                found = fmt.feed_timestamp(doc.body, doc.content_type)
            except Exception:  # a bug here must not end the instance either; split says what is wrong
                return None
            return utc(found) if found is not None else None
        return None

    def _note_source_time(self, when: datetime | None) -> None:
        if when is not None:
            self.result.source_times.append(when)
