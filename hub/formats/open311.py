"""Open311 GeoReport v2 service requests (the Ordnungsamt's citizen reports) as canonical incidents: ``open311``.

One record per ``request`` of a ``GET requests`` answer (XML or JSON); service lists, definitions, discovery
documents, POST/token answers and error answers are refused as ``unsupported`` with a reason saying which.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from xml.etree.ElementTree import Element, tostring

from pydantic import TypeAdapter, ValidationError

from hub.errors import ConfigError, InvalidEventError
from hub.formats.base import MAX_DOCUMENT_BYTES, CanonicalRecord, SourceRecord, canonical, check_size, unnamed_record
from hub.formats.jsondoc import MAX_RECORD_BYTES, compact, decode_json, decode_json_object, refuse_description
from hub.formats.xml import local_name, parse_xml
from hub.schemas.codes import TypeCode
from hub.schemas.common import validation_reason
from hub.schemas.incident import Confidentiality, Incident
from hub.topology import raw_topic

__all__ = [
    "DEFAULT_LEGAL_BASIS",
    "DEFAULT_SERVICE_TYPES",
    "Open311Format",
    "ServiceRule",
    "ServiceTypeTable",
]

DEFAULT_LEGAL_BASIS = "SOG LSA § 27"
_FIELDS = (
    "service_request_id",
    "token",
    "status",
    "service_name",
    "service_code",
    "description",
    "requested_datetime",
    "updated_datetime",
    "address",
    "lat",
    "long",
)
_XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"
_REQUEST_KEYS = frozenset({"service_request_id", "token", "requested_datetime", "status"})
_REPORT_KEYS = ("status", "service_code", "service_name", "requested_datetime")
_TYPE_CODE = TypeAdapter(TypeCode)
_NOT_REQUESTS = {
    "services": "service list",
    "service_definition": "service definition",
    "discovery": "discovery document",
}


@dataclass(frozen=True)
class ServiceRule:
    """Requests whose service code equals ``code``, or whose service name contains ``keyword`` (case-insensitive),
    get ``type_code`` and ``priority``."""

    type_code: str
    priority: int = 4
    code: str | None = None
    keyword: str | None = None


@dataclass(frozen=True)
class ServiceTypeTable:
    """Open311 services to hub type codes: first rule matching by code, else first matching by keyword, else
    ``fallback``. Checked when built, so a bad table stops start-up."""

    rules: Sequence[ServiceRule]
    fallback: ServiceRule = field(default_factory=lambda: ServiceRule("OTHER", 4))

    def __post_init__(self) -> None:
        for rule in (*self.rules, self.fallback):
            try:
                _TYPE_CODE.validate_python(rule.type_code)
            except ValidationError:
                raise ConfigError(f"Open311 service table: {rule.type_code!r} is not a type code") from None
            if not 1 <= rule.priority <= 5:
                raise ConfigError(f"Open311 service table: priority {rule.priority} of {rule.type_code} is not 1..5")
        for rule in self.rules:
            if (rule.code is None) == (rule.keyword is None):
                raise ConfigError(f"Open311 service table: a rule for {rule.type_code} needs a code or a keyword")

    def rule_for(self, service_code: str | None, service_name: str | None) -> ServiceRule:
        for rule in self.rules:
            if rule.code is not None and rule.code == service_code:
                return rule
        name = (service_name or "").lower()
        for rule in self.rules:
            if rule.keyword is not None and rule.keyword.lower() in name:
                return rule
        return self.fallback


def _keywords(type_code: str, priority: int, *words: str) -> list[ServiceRule]:
    return [ServiceRule(type_code, priority, keyword=word) for word in words]


DEFAULT_SERVICE_TYPES = ServiceTypeTable(
    [
        # Unsafe places and lighting first: the city council asked for exactly these (DOMAIN.md).
        *_keywords("SAFETY/UNSAFE_PLACE", 3, "angstraum", "angstort", "unsicher", "unsafe"),
        *_keywords("TECHNICAL/LIGHTING", 4, "beleuchtung", "straßenlaterne", "laterne", "street light", "streetlight"),
        *_keywords("PUBLIC_ORDER/NUISANCE", 4, "lärm", "laerm", "ruhestörung", "noise"),
        *_keywords("CRIME/PROPERTY_DAMAGE", 4, "graffiti", "schmiererei", "vandalism"),
        *_keywords("PUBLIC_ORDER/LITTER", 5, "müll", "muell", "abfall", "dumping", "litter"),
    ]
)
"""Keyword rules for the usual services in German and English; a deployment adds ``code`` rules for its own
service list. Anything else is ``OTHER``."""


@dataclass(frozen=True)
class _Request:
    """The fields of one ``request`` the hub reads, as text (None when absent, empty or ``xsi:nil``)."""

    values: Mapping[str, str | None]

    def __getitem__(self, name: str) -> str | None:
        return self.values.get(name)

    @property
    def record_id(self) -> str | None:
        return self["service_request_id"] or self["token"]

    @property
    def version(self) -> str:
        raw = self["updated_datetime"] or self["requested_datetime"]
        return _utc_version(raw) if raw else ""

    @property
    def is_acknowledgement(self) -> bool:
        """A POST answer or token lookup: ids and tokens, none of what a report says."""
        return all(self[name] is None for name in _REPORT_KEYS)


def _utc_version(raw: str) -> str:
    """The time normalised to UTC (``...Z``) so versions compare as text for the connector's cursor; a time the
    hub cannot read stays as sent (its record is dead-lettered, and it never moves the cursor)."""
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        return raw
    if parsed.utcoffset() is None:
        return raw
    return parsed.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _request_from_xml(element: Element) -> _Request:
    values: dict[str, str | None] = {}
    for child in element:
        name = local_name(child)
        if name in _FIELDS and child.get(_XSI_NIL) != "true":
            text = (child.text or "").strip()
            values[name] = text or None
    return _Request(values)


def _request_from_json(obj: Mapping[str, Any]) -> _Request:
    values: dict[str, str | None] = {}
    for name in _FIELDS:
        value = obj.get(name)
        if value is None or isinstance(value, bool):
            values[name] = None
        elif isinstance(value, str | int | float):
            values[name] = str(value).strip() or None
        else:
            raise InvalidEventError(
                f"{name}: expected a string or number, got {type(value).__name__}", "schema_violation"
            )
    return _Request(values)


def _error_reason(errors: Sequence[tuple[str | None, str | None]]) -> str:
    # The server's own words: its error texts name the API call, not people (and are cut short).
    said = "; ".join(f"{code or '?'} {(text or '')[:160]}".strip() for code, text in errors) or "no details"
    return f"Open311 error response, no service requests: {said}"


def _split_xml(document: bytes) -> list[tuple[bytes, _Request | None]]:
    stripped = document.lstrip()
    if stripped.startswith(b"HTTP/"):
        line = stripped.split(b"\n", 1)[0].decode("ascii", "replace").split()
        status = line[1] if len(line) > 1 and line[1].isdigit() and len(line[1]) == 3 else "?"
        raise InvalidEventError(
            f"document starts with an HTTP status line (status {status}): "
            "the connector must pass the response body only",
            "malformed_xml",
        )
    root = parse_xml(document)
    name = local_name(root)
    if name == "service_requests":
        return [(_standalone(req), _request_from_xml(req)) for req in root if local_name(req) == "request"]
    if name in ("errors", "error"):
        items = [e for e in root if local_name(e) == "error"] if name == "errors" else [root]
        pairs = [(_child_text(e, "code"), _child_text(e, "description") or (e.text or "").strip()) for e in items]
        raise InvalidEventError(_error_reason(pairs), "unsupported")
    what = _NOT_REQUESTS.get(name)
    if what is not None:
        count = f" ({len(root)} services)" if name == "services" else ""
        raise InvalidEventError(f"an Open311 {what}{count}, not service requests", "unsupported")
    raise InvalidEventError(f"not an Open311 document: root element <{name}>", "malformed_xml")


def _child_text(element: Element, name: str) -> str | None:
    for child in element:
        if local_name(child) == name:
            return (child.text or "").strip() or None
    return None


def _standalone(element: Element) -> bytes:
    element.tail = None  # the whitespace after it belongs to the list
    value: bytes = tostring(element, encoding="utf-8")
    return value


def _json_kind(item: Any) -> str:
    if not isinstance(item, dict):
        return "other"
    if _REQUEST_KEYS & item.keys():
        return "request"
    if "code" in item and "description" in item:
        return "error"
    if "service_code" in item and "attributes" in item:
        return "service_definition"
    if "service_code" in item:
        return "service"
    if "endpoints" in item:
        return "discovery"
    return "other"


def _split_json(document: bytes) -> list[tuple[bytes, _Request | None]]:
    doc = decode_json(document, MAX_DOCUMENT_BYTES)
    refuse_description(doc, "an Open311 document")
    if isinstance(doc, dict) and isinstance(doc.get("service_requests"), list):
        doc = doc["service_requests"]
    items = doc if isinstance(doc, list) else [doc]
    kinds = [_json_kind(item) for item in items]
    if not items or "request" in kinds:
        return [(compact(item), _json_request(item)) for item in items]
    if set(kinds) == {"error"}:
        raise InvalidEventError(
            _error_reason([(str(i.get("code")), str(i.get("description"))) for i in items]), "unsupported"
        )
    kind = {"service": "services"}.get(kinds[0], kinds[0])
    if len(set(kinds)) == 1 and kind in _NOT_REQUESTS:
        count = f" ({len(items)} services)" if kind == "services" else ""
        raise InvalidEventError(f"an Open311 {_NOT_REQUESTS[kind]}{count}, not service requests", "unsupported")
    raise InvalidEventError("not an Open311 document: JSON holds no service requests", "malformed_json")


def _json_request(item: Any) -> _Request | None:
    if not isinstance(item, dict):
        return None
    try:
        return _request_from_json(item)
    except InvalidEventError:
        return None


def _aware(value: str, where: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidEventError(f"{where}: not an ISO 8601 (W3C) date and time", "schema_violation") from None
    if parsed.utcoffset() is None:
        raise InvalidEventError(f"{where}: has no UTC offset, which GeoReport v2 requires", "schema_violation")
    return parsed


def _coordinate(value: str | None, where: str) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        raise InvalidEventError(f"{where}: not a number", "schema_violation") from None
    if not math.isfinite(number):
        raise InvalidEventError(f"{where}: not a finite number", "schema_violation")
    return number


class Open311Format:
    """Open311 GeoReport v2 requests from the Ordnungsamt's reporting system to canonical incidents."""

    name = "open311"
    raw_topic = raw_topic("ordnungsamt", "open311")

    def __init__(
        self,
        service_types: ServiceTypeTable = DEFAULT_SERVICE_TYPES,
        *,
        source: str = "/ordnungsamt/open311",
        agency: str = "ordnungsamt",
        confidentiality: Confidentiality = "restricted",
        legal_basis: str = DEFAULT_LEGAL_BASIS,
        uncertainty_m: float = 25.0,
    ) -> None:
        self.service_types = service_types
        self.source = source
        self.agency = agency
        self.confidentiality = confidentiality
        self.legal_basis = legal_basis
        self.uncertainty_m = uncertainty_m

    def split(self, document: bytes, content_type: str | None = None) -> list[SourceRecord]:
        check_size(document)
        head = document.lstrip(b" \t\r\n\xef\xbb\xbf")[:1]
        parts = _split_json(document) if head in (b"{", b"[") else _split_xml(document)
        requests = [req for _, req in parts if req is not None]
        if requests and all(req.is_acknowledgement for req in requests):
            raise InvalidEventError(
                "Open311 POST or token answer (request ids and tokens only), not service requests", "unsupported"
            )
        records = []
        for value, req in parts:
            rid = req.record_id if req is not None else None
            if req is None or rid is None:
                records.append(unnamed_record(value))
            else:
                records.append(SourceRecord(rid, req.version, rid.encode("utf-8"), value))
        return records

    def cursor_value(self, record: SourceRecord) -> str:
        """The record's update time in UTC (``2026-11-20T21:00:07Z``) for an incremental poll (e.g. a
        ``updated_after`` query), or "" when it has no readable time (such a record never moves the cursor)."""
        return record.version if record.version.endswith("Z") else ""

    def to_canonical(self, record: bytes) -> list[CanonicalRecord]:
        req = self._read(record)
        if req.is_acknowledgement:
            raise InvalidEventError("an Open311 POST or token answer, not a service request", "unsupported")
        rid = req.record_id
        if rid is None:
            raise InvalidEventError("service_request_id: missing, and no token either", "schema_violation")
        status = (req["status"] or "").lower()  # some servers write "Open"
        if status not in ("open", "closed"):
            raise InvalidEventError("status: missing or not one of open, closed", "schema_violation")
        if req["requested_datetime"] is None:
            raise InvalidEventError("requested_datetime: missing", "schema_violation")
        requested = _aware(req["requested_datetime"], "requested_datetime")
        updated = _aware(req["updated_datetime"], "updated_datetime") if req["updated_datetime"] else requested
        rule = self.service_types.rule_for(req["service_code"], req["service_name"])
        lat, lon = _coordinate(req["lat"], "lat"), _coordinate(req["long"], "long")
        address = " ".join((req["address"] or "").split()) or None
        location = None
        # 0,0 is how several servers say "no position" (it is in the Gulf of Guinea, not in a city).
        if lat is not None and lon is not None and (lat, lon) != (0.0, 0.0):
            location = {"lat": lat, "lon": lon, "uncertainty_m": self.uncertainty_m, "address": _clip(address, 256)}
        description = req["description"]
        if location is None and address is not None:
            # No coordinates: keep the address where an operator reads it (both fields are personal data).
            description = f"{description}\n\nAddress: {address}" if description else f"Address: {address}"
        data = {
            "incident_id": f"open311:{rid}",
            "mode": "actual",
            "origin": "open311",
            "type_code": rule.type_code,
            "priority": rule.priority,
            "status": status,
            "reported_at": requested,
            "location": location,
            "references": [{"agency": self.agency, "ref_id": rid}] if req["service_request_id"] else [],
            "confidentiality": self.confidentiality,
            "legal_basis": self.legal_basis,
            "retention_class": "standard",
            "description": _clip(description, 4000),
        }
        try:
            incident = Incident.model_validate(data)
        except ValidationError as exc:
            raise InvalidEventError(
                f"invalid incident from Open311: {validation_reason(exc)}", "schema_violation"
            ) from exc
        return [canonical(incident, source=self.source, source_record_id=f"{rid}@{req.version}", time=updated)]

    @staticmethod
    def _read(record: bytes) -> _Request:
        if len(record) > MAX_RECORD_BYTES:
            raise InvalidEventError(f"record is {len(record)} bytes, limit is {MAX_RECORD_BYTES}", "too_large")
        head = record.lstrip(b" \t\r\n\xef\xbb\xbf")[:1]
        if head in (b"{", b"["):
            return _request_from_json(decode_json_object(record))
        root = parse_xml(record, MAX_RECORD_BYTES)
        if local_name(root) != "request":
            raise InvalidEventError(f"not an Open311 request: root element <{local_name(root)}>", "malformed_xml")
        return _request_from_xml(root)


def _clip(text: str | None, limit: int) -> str | None:
    if text is None:
        return None
    return text if len(text) <= limit else text[: limit - 1] + "…"
