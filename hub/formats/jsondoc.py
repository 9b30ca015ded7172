"""Decoding JSON documents and records with the dead-letter reason codes the rest of the hub uses.

Every JSON format reads through ``loads`` here, so what Python's decoder does beyond JSON syntax is mapped in one
place: nesting past the recursion limit and integers past Python's digit limit (``malformed_json``), and strings
holding a lone surrogate (``undecodable``: valid JSON escapes, but no UTF-8 text can carry them, so no topic,
header or database could).
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from hub.errors import InvalidEventError

#: A single JSON record (one NDJSON line, one webhook call) larger than this is refused before parsing.
MAX_RECORD_BYTES = 1_048_576

# A lone surrogate can only come from a \uD800-\uDFFF escape (UTF-8 decoding refuses encoded ones), so text without
# such an escape needs no further look; text with one (a valid pair, usually) has its strings checked.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def loads(text: str, where: str = "") -> Any:
    """A JSON text to its value, or InvalidEventError naming what the hub cannot read; ``where`` prefixes the
    reason (e.g. ``"line 3: "``)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidEventError(
            f"{where}not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", "malformed_json"
        ) from exc
    except RecursionError as exc:
        raise InvalidEventError(f"{where}not JSON the hub can read: nested too deeply", "malformed_json") from exc
    except ValueError as exc:
        # The decoder's only other ValueError: int() refusing a number of more digits than the interpreter allows.
        raise InvalidEventError(
            f"{where}not JSON the hub can read: an integer of more than {sys.get_int_max_str_digits()} digits",
            "malformed_json",
        ) from exc
    if _SURROGATE_ESCAPE.search(text) and _has_lone_surrogate(value):
        raise InvalidEventError(
            f"{where}not text the hub can carry: a string holds a lone UTF-16 surrogate escape (\\ud800-\\udfff)",
            "undecodable",
        )
    return value


def _has_lone_surrogate(value: Any) -> bool:
    """Whether any string (key or value) in ``value`` holds a surrogate; iterative, as the value may be deep."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def description_of(value: Any) -> str | None:
    """What a JSON document that describes documents instead of being one is ("a JSON Schema", "an Avro schema",
    "an OpenAPI description"), or None. Such files sit beside samples in every standard's repository and get sent
    by mistake; their refusal should say what they are, not which field of a record they lack."""
    if not isinstance(value, dict):
        return None
    schema = value.get("$schema")
    if isinstance(schema, str) or (value.get("type") == "object" and isinstance(value.get("properties"), dict)):
        return "a JSON Schema"
    if value.get("type") == "record" and isinstance(value.get("fields"), list):
        return "an Avro schema"
    if isinstance(value.get("openapi"), str) or isinstance(value.get("swagger"), str):
        return "an OpenAPI description"
    return None


def refuse_description(value: Any, expected: str) -> None:
    """``malformed_json`` naming what ``value`` is when ``description_of`` knows it: JSON, but not the expected
    document (as an XML Schema is ``malformed_xml`` for an XML format)."""
    found = description_of(value)
    if found is not None:
        raise InvalidEventError(f"{found}, not {expected}: it describes documents but is none", "malformed_json")


def decode_json(raw: bytes, limit: int = MAX_RECORD_BYTES) -> Any:
    """Bytes to a JSON value, or InvalidEventError with the reason class (size, encoding, syntax, limits); a
    leading UTF-8 byte-order mark is skipped."""
    if len(raw) > limit:
        raise InvalidEventError(f"record is {len(raw)} bytes, limit is {limit}", "too_large")
    try:
        # A byte-order mark before the JSON is no content (RFC 8259 § 8.1 lets a parser ignore it); Windows tools
        # write one. Every JSON format decodes here, so all accept it alike.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidEventError(f"not UTF-8: {exc.reason} at byte {exc.start}", "undecodable") from exc
    return loads(text)


def decode_json_object(raw: bytes, limit: int = MAX_RECORD_BYTES) -> dict[str, Any]:
    """Bytes to a JSON object; anything else (an array, a string) is ``malformed_json``."""
    obj = decode_json(raw, limit)
    if not isinstance(obj, dict):
        raise InvalidEventError(f"expected a JSON object, got {type(obj).__name__}", "malformed_json")
    return obj


def compact(value: Any) -> bytes:
    """``value`` (from ``loads``) as compact UTF-8 JSON: one item of a document, re-encoded as a record of its own."""
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except RecursionError as exc:
        # Read at one stack depth, written at a deeper one: an item just under the reader's limit can be over here.
        raise InvalidEventError("not JSON the hub can re-encode: nested too deeply", "malformed_json") from exc


def json_objects(document: bytes, what: str, limit: int) -> list[tuple[bytes, Any]]:
    """A webhook body holding one JSON object or an array of them, as (bytes of that object, object) pairs.

    An array's items are re-encoded compactly so each becomes a record on its own; a lone object keeps its bytes.
    Items that are not objects are passed on too: the format's mapping refuses them with a reason.
    """
    doc = decode_json(document, limit)
    refuse_description(doc, what)
    if isinstance(doc, dict):
        return [(document, doc)]
    if isinstance(doc, list):
        return [(compact(o), o) for o in doc]
    raise InvalidEventError(f"{what} is a JSON object or an array of them, got {type(doc).__name__}", "malformed_json")
