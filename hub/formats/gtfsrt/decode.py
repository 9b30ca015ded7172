"""Decoding a GTFS-Realtime document into FeedMessages: binary protobuf, protojson (one object, or NDJSON with one
per line) and protobuf text format, told apart by content type or by sniffing; each message's header is checked.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from google.protobuf import json_format, text_format
from google.protobuf.message import DecodeError
from google.transit.gtfs_realtime_pb2 import FeedMessage

from hub.errors import InvalidEventError
from hub.formats.base import check_size
from hub.formats.jsondoc import loads, refuse_description
from hub.schemas.common import parser_message

__all__ = ["Snapshot", "Syntax", "decode_feed", "decode_snapshots", "posix_time", "syntax_of"]

Syntax = Literal["binary", "json", "ndjson", "text"]

_PROTOBUF_TYPES = frozenset(
    {
        "application/x-protobuf",
        "application/protobuf",
        "application/vnd.google.protobuf",
        "application/x-google-protobuf",
    }
)
_NDJSON_TYPES = frozenset({"application/x-ndjson", "application/ndjson", "application/jsonl", "application/json-seq"})
# Text never holds C0 controls other than tab, LF and CR; binary protobuf nearly always does (tags 0x08, 0x10,
# 0x12, 0x1a, string lengths), which is what tells the two apart.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MAX_PARSER_MESSAGE = 300

# A feed time outside this window is a producer bug (milliseconds instead of seconds, an unset clock), not a time.
_EARLIEST = 946_684_800  # 2000-01-01T00:00:00Z
_LATEST = 4_102_444_800  # 2100-01-01T00:00:00Z


def posix_time(seconds: int, field: str) -> datetime:
    """A GTFS-RT POSIX time (seconds) as an aware UTC datetime; ``schema_violation`` naming ``field`` if implausible."""
    if seconds >= _LATEST:
        hint = "; it looks like milliseconds" if seconds >= 10**11 else ""
        raise InvalidEventError(
            f"{field}: {seconds} is not a POSIX time in seconds before 2100{hint}", "schema_violation"
        )
    if seconds < _EARLIEST:
        raise InvalidEventError(f"{field}: {seconds} is before 2000-01-01, not a plausible time", "schema_violation")
    return datetime.fromtimestamp(seconds, tz=UTC)


def syntax_of(document: bytes, content_type: str | None) -> Syntax:
    """Which syntax ``document`` is in: the content type decides when it names one, else the bytes do."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media in _NDJSON_TYPES:
        return "ndjson"
    if media == "application/json" or media.endswith("+json"):
        return "json"
    if media in _PROTOBUF_TYPES:
        return "binary"
    return _sniff(document)


def _sniff(document: bytes) -> Syntax:
    try:
        text = document.decode("utf-8-sig")
    except UnicodeDecodeError:
        return "binary"
    if _CONTROL.search(text):
        return "binary"
    return "json" if text.lstrip()[:1] in ("{", "[") else "text"


def _clip(message: str) -> str:
    # What the parser quotes is input: parser_message masks it.
    return parser_message(message, _MAX_PARSER_MESSAGE)


def _binary(document: bytes) -> FeedMessage:
    try:
        return FeedMessage.FromString(document)
    except DecodeError as exc:
        looks, frame = _sniff(document), _frame_length(document)
        hint = ""
        if looks != "binary":
            hint = f"; the body looks like {'JSON' if looks == 'json' else 'text'}"
        elif frame is not None:
            hint = (
                f"; it looks like a stream of length-prefixed FeedMessages (first frame {frame} bytes), "
                "and the hub expects one FeedMessage per document"
            )
        raise InvalidEventError(
            f"not a binary GTFS-RT FeedMessage: {_clip(str(exc))}{hint}", "malformed_protobuf"
        ) from exc


def _frame_length(document: bytes) -> int | None:
    """The first frame's length if ``document`` starts like varint-delimited FeedMessages, else None."""
    length, shift, pos = 0, 0, 0
    while pos < min(len(document), 5):
        byte = document[pos]
        length |= (byte & 0x7F) << shift
        pos += 1
        if not byte & 0x80:
            break
        shift += 7
    if not 0 < length <= len(document) - pos:
        return None
    try:
        frame = FeedMessage.FromString(document[pos : pos + length])
    except DecodeError:
        return None
    return length if frame.HasField("header") else None


def _json_object(obj: Any, where: str) -> FeedMessage:
    if not isinstance(obj, dict):
        raise InvalidEventError(
            f"{where}expected a JSON object (a FeedMessage), got {type(obj).__name__}", "malformed_json"
        )
    refuse_description(obj, "a GTFS-RT FeedMessage")
    message = FeedMessage()
    try:
        # Parse accepts proto field names (snake_case) and JSON names (lowerCamelCase), enums as names or numbers,
        # 64-bit integers as numbers or strings, and null as "absent": every protojson dialect seen in real feeds.
        json_format.ParseDict(obj, message, ignore_unknown_fields=True)
    except (json_format.ParseError, ValueError, TypeError, OverflowError) as exc:  # OverflowError: 1e999 as int
        raise InvalidEventError(
            f"{where}not a GTFS-RT FeedMessage in JSON: {_clip(str(exc))}", "malformed_json"
        ) from exc
    return message


@dataclass(frozen=True)
class Snapshot:
    """One feed snapshot of a document: its ``message``; or, for a line of an NDJSON stream that is none, ``error``
    says why. ``line`` holds the line's bytes (empty for a whole document)."""

    message: FeedMessage | None
    line: bytes = b""
    error: InvalidEventError | None = None


def _utf8(raw: bytes, where: str = "") -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidEventError(f"{where}not UTF-8: {exc.reason} at byte {exc.start}", "undecodable") from exc


def _json(document: bytes, ndjson: bool) -> list[Snapshot]:
    if not ndjson:
        text = _utf8(document)
        try:
            return [Snapshot(_json_object(loads(text), ""))]
        except InvalidEventError as exc:
            # Objects one per line: an NDJSON stream of feed snapshots sent without its content type. Anything else
            # (a pretty-printed object with trailing bytes) is reported as the one broken document it is.
            cause = exc.__cause__
            extra = isinstance(cause, json.JSONDecodeError) and cause.msg == "Extra data"
            if not extra or not _is_json_object(text.lstrip().split("\n", 1)[0]):
                raise
    return _ndjson(document)


def _ndjson(document: bytes) -> list[Snapshot]:
    """One snapshot per non-blank line; a broken line is a snapshot of its own, unless no line is usable at all."""
    snapshots: list[Snapshot] = []
    # Split on LF only: JSON strings may hold U+2028 and other characters str.splitlines() would cut at.
    for number, line in enumerate(document.removeprefix(b"\xef\xbb\xbf").split(b"\n"), start=1):
        if not line.strip():
            continue
        where = f"line {number}: "
        line = line.removesuffix(b"\r")
        try:
            message = _json_object(loads(_utf8(line, where), where), where)
            _check_header(message, "ndjson", where)
        except InvalidEventError as exc:
            snapshots.append(Snapshot(None, line, exc))
        else:
            snapshots.append(Snapshot(message, line))
    errors = [s.error for s in snapshots if s.error is not None]
    if len(errors) == len(snapshots):
        # No line is a feed snapshot (an error page sent as NDJSON): one document refused, not a letter per line.
        raise errors[0]
    return snapshots


def _is_json_object(line: str) -> bool:
    try:
        return isinstance(loads(line), dict)
    except InvalidEventError:
        return False


def _text(document: bytes) -> FeedMessage:
    message = FeedMessage()
    try:
        text_format.Parse(document.decode("utf-8-sig"), message)
    except text_format.ParseError as exc:
        raise InvalidEventError(
            "not a GTFS-RT FeedMessage: the body is text but neither JSON nor protobuf text format "
            f"({_clip(str(exc))})",
            "malformed_protobuf",
        ) from exc
    return message


def _code(syntax: Syntax) -> Literal["malformed_json", "malformed_protobuf"]:
    return "malformed_json" if syntax in ("json", "ndjson") else "malformed_protobuf"


def _check_header(message: FeedMessage, syntax: Syntax, where: str) -> None:
    code = _code(syntax)
    if not message.HasField("header"):
        raise InvalidEventError(f"{where}not a GTFS-RT FeedMessage: the required header is missing", code)
    if not message.header.HasField("gtfs_realtime_version"):
        raise InvalidEventError(f"{where}header.gtfs_realtime_version is missing (required)", code)
    if message.header.timestamp:
        # Checked here, for the whole document: it versions every entity without a timestamp of its own.
        try:
            posix_time(message.header.timestamp, "header.timestamp")
        except InvalidEventError as exc:
            raise InvalidEventError(f"{where}{exc.reason}", exc.code) from None


def decode_snapshots(document: bytes, content_type: str | None = None) -> list[Snapshot]:
    """The feed snapshots of one document: one FeedMessage, or one per line of an NDJSON stream.

    A broken line of a stream is a snapshot of its own, holding the line and the reason, so it costs only itself;
    a document that is no FeedMessage at all (or a stream of which no line is usable) raises ``InvalidEventError``.
    """
    check_size(document)
    syntax = syntax_of(document, content_type)
    if not document.strip():
        raise InvalidEventError("empty document, expected a GTFS-RT FeedMessage", _code(syntax))
    if syntax == "binary":
        snapshots = [Snapshot(_binary(document))]
    elif syntax == "text":
        snapshots = [Snapshot(_text(document))]
    else:
        snapshots = _json(document, ndjson=syntax == "ndjson")
    if len(snapshots) == 1 and snapshots[0].message is not None and not snapshots[0].line:
        _check_header(snapshots[0].message, syntax, "")  # the lines of a stream were checked one by one
    return snapshots


def decode_feed(document: bytes, content_type: str | None = None) -> list[FeedMessage]:
    """The FeedMessages of one document (several only for NDJSON); ``InvalidEventError`` if it is not one, or for
    the first broken line of a stream."""
    messages = []
    for snapshot in decode_snapshots(document, content_type):
        if snapshot.error is not None:
            raise snapshot.error
        assert snapshot.message is not None  # a snapshot holds a message or an error
        messages.append(snapshot.message)
    return messages
