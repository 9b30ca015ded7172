"""Incoming CloudEvents 1.0 from other systems, in structured JSON mode, one event or a batch.

An event whose ``type`` is a hub canonical type and whose ``data`` validates becomes that canonical event, under
the sender's ``source`` and ``id`` (so its hub event id is stable, and equals what the hub gives the same record
from the replay format). A well-formed event of another type is ``unsupported``; a broken one says what is broken.
"""

from __future__ import annotations

import binascii
import re
from datetime import datetime
from typing import Any, Final

from hub.errors import InvalidEventError
from hub.formats.base import MAX_DOCUMENT_BYTES, CanonicalRecord, SourceRecord, canonical, check_size
from hub.formats.jsondoc import compact, decode_json, refuse_description
from hub.schemas import KINDS, kind_for_type
from hub.schemas.common import parser_message
from hub.topology import CANONICAL_KINDS, raw_topic

BATCH_CONTENT_TYPE: Final = "application/cloudevents-batch+json"
EVENT_CONTENT_TYPE: Final = "application/cloudevents+json"
SPEC_VERSION: Final = "1.0"
#: Types taken from outside: the canonical kinds. Alerts are hub types too, but only the router makes them.
_ACCEPTED_TYPES: Final = frozenset(kind.ce_type for kind in KINDS.values() if kind.name in CANONICAL_KINDS)
_HUB_TYPES: Final = frozenset(kind.ce_type for kind in KINDS.values())
_ATTRIBUTE_NAME = re.compile(r"^[a-z0-9]+$")
_RFC3339 = re.compile(
    r"^(?P<main>\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2})(?:\.(?P<frac>\d+))?(?P<offset>[Zz]|[+-]\d{2}:\d{2})$"
)
_INT32 = range(-(2**31), 2**31)
_MAX_ATTRIBUTE = 1024  # hub.schemas.envelope: id, source and type are at most this long
_STRING_ATTRIBUTES = ("id", "source", "type", "datacontenttype", "dataschema", "subject", "time")


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _not_an_event(doc: dict[str, Any]) -> str | None:
    """Why a JSON object is no CloudEvent in the JSON format at all, or None when it claims to be one."""
    if "specversion" in doc:
        return None
    if "specVersion" in doc:
        return "a CloudEvent in the protobuf JSON mapping (specVersion, attributes), not the JSON event format"
    return (
        "not a CloudEvent in structured mode: no specversion attribute (binary-mode events keep their attributes "
        "in headers, which the hub does not take)"
    )


def _record(doc: Any, value: bytes, position: int) -> SourceRecord:
    """A record named ``source|id`` when both are strings, else by its position (the normaliser says why)."""
    if isinstance(doc, dict) and isinstance(doc.get("source"), str) and isinstance(doc.get("id"), str):
        record_id = f"{doc['source']}|{doc['id']}"
        return SourceRecord(record_id, "", doc["id"].encode("utf-8"), value)
    return SourceRecord(f"item-{position}", "", b"", value)


def split_events(document: bytes, content_type: str | None = None) -> list[SourceRecord]:
    """One record per event of a structured-mode document; a batch may be empty."""
    check_size(document)
    if document.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        raise InvalidEventError(
            "not JSON: an XML document (the CloudEvents XML format is not taken; send structured-mode JSON)",
            "malformed_json",
        )
    doc = decode_json(document, MAX_DOCUMENT_BYTES)
    media = _media_type(content_type)
    if media == BATCH_CONTENT_TYPE and not isinstance(doc, list):
        raise InvalidEventError(f"{BATCH_CONTENT_TYPE} must be a JSON array of events", "malformed_json")
    if media == EVENT_CONTENT_TYPE and not isinstance(doc, dict):
        raise InvalidEventError(f"{EVENT_CONTENT_TYPE} must be one JSON object", "malformed_json")
    if isinstance(doc, list):
        # Items travel one by one; a broken item is dead-lettered by the normaliser, the others go on.
        return [_record(item, compact(item), n) for n, item in enumerate(doc, start=1)]
    if not isinstance(doc, dict):
        raise InvalidEventError(
            f"expected a JSON object or array of events, got {type(doc).__name__}", "malformed_json"
        )
    refuse_description(doc, "a CloudEvent")
    why = _not_an_event(doc)
    if why is not None:
        raise InvalidEventError(why, "undecodable")
    return [_record(doc, document, 1)]


def _check_extension(name: str, value: Any) -> None:
    if isinstance(value, bool | str):
        return
    if isinstance(value, int):
        if value not in _INT32:
            raise InvalidEventError(f"attribute {name!r}: integer out of the CloudEvents 32-bit range", "undecodable")
        return
    kind = (
        "a non-integer number" if isinstance(value, float) else "an array" if isinstance(value, list) else "an object"
    )
    raise InvalidEventError(
        f"attribute {name!r} is {kind}; attribute values are strings, integers or booleans", "undecodable"
    )


def parse_time(value: str) -> datetime:
    """An RFC 3339 timestamp (offset required) as an aware datetime; fractions beyond microseconds are cut."""
    match = _RFC3339.match(value)
    if match is None:
        raise InvalidEventError("attribute 'time' is not an RFC 3339 timestamp with offset", "undecodable")
    frac = f".{match['frac'][:6]}" if match["frac"] else ""
    try:
        return datetime.fromisoformat(match["main"].upper() + frac + match["offset"].upper())
    except ValueError as exc:
        raise InvalidEventError(
            f"attribute 'time' is not a valid timestamp: {parser_message(str(exc))}", "undecodable"
        ) from exc


def check_envelope(doc: dict[str, Any]) -> dict[str, Any]:
    """The attributes of a CloudEvents 1.0 JSON event, nulls removed; InvalidEventError naming what is broken."""
    refuse_description(doc, "a CloudEvent")
    why = _not_an_event(doc)
    if why is not None:
        raise InvalidEventError(why, "undecodable")
    # The JSON format: an attribute whose value is null is treated as absent.
    attrs = {name: value for name, value in doc.items() if value is not None}
    _check_version_and_names(attrs)
    _check_context(attrs)
    _check_data(attrs)
    if "time" in attrs:
        parse_time(attrs["time"])
    return attrs


#: CloudEvents versions ever published: a reason may name them (they are not input in the personal-data sense).
_PUBLISHED_VERSIONS = frozenset({"0.1", "0.2", "0.3", "1.0"})


def _check_version_and_names(attrs: dict[str, Any]) -> None:
    version = attrs.get("specversion")
    if version != SPEC_VERSION:
        # A published version is a known enumeration and worth naming; anything else is input, not repeated.
        published = isinstance(version, str) and version in _PUBLISHED_VERSIONS
        which = f"specversion {version!r}" if published else "specversion"
        raise InvalidEventError(f"{which} is not supported; the hub takes CloudEvents {SPEC_VERSION}", "unsupported")
    bad_names = sorted(n for n in attrs if n not in ("data", "data_base64") and not _ATTRIBUTE_NAME.match(n))
    if bad_names:
        # The names are input (a key can hold anything): the reason counts them.
        raise InvalidEventError(
            f"{len(bad_names)} attribute name(s) not allowed: CloudEvents attribute names use only a-z and 0-9",
            "undecodable",
        )


def _check_context(attrs: dict[str, Any]) -> None:
    """The required attributes, the string ones, and the extensions."""
    missing = [n for n in ("id", "source", "type") if not attrs.get(n)]
    if missing:
        raise InvalidEventError(f"required attribute(s) missing or empty: {', '.join(missing)}", "undecodable")
    for name in _STRING_ATTRIBUTES:
        if name in attrs and not isinstance(attrs[name], str):
            raise InvalidEventError(f"attribute {name!r} must be a string", "undecodable")
    for name in ("id", "source", "type"):
        if len(attrs[name]) > _MAX_ATTRIBUTE:
            raise InvalidEventError(f"attribute {name!r} is longer than {_MAX_ATTRIBUTE} characters", "undecodable")
    if re.search(r"\s", attrs["source"]):
        raise InvalidEventError("attribute 'source' is no URI-reference: it contains whitespace", "undecodable")
    for name, value in attrs.items():
        if name not in _STRING_ATTRIBUTES and name not in ("specversion", "data", "data_base64"):
            _check_extension(name, value)


def _check_data(attrs: dict[str, Any]) -> None:
    if "data" in attrs and "data_base64" in attrs:
        raise InvalidEventError("an event carries either data or data_base64, not both", "undecodable")
    if "data_base64" in attrs:
        encoded = attrs["data_base64"]
        try:
            binascii.a2b_base64(encoded.encode("ascii") if isinstance(encoded, str) else b"\x00", strict_mode=True)
        except (binascii.Error, UnicodeEncodeError, ValueError):
            raise InvalidEventError("data_base64 is not valid base64", "undecodable") from None


def map_event(raw: bytes) -> list[CanonicalRecord]:
    """One incoming event to its canonical event; see the module docstring for what is refused and why."""
    doc = decode_json(raw)
    if not isinstance(doc, dict):
        raise InvalidEventError(f"expected a JSON object, got {type(doc).__name__}", "malformed_json")
    attrs = check_envelope(doc)
    ce_type: str = attrs["type"]
    if ce_type not in _ACCEPTED_TYPES:
        if ce_type in _HUB_TYPES:
            raise InvalidEventError(
                f"{ce_type} events are made by the hub itself, not taken from outside", "unsupported"
            )
        raise InvalidEventError(
            f"event type is not a hub canonical type (taken: {', '.join(sorted(_ACCEPTED_TYPES))})",
            "unsupported",
        )
    kind = kind_for_type(ce_type)
    if "hubrecipient" in attrs:
        # A share event is pseudonymised for one recipient; as canonical input it would mix pseudonyms into canon.
        raise InvalidEventError("a shared hub event (hubrecipient set) is not taken as canonical input", "unsupported")
    if attrs.get("hubkind", kind.name) != kind.name:
        raise InvalidEventError(f"hubkind does not match type {ce_type} (it must be {kind.name})", "undecodable")
    if "time" not in attrs:
        raise InvalidEventError(f"{kind.name} events need the attribute 'time'", "schema_violation")
    media = _media_type(attrs.get("datacontenttype")) or "application/json"
    if "data_base64" in attrs or not (media == "application/json" or media.endswith("+json")):
        raise InvalidEventError(
            f"{kind.name} events carry their payload as JSON data (datacontenttype application/json)", "unsupported"
        )
    data = attrs.get("data")
    if not isinstance(data, dict):
        raise InvalidEventError(f"{kind.name} events need data as a JSON object", "schema_violation")
    payload = kind.parse(data)
    # A hub event forwarded back keeps its hubsourceid, so it maps to the very same event id as the original.
    forwarded = attrs.get("hubsourceid")
    source_record_id: str = attrs["id"]
    if isinstance(forwarded, str) and 0 < len(forwarded) <= _MAX_ATTRIBUTE:
        source_record_id = forwarded
    return [
        canonical(payload, source=attrs["source"], source_record_id=source_record_id, time=parse_time(attrs["time"]))
    ]


class CloudEventsFormat:
    """CloudEvents 1.0 in structured JSON mode (``raw.ext.cloudevents``, key = event id) to canonical events."""

    name = "cloudevents"
    raw_topic = raw_topic("ext", "cloudevents")

    def split(self, document: bytes, content_type: str | None = None) -> list[SourceRecord]:
        return split_events(document, content_type)

    def to_canonical(self, record: bytes) -> list[CanonicalRecord]:
        return map_event(record)
