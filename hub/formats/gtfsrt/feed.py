"""What the three GTFS-RT formats share: cutting a feed into one-entity FeedMessages (the raw records), the
record's id, version and key, and reading a raw record back. Each format adds only its entity mapping.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime
from typing import ClassVar, Literal, NoReturn

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import DecodeError, Message
from google.transit.gtfs_realtime_pb2 import FeedEntity, FeedHeader, FeedMessage

from hub.errors import InvalidEventError
from hub.formats.base import CanonicalRecord, SourceRecord, check_size, unnamed_record
from hub.formats.gtfsrt.decode import decode_feed, decode_snapshots, posix_time
from hub.network.gtfs_static import GtfsStatic, default_gtfs
from hub.schemas.common import parser_message

__all__ = ["FORMAT_OF", "GtfsRtFormat", "Payload", "entity_version", "non_utf8_field"]

Payload = Literal["vehicle", "trip_update", "alert"]
#: Every payload field a FeedEntity can carry; the hub maps the first three, the experimental rest is skipped.
_ALL_PAYLOADS = ("vehicle", "trip_update", "alert", "shape", "stop", "trip_modifications")
#: The format (and HAVAG raw topic ``raw.havag.<name>``) of each payload the hub maps.
FORMAT_OF: dict[str, str] = {
    "vehicle": "gtfsrt-vehicle-positions",
    "trip_update": "gtfsrt-trip-updates",
    "alert": "gtfsrt-alerts",
}


def entity_version(entity: FeedEntity, header: FeedHeader, payload: Payload) -> str:
    """The entity's own timestamp (vehicle, trip update) or else the feed's, as a string; "" when neither is set."""
    if payload != "alert" and entity.HasField(payload):
        own = getattr(entity, payload)
        if own.HasField("timestamp") and own.timestamp:
            return str(own.timestamp)
    return str(header.timestamp) if header.HasField("timestamp") and header.timestamp else ""


def _payloads(entity: FeedEntity) -> list[str]:
    return [name for name in _ALL_PAYLOADS if entity.HasField(name)]


def non_utf8_field(message: Message, path: str = "") -> str | None:
    """The path of the first string field that is not UTF-8, or None.

    proto2 does not check strings on parsing, and the Python runtime hands such a field out as ``bytes``; every
    string is checked here once, so the mapping code can rely on ``str``.
    """
    for field, value in message.ListFields():
        where = f"{path}.{field.name}" if path else field.name
        items = list(value) if field.is_repeated else [value]
        if field.type == FieldDescriptor.TYPE_STRING:
            if any(isinstance(item, bytes) for item in items):
                return where
        elif field.type == FieldDescriptor.TYPE_MESSAGE:
            for index, item in enumerate(items):
                found = non_utf8_field(item, f"{where}[{index}]" if field.is_repeated else where)
                if found is not None:
                    return found
    return None


class GtfsRtFormat(ABC):
    """Base of the three GTFS-RT formats: binds a payload type to a name, raw topic and CloudEvents source."""

    name: ClassVar[str]
    raw_topic: ClassVar[str]
    source: ClassVar[str]
    payload: ClassVar[Payload]

    def __init__(self, gtfs: GtfsStatic | None = None) -> None:
        self._gtfs = gtfs

    @property
    def gtfs(self) -> GtfsStatic:
        """Route names come from here; the shipped HAVAG data unless the format was given other data."""
        if self._gtfs is None:
            self._gtfs = default_gtfs()
        return self._gtfs

    # -- connector side ---------------------------------------------------------------------------------------

    def split(self, document: bytes, content_type: str | None = None) -> list[SourceRecord]:
        records: list[SourceRecord] = []
        for snapshot in decode_snapshots(document, content_type):
            if snapshot.message is not None:
                try:
                    records.extend(self._records(snapshot.message))
                    continue
                except InvalidEventError:
                    if not snapshot.line:
                        raise  # the document itself is broken
            # A broken line of a stream goes on as it came: the normaliser refuses it with the reason, and the
            # other lines of the document are not held back by it.
            records.append(unnamed_record(snapshot.line))
        return records

    def feed_timestamp(self, document: bytes, content_type: str | None = None) -> datetime | None:
        """The feed's header timestamp (the newest one in an NDJSON stream), for stale-feed detection."""
        snapshots = decode_snapshots(document, content_type)
        stamps = [s.message.header.timestamp for s in snapshots if s.message is not None and s.message.header.timestamp]
        return posix_time(max(stamps), "header.timestamp") if stamps else None

    def _takes(self, entity: FeedEntity) -> bool:
        payloads = _payloads(entity)
        # A deletion usually carries no payload, so every format passes it on; so does an entity with no payload at
        # all (the normaliser dead-letters it): nothing in a feed disappears without a trace.
        return self.payload in payloads or not payloads

    def _records(self, message: FeedMessage) -> list[SourceRecord]:
        header = message.header
        records: list[SourceRecord] = []
        first_index: dict[str, int] = {}
        for index, entity in enumerate(message.entity):
            if not self._takes(entity):
                continue
            if entity.id and isinstance(entity.id, str):
                if entity.id in first_index:
                    # Two entities under one id cannot both keep a stable identity, and picking one would drop the
                    # other silently; the feed is broken and the whole document goes to the dead-letter topic.
                    raise InvalidEventError(
                        f"entity[{index}].id repeats entity[{first_index[entity.id]}].id; "
                        "entity ids must be unique in a feed",
                        "schema_violation",
                    )
                first_index[entity.id] = index
            one = FeedMessage()
            one.header.CopyFrom(header)
            one.entity.add().CopyFrom(entity)
            # An entity without a usable id still becomes a record: the normaliser dead-letters it with the reason.
            record_id = entity.id if entity.id and isinstance(entity.id, str) else f"entity-{index}"
            version = self.version_of(entity, header)
            key = self.key_of(entity)
            key = key if key and isinstance(key, str) else record_id
            # Partial: a missing required field inside one entity is that record's problem, reported by to_canonical.
            records.append(SourceRecord(record_id, version, key.encode("utf-8"), one.SerializePartialToString()))
        return records

    def version_of(self, entity: FeedEntity, header: FeedHeader) -> str:
        """The record version of ``entity``: what the connector de-duplicates on and the event id includes."""
        return entity_version(entity, header, self.payload)

    def key_of(self, entity: FeedEntity) -> str | None:
        """The raw topic's partition key of ``entity``; None falls back to the entity id."""
        return entity.id or None

    # -- normaliser side --------------------------------------------------------------------------------------

    def to_canonical(self, record: bytes) -> list[CanonicalRecord]:
        check_size(record)
        if record.lstrip(b" \t\xef\xbb\xbf")[:1] == b"{":
            self._refuse_line(record)
        header, entity = self._read(record)
        broken = non_utf8_field(entity, "entity") or non_utf8_field(header, "header")
        if broken is not None:
            raise InvalidEventError(f"{broken}: not UTF-8", "undecodable")
        if entity.is_deleted:
            return []  # a differential feed's deletion: the hub keeps no GTFS-RT state that it would remove
        payloads = _payloads(entity)
        if self.payload not in payloads:
            if payloads:
                belongs = FORMAT_OF.get(payloads[0])
                raise InvalidEventError(
                    f"entity carries {', '.join(payloads)}, not {self.payload}; "
                    + (f"it belongs to the {belongs} format" if belongs else "the hub maps no such entity"),
                    "unsupported",
                )
            raise InvalidEventError(
                "entity carries no vehicle, trip_update or alert and is not a deletion", "schema_violation"
            )
        if not entity.id:
            raise InvalidEventError("entity.id is missing (required)", "schema_violation")
        version = self.version_of(entity, header)
        return self.map_entity(entity, header, f"{entity.id}@{version}" if version else entity.id)

    @abstractmethod
    def map_entity(self, entity: FeedEntity, header: FeedHeader, source_record_id: str) -> list[CanonicalRecord]:
        """The canonical events of one entity that carries this format's payload."""

    def _refuse_line(self, line: bytes) -> NoReturn:
        """The reason ``split`` passed a line of an NDJSON stream on instead of its entities (records it made itself
        are binary, starting with the header's tag, never with ``{``)."""
        try:
            for message in decode_feed(line, "application/json"):
                self._records(message)
        except InvalidEventError as exc:
            raise InvalidEventError(f"a line of an NDJSON stream: {exc.reason}", exc.code) from exc
        raise InvalidEventError(
            "a GTFS-RT feed snapshot in JSON, not a raw record (binary FeedMessage with one entity)", "malformed_json"
        )

    @staticmethod
    def _read(record: bytes) -> tuple[FeedHeader, FeedEntity]:
        try:
            message = FeedMessage.FromString(record)
        except DecodeError as exc:
            raise InvalidEventError(
                f"raw record is not a protobuf FeedMessage: {parser_message(str(exc))}", "malformed_protobuf"
            ) from exc
        if len(message.entity) != 1:
            raise InvalidEventError(
                f"raw record holds {len(message.entity)} entities; GTFS-RT raw records hold exactly one",
                "malformed_protobuf",
            )
        return message.header, message.entity[0]
