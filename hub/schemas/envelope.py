"""The one envelope: CloudEvents 1.0 in structured JSON mode, plus stable event ids.

Structured mode (``application/cloudevents+json``: attributes and data in one JSON document) rather than
binary mode (attributes in Kafka headers): the envelope must survive in the dead-letter topic and in the
PostgreSQL store as one self-contained document, and some tools (console consumers, mirror and export tools)
drop headers. The Kafka message key is the kind's partition key (``hub.schemas.registry.Kind.partition_key``),
so one vehicle's positions, one unit's status and one incident's updates stay in order on one partition.

Hub extension attributes (CloudEvents allows only lower-case letters and digits in names):
``hubkind`` (canonical kind name), ``hubrecipient`` (recipient domain of a share, absent on canon topics) and
``hubsourceid`` (the source system's record id).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints, ValidationError

from hub.errors import InvalidEventError
from hub.schemas.common import StorableStrings, Timestamp, pydantic_json_agrees, validation_reason

__all__ = ["CE_CONTENT_TYPE", "HUB_EVENT_NAMESPACE", "CloudEvent", "event_id"]

CE_CONTENT_TYPE = "application/cloudevents+json"
"""Content type of a structured-mode CloudEvent; also the Kafka ``content-type`` header where one is set."""

HUB_EVENT_NAMESPACE = uuid.UUID("bdf4ea06-12ec-5658-b3ca-342d0f15b202")
"""Namespace of all hub event ids. Fixed forever: changing it changes every id and breaks idempotent sinks.

It is ``uuid.uuid5(uuid.NAMESPACE_URL, "urn:x-hub:halle:events")`` (a test pins this).
"""

_NoSpace = Annotated[str, StringConstraints(min_length=1, max_length=1024, pattern=r"^\S+$")]
_Token = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,63}$")]


def event_id(source: str, source_record_id: str, kind: str) -> str:
    """The stable id of the event made from one source record: UUIDv5 under ``HUB_EVENT_NAMESPACE``.

    The name hashed is the compact JSON array ``[source, source_record_id, kind]``, which cannot collide the
    way plain concatenation can. Where a source updates a record in place, the connector must put the version
    or update time into ``source_record_id``; otherwise an upsert by event id keeps only the first version.
    """
    # json.dumps([source, source_record_id, kind], ensure_ascii=False, separators=(",", ":")), the same text without
    # building an encoder per call (json.dumps does with any argument given): the strings as its encoder writes them.
    name = f"[{_json_string(source)},{_json_string(source_record_id)},{_json_string(kind)}]"
    # uuid.uuid5, with the one difference that a lone surrogate does not raise here: the envelope refuses it, naming
    # the attribute, and the id of an event that is never made does not matter. Valid strings give uuid5's id. The
    # version (5) and the variant are set on the bytes and the text written from their hex, as uuid.UUID would.
    digest = bytearray(
        hashlib.sha1(_NAMESPACE + name.encode("utf-8", "surrogatepass"), usedforsecurity=False).digest()[:16]
    )
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_NAMESPACE = HUB_EVENT_NAMESPACE.bytes
_json_string = json.encoder.encode_basestring  # a str as JSON with ensure_ascii=False (the C encoder where built)


class CloudEvent(StorableStrings):
    """A CloudEvents 1.0 event with a JSON object as data. Stricter than the spec, on purpose:

    ``time`` is required and timezone-aware, data must be a JSON object (no ``data_base64``), the content type
    is exactly ``application/json``, the hub extensions ``hubkind`` and ``hubsourceid`` are required,
    unknown attributes are rejected (every event on hub topics is written by the hub, so a foreign or misspelt
    attribute is a bug), and no attribute holds a NUL or a lone surrogate. ``data`` is checked by its payload model
    (``unwrap``), not here, so that each string is checked once.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    _checked_elsewhere = frozenset({"data"})  # by the payload model (``unwrap``): each string is checked once

    specversion: Literal["1.0"] = "1.0"
    id: _NoSpace
    source: _NoSpace = Field(description="URI-reference of the producing context, e.g. /hub/polizei/cap")
    type: _NoSpace = Field(description="event type, e.g. de.halle.hub.incident.v1")
    time: Timestamp
    subject: str | None = Field(default=None, max_length=1024)
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str | None = Field(default=None, max_length=1024)
    data: dict[str, Any]
    hubkind: _Token = Field(description="canonical kind name, e.g. incident")
    hubrecipient: _Token | None = Field(default=None, description="recipient domain of a share")
    hubsourceid: Annotated[str, StringConstraints(min_length=1, max_length=1024)] = Field(
        description="the source system's record id"
    )

    def to_bytes(self) -> bytes:
        """Compact UTF-8 JSON in structured mode; absent optional attributes are omitted, not null."""
        # exclude_none applies to the envelope's own attributes only; None values inside ``data`` are kept.
        return self.model_dump_json(exclude_none=True).encode("utf-8")

    @classmethod
    def from_bytes(cls, raw: bytes) -> CloudEvent:
        """Parse one structured-mode event, or raise ``InvalidEventError`` with a reason and a code.

        Parsed and validated in one pass from the bytes (pydantic's own JSON parser, no ``json.loads`` and no
        intermediate document of the envelope). What that parser would accept where ``json.loads`` refuses is kept
        off it (``NaN`` and ``Infinity``; text that is no UTF-8), and any record it does not accept goes the way of
        ``json.loads`` and ``model_validate`` (``_parsed``), which says what is wrong in its words: every event and
        every refusal is the same as by that way alone (``tests/unit/schemas/test_envelope_from_bytes.py``).
        """
        if pydantic_json_agrees(raw):
            try:
                return cls.model_validate_json(raw)
            except ValidationError:
                pass  # not JSON, a lone surrogate, not a valid event: told by the path below, as before
        return cls._parsed(raw)

    @classmethod
    def _parsed(cls, raw: bytes) -> CloudEvent:
        """``from_bytes`` by ``json.loads`` and ``model_validate``: the reference, and the reasons of refusals."""
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidEventError(f"not UTF-8: {exc.reason} at byte {exc.start}", "undecodable") from exc
        try:
            doc = json.loads(text, parse_constant=_reject_constant)
        except ValueError as exc:
            raise InvalidEventError(f"not a JSON document: {exc}", "malformed_json") from exc
        if isinstance(doc, list):
            raise InvalidEventError(
                "a CloudEvents batch (JSON array) is not accepted; send one event per message",
                "malformed_json",
            )
        if not isinstance(doc, dict):
            raise InvalidEventError(f"a CloudEvent must be a JSON object, got {type(doc).__name__}", "malformed_json")
        if "data_base64" in doc:
            raise InvalidEventError(
                "binary data (data_base64) is not accepted; hub events carry a JSON object", "undecodable"
            )
        try:
            return cls.model_validate(doc)
        except ValidationError as exc:
            raise InvalidEventError(f"not a valid hub CloudEvent: {validation_reason(exc)}", "undecodable") from exc


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")
