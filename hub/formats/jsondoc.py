"""Decoding JSON documents and records with the dead-letter reason codes the rest of the hub uses."""

from __future__ import annotations

import json
from typing import Any

from hub.errors import InvalidEventError

#: A single JSON record (one NDJSON line, one webhook call) larger than this is refused before parsing.
MAX_RECORD_BYTES = 1_048_576


def decode_json(raw: bytes, limit: int = MAX_RECORD_BYTES) -> Any:
    """Bytes to a JSON value, or InvalidEventError with the reason class (size, encoding, syntax)."""
    if len(raw) > limit:
        raise InvalidEventError(f"record is {len(raw)} bytes, limit is {limit}", "too_large")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidEventError(f"not UTF-8: {exc.reason} at byte {exc.start}", "undecodable") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidEventError(
            f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", "malformed_json"
        ) from exc
    except RecursionError as exc:
        raise InvalidEventError("not JSON the hub can read: nested too deeply", "malformed_json") from exc


def decode_json_object(raw: bytes, limit: int = MAX_RECORD_BYTES) -> dict[str, Any]:
    """Bytes to a JSON object; anything else (an array, a string) is ``malformed_json``."""
    obj = decode_json(raw, limit)
    if not isinstance(obj, dict):
        raise InvalidEventError(f"expected a JSON object, got {type(obj).__name__}", "malformed_json")
    return obj


def json_objects(document: bytes, what: str, limit: int) -> list[tuple[bytes, Any]]:
    """A webhook body holding one JSON object or an array of them, as (bytes of that object, object) pairs.

    An array's items are re-encoded compactly so each becomes a record on its own; a lone object keeps its bytes.
    Items that are not objects are passed on too: the format's mapping refuses them with a reason.
    """
    doc = decode_json(document, limit)
    if isinstance(doc, dict):
        return [(document, doc)]
    if isinstance(doc, list):
        return [(json.dumps(o, ensure_ascii=False, separators=(",", ":")).encode(), o) for o in doc]
    raise InvalidEventError(f"{what} is a JSON object or an array of them, got {type(doc).__name__}", "malformed_json")
