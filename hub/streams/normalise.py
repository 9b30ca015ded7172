"""The normaliser's pure core: one raw record in, canonical CloudEvents out, or an InvalidEventError with a reason.

A mapper exists per raw feed (``MAPPERS``, keyed by the raw topic's declared name). Mappers never touch Kafka.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from hub.errors import InvalidEventError
from hub.schemas import KINDS, CloudEvent, event_id
from hub.topology import CANONICAL_KINDS, canon_topic

#: A raw record larger than this is refused before parsing (a bomb or a broken producer, never a real event).
MAX_RECORD_BYTES = 1_048_576


@dataclass(frozen=True)
class CanonicalRecord:
    """A canonical event and where it goes: the ``canon.<kind>`` topic (without prefix) and its partition key."""

    topic: str
    key: bytes
    event: CloudEvent

    def value(self) -> bytes:
        return self.event.to_bytes()


Mapper = Callable[[bytes], list[CanonicalRecord]]


def describe_validation_error(exc: ValidationError, prefix: str = "") -> str:
    """A one-line reason naming each wrong field, for dead-letter headers and HTTP answers."""
    parts = []
    for err in exc.errors(include_url=False, include_input=False):
        where = ".".join(str(p) for p in (prefix, *err["loc"]) if p != "")
        parts.append(f"{where or '(record)'}: {err['msg']}")
    return "; ".join(parts)


def decode_json_object(raw: bytes) -> dict[str, Any]:
    """Bytes to a JSON object, or InvalidEventError with the reason class (size, encoding, syntax, shape)."""
    if len(raw) > MAX_RECORD_BYTES:
        raise InvalidEventError(f"record is {len(raw)} bytes, limit is {MAX_RECORD_BYTES}", "too_large")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidEventError(f"not UTF-8: {exc.reason} at byte {exc.start}", "undecodable") from exc
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidEventError(
            f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", "malformed_json"
        ) from exc
    if not isinstance(obj, dict):
        raise InvalidEventError(f"expected a JSON object, got {type(obj).__name__}", "malformed_json")
    return obj


class ReplayRecord(BaseModel):
    """One line of an NDJSON replay file: a canonical payload with the source's id and time for it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str = Field(description="canonical kind, e.g. 'incident'")
    source: str = Field(min_length=1, max_length=200, description="the source system, e.g. '/polizei/els'")
    id: str = Field(min_length=1, max_length=200, description="the source system's id of this record")
    time: AwareDatetime = Field(description="when the source recorded it (ISO 8601 with offset)")
    data: dict[str, Any] = Field(description="the canonical payload of the kind")


def map_replay_record(raw: bytes) -> list[CanonicalRecord]:
    """Map one NDJSON replay line to its canonical event."""
    obj = decode_json_object(raw)
    try:
        record = ReplayRecord.model_validate(obj)
    except ValidationError as exc:
        raise InvalidEventError(describe_validation_error(exc), "schema_violation") from exc
    kind = KINDS.get(record.kind)
    if kind is None or kind.name not in CANONICAL_KINDS:
        known = ", ".join(CANONICAL_KINDS)
        raise InvalidEventError(f"kind: unknown kind {record.kind!r} (known: {known})", "unknown_kind")
    try:
        payload = kind.model.model_validate(record.data)
    except ValidationError as exc:
        raise InvalidEventError(describe_validation_error(exc, "data"), "schema_violation") from exc
    subject = kind.partition_key(payload)
    event = CloudEvent(
        id=event_id(record.source, record.id, kind.name),
        source=record.source,
        type=kind.ce_type,
        time=record.time,
        subject=subject,
        data=payload.model_dump(mode="json", exclude_none=True),
        hubkind=kind.name,
        hubsourceid=record.id,
    )
    return [CanonicalRecord(canon_topic(kind.name), subject.encode("utf-8"), event)]


#: Mapper per raw topic (declared name, without prefix). Connectors of later feeds add theirs here.
MAPPERS: Mapping[str, Mapper] = {
    "raw.replay.ndjson": map_replay_record,
}
