"""The NDJSON replay format: one canonical payload per line, with the source's id and time for it.

``{"kind": "incident", "source": "/polizei/els", "id": "E-1", "time": "2026-11-20T22:00:07+00:00", "data": {...}}``
Used by the demo, the tests, back-fills and any system that can already speak the canonical model. A line may carry
a ``version`` (the source's revision of the record); without one its version is a digest of the line, so a line that
changes (a concert moved from 19:00 to 20:00) is a new version and goes on, and the same line sent again does not.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from pydantic import AwareDatetime, ConfigDict, Field, ValidationError

from hub.errors import InvalidEventError
from hub.formats.base import MAX_DOCUMENT_BYTES, CanonicalRecord, SourceRecord, canonical, content_id, unnamed_record
from hub.formats.jsondoc import MAX_RECORD_BYTES, decode_json, decode_json_object, refuse_description
from hub.schemas import KINDS
from hub.schemas.common import StorableStrings, pydantic_json_agrees, validation_reason
from hub.topology import CANONICAL_KINDS, raw_topic


class ReplayRecord(StorableStrings):
    """One line of an NDJSON replay file."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    _checked_elsewhere = frozenset({"data"})  # by the kind's payload model

    kind: str = Field(description="canonical kind, e.g. 'incident'")
    # No whitespace, like the envelope's source attribute (a URI-reference) that it becomes.
    source: str = Field(
        min_length=1, max_length=200, pattern=r"^\S+$", description="the source system, e.g. '/polizei/els'"
    )
    id: str = Field(min_length=1, max_length=200, description="the source system's id of this record")
    version: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="the source's revision of the record (e.g. an update time or sequence number); default: a "
        "digest of the line",
    )
    time: AwareDatetime = Field(description="when the source recorded it (ISO 8601 with offset)")
    data: dict[str, Any] = Field(description="the canonical payload of the kind")


def map_replay_record(raw: bytes) -> list[CanonicalRecord]:
    """Map one NDJSON replay line to its canonical event.

    The line is parsed and validated in one pass from its bytes (pydantic's JSON parser) where that parser reads it
    as ``json.loads`` does (``_fast_parse_admits``); a line it refuses, or one kept off it, goes the way of
    ``decode_json_object`` and ``model_validate`` (``_parsed``), which says what is wrong: the same records and the
    same refusals as that way alone (``tests/unit/formats/test_replay_fast_parse.py``), without a ``json.loads``
    and a second validation per line (issue 13)."""
    record = _fast_parsed(raw) if _fast_parse_admits(raw) else None
    if record is None:  # refused or kept off pydantic's parser: told in the words of the other way
        record = _parsed(raw)
    kind = KINDS.get(record.kind)
    if kind is None or kind.name not in CANONICAL_KINDS:
        known = ", ".join(CANONICAL_KINDS)
        raise InvalidEventError(f"kind: not a kind the hub knows (known: {known})", "unknown_kind")
    try:
        payload = kind.model.model_validate(record.data)
    except ValidationError as exc:
        raise InvalidEventError(validation_reason(exc, "data"), "schema_violation") from exc
    return [canonical(payload, source=record.source, source_record_id=record.id, time=record.time)]


def _fast_parsed(raw: bytes) -> ReplayRecord | None:
    """The line by pydantic's JSON parser, None when it refuses it (for whatever reason)."""
    try:
        return ReplayRecord.model_validate_json(raw)
    except ValidationError:
        return None


def _parsed(raw: bytes) -> ReplayRecord:
    """The line by ``decode_json_object`` and ``model_validate``: the reference, and the reasons of refusals."""
    obj = decode_json_object(raw)
    try:
        return ReplayRecord.model_validate(obj)
    except ValidationError as exc:
        raise InvalidEventError(validation_reason(exc), "schema_violation") from exc


_BOM = b"\xef\xbb\xbf"
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _fast_parse_admits(raw: bytes) -> bool:
    """Whether pydantic's JSON parser may read ``raw``: where it accepts a line, the other way must too, with the
    same values. Kept off it, whatever that parser would do with them (pydantic 2.x refuses most of them itself; a
    refusal goes the other way anyway): a line over the record limit, or longer than an integer may have digits
    (``json.loads`` refuses longer integers); a byte-order mark (skipped the other way); ``NaN`` and ``Infinity``
    anywhere (in a string too: cheaper than knowing where); a surrogate escape (the other way refuses a lone one as
    undecodable); text that is no UTF-8."""
    size = len(raw)
    digits = sys.get_int_max_str_digits()
    if size > MAX_RECORD_BYTES or (digits and size > digits) or raw.startswith(_BOM):
        return False
    return not _SURROGATE_ESCAPE.search(raw) and pydantic_json_agrees(raw)


def identity_of(line: bytes) -> tuple[str | None, str]:
    """The ``id`` of a JSON line (None when the line is not an object with a string id) and its version: its
    ``version`` when that is a non-empty string, else a digest of the line."""
    try:
        obj = decode_json_object(line)
    except InvalidEventError:
        return None, content_id(line)
    ident, version = obj.get("id"), obj.get("version")
    return (ident if isinstance(ident, str) else None), (
        version if isinstance(version, str) and version else content_id(line)
    )


def _refuse_pretty_description(document: bytes) -> None:
    """``malformed_json`` naming a JSON Schema (or the like) sent as a replay file: pretty-printed over many lines,
    each line would otherwise be refused as "not JSON", which it is."""
    first = next((line for line in document.splitlines() if line.strip()), b"")
    try:
        decode_json(first)
        return  # the first line is JSON on its own: NDJSON, whatever the lines hold
    except InvalidEventError:
        pass
    try:
        whole = decode_json(document, MAX_DOCUMENT_BYTES)
    except InvalidEventError:
        return  # not one JSON document either: each line gets its own reason
    refuse_description(whole, "NDJSON replay records")


class ReplayFormat:
    """NDJSON replay: a document is a file or body of lines; every non-blank line is one record, as it is."""

    name = "replay-ndjson"
    raw_topic = raw_topic("replay", "ndjson")

    def split(self, document: bytes, content_type: str | None = None) -> list[SourceRecord]:
        # A byte-order mark marks the file, not its first line: without it the first record's bytes, and so its
        # digest version, are the same as in the file written without one.
        document = document.removeprefix(b"\xef\xbb\xbf")
        _refuse_pretty_description(document)
        records = []
        for line in document.splitlines():
            if not line.strip():
                continue
            ident, version = identity_of(line)
            # Every line is a record of its own, read or not: a line that is no JSON object with an id (a huge
            # integer, a lone surrogate, a syntax error) is passed on under a digest of its bytes, so two different
            # bad lines never look like one record, and the normaliser dead-letters it with the reason.
            records.append(SourceRecord(ident, version, ident.encode(), line) if ident else unnamed_record(line))
        return records

    def to_canonical(self, record: bytes) -> list[CanonicalRecord]:
        return map_replay_record(record)
