"""Decoding a GTFS-Realtime document into FeedMessages: binary protobuf, protojson (one object, or NDJSON with one
per line) and protobuf text format, told apart by content type or by sniffing; each message's header is checked.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any, Literal

from google.protobuf import json_format, text_format
from google.protobuf.message import DecodeError
from google.transit.gtfs_realtime_pb2 import FeedMessage

from hub.errors import InvalidEventError
from hub.formats.base import check_size

__all__ = ["Syntax", "decode_feed", "posix_time", "syntax_of"]

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
    message = " ".join(message.split())
    return message if len(message) <= _MAX_PARSER_MESSAGE else message[: _MAX_PARSER_MESSAGE - 1] + "…"


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
    message = FeedMessage()
    try:
        # Parse accepts proto field names (snake_case) and JSON names (lowerCamelCase), enums as names or numbers,
        # 64-bit integers as numbers or strings, and null as "absent": every protojson dialect seen in real feeds.
        json_format.ParseDict(obj, message, ignore_unknown_fields=True)
    except (json_format.ParseError, ValueError, TypeError) as exc:
        raise InvalidEventError(
            f"{where}not a GTFS-RT FeedMessage in JSON: {_clip(str(exc))}", "malformed_json"
        ) from exc
    return message


def _load_json(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidEventError(
            f"{where}not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", "malformed_json"
        ) from exc
    except RecursionError as exc:
        raise InvalidEventError(f"{where}not JSON: nested too deeply", "malformed_json") from exc


def _json(document: bytes, ndjson: bool) -> list[FeedMessage]:
    try:
        text = document.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidEventError(f"not UTF-8: {exc.reason} at byte {exc.start}", "undecodable") from exc
    lines = [(number, line) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if not ndjson:
        try:
            return [_json_object(json.loads(text), "")]
        except json.JSONDecodeError as exc:
            # Objects one per line: an NDJSON stream of feed snapshots sent without its content type. Anything else
            # (a pretty-printed object with trailing bytes) is reported as the one broken document it is.
            if exc.msg != "Extra data" or not _is_json_object(lines[0][1]):
                raise InvalidEventError(
                    f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", "malformed_json"
                ) from exc
        except RecursionError as exc:
            raise InvalidEventError("not JSON: nested too deeply", "malformed_json") from exc
    # One bad line refuses the whole stream: each line is a whole feed snapshot, not one record of it.
    return [_json_object(_load_json(line, f"line {number}: "), f"line {number}: ") for number, line in lines]


def _is_json_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except (json.JSONDecodeError, RecursionError):
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


def decode_feed(document: bytes, content_type: str | None = None) -> list[FeedMessage]:
    """The FeedMessages of one document (several only for NDJSON); ``InvalidEventError`` if it is not one."""
    check_size(document)
    syntax = syntax_of(document, content_type)
    if not document.strip():
        raise InvalidEventError("empty document, expected a GTFS-RT FeedMessage", _code(syntax))
    if syntax == "binary":
        messages = [_binary(document)]
    elif syntax == "text":
        messages = [_text(document)]
    else:
        messages = _json(document, ndjson=syntax == "ndjson")
    for number, message in enumerate(messages, start=1):
        _check_header(message, syntax, f"line {number}: " if len(messages) > 1 else "")
    return messages
