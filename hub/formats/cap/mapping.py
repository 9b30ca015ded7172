"""CAP alert to canonical ``Incident``: the tables (category, priority, event names) and the mapping itself.

Every rule here is written out in docs/formats/cap-open311-alarms-units.md; change both together.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any, get_args

from pydantic import TypeAdapter, ValidationError

from hub.errors import ConfigError, InvalidEventError
from hub.formats.base import CanonicalRecord, canonical
from hub.formats.cap.drills import drill_mode
from hub.formats.cap.geo import area_circle
from hub.formats.cap.model import CapAlert, CapInfo, Reference, parse_references
from hub.schemas.codes import TypeCode
from hub.schemas.common import LifecycleStatus
from hub.schemas.incident import Confidentiality, Incident, IncidentOrigin

__all__ = [
    "CATEGORY_TYPES",
    "DEFAULT_EVENT_TYPES",
    "DEFAULT_LEGAL_BASIS",
    "DEFAULT_REFUSED_CATEGORIES",
    "HUB_PARAMETERS",
    "CapPolicy",
    "map_alert",
    "original_reference",
    "priority_of",
]

DEFAULT_LEGAL_BASIS = "SOG LSA § 27"
"""Transfers between police and administrative bodies; the hub's default until a source says otherwise."""

CATEGORY_TYPES: Mapping[str, str] = MappingProxyType(
    {
        "Geo": "SAFETY/NATURAL_HAZARD",
        "Met": "SAFETY/WEATHER",
        "Safety": "SAFETY",
        "Security": "CRIME",  # CAP: "law enforcement, military, homeland and local/private security"
        "Rescue": "SAFETY",
        "Fire": "FIRE",
        "Health": "MEDICAL",
        "Env": "TECHNICAL",
        "Transport": "TRANSIT",
        "Infra": "TECHNICAL",
        "CBRNE": "SAFETY",
        "Other": "OTHER",
    }
)
"""CAP ``category`` to the hub's type code: a top level, refined by ``event`` or ``eventCode`` where known."""

DEFAULT_REFUSED_CATEGORIES = frozenset({"Met", "Geo"})
"""Weather and geophysical warnings (DWD, NWS, tsunami centres) are area-wide public warnings, not incidents a unit
is sent to; on the police feed they would flood the router and the one night dispatcher at HAVAG."""

DEFAULT_EVENT_TYPES: Mapping[str, str] = MappingProxyType(
    {
        # German first: these are the names a German control-room system puts into <event>.
        "körperverletzung": "CRIME/ASSAULT",
        "raub": "CRIME/ROBBERY",
        "diebstahl": "CRIME/THEFT",
        "taschendiebstahl": "CRIME/THEFT",
        "sachbeschädigung": "CRIME/PROPERTY_DAMAGE",
        "vandalismus": "CRIME/PROPERTY_DAMAGE",
        "bedrohung": "CRIME/THREAT",
        "nötigung": "CRIME/THREAT",
        "sexualdelikt": "CRIME/SEXUAL",
        "häusliche gewalt": "CRIME/DOMESTIC",
        "hilflose person": "SAFETY/HELPLESS_PERSON",
        "vermisste person": "SAFETY/MISSING_PERSON",
        "verkehrsunfall": "TRANSIT/TRAFFIC_ACCIDENT",
        "gleisblockade": "TRANSIT/OBSTRUCTION",
        "fahrernotruf": "TRANSIT/DRIVER_ALARM",
        "ruhestörung": "PUBLIC_ORDER/NUISANCE",
        "beleuchtung defekt": "TECHNICAL/LIGHTING",
        "assault": "CRIME/ASSAULT",
        "robbery": "CRIME/ROBBERY",
        "theft": "CRIME/THEFT",
        "vandalism": "CRIME/PROPERTY_DAMAGE",
        "threat": "CRIME/THREAT",
        "helpless person": "SAFETY/HELPLESS_PERSON",
        "missing person": "SAFETY/MISSING_PERSON",
        "traffic accident": "TRANSIT/TRAFFIC_ACCIDENT",
        "driver alarm": "TRANSIT/DRIVER_ALARM",
    }
)
"""``<event>`` (compared case-insensitively, whole text) to a full type code; replaceable per deployment."""

# Priority = severity rank + urgency shift + certainty shift, clamped to 1..5 (1 is the highest).
SEVERITY_RANK: Mapping[str, int] = MappingProxyType(
    {"Extreme": 1, "Severe": 2, "Moderate": 3, "Minor": 4, "Unknown": 3}
)
URGENCY_SHIFT: Mapping[str, int] = MappingProxyType(
    {"Immediate": -1, "Expected": 0, "Future": 1, "Past": 2, "Unknown": 0}
)
CERTAINTY_SHIFT: Mapping[str, int] = MappingProxyType(
    {"Observed": 0, "Very Likely": 0, "Likely": 0, "Possible": 1, "Unlikely": 2, "Unknown": 0}
)

_STATUSES = {"actual": "Actual", "exercise": "Exercise", "test": "Test", "system": "System", "draft": "Draft"}
_MSG_TYPES = {"alert": "Alert", "update": "Update", "cancel": "Cancel", "ack": "Ack", "error": "Error"}
_LIFECYCLE: Mapping[str, LifecycleStatus] = {"Alert": "open", "Update": "updated", "Cancel": "cancelled"}
_SCOPES: Mapping[str, Confidentiality] = {"Public": "public", "Restricted": "restricted", "Private": "confidential"}
_RANK: Mapping[str, int] = {"public": 0, "restricted": 1, "confidential": 2}
_CATEGORIES = {name.lower(): name for name in CATEGORY_TYPES}

HUB_PARAMETERS = frozenset(
    {
        "hub:stop_dhid",
        "hub:line",
        "hub:vehicle",
        "hub:legal_basis",
        "hub:origin",
        "hub:confidentiality",
        "hub:retention_class",
        "hub:priority",
    }
)
"""``<parameter>`` names the hub reads; ``hub:ref:<agency>`` adds another agency's id. Others named hub:* are
refused (a typo would otherwise lose the value silently)."""
HUB_TYPE_EVENT_CODE = "hub:type_code"

# Where each Incident field comes from, so a validation error names the CAP element, not the hub field.
_FIELD_SOURCES = {
    "incident_id": "sender/identifier",
    "type_code": "eventCode hub:type_code or event",
    "priority": "parameter hub:priority",
    "stop_dhid": "parameter hub:stop_dhid",
    "line": "parameter hub:line",
    "vehicle": "parameter hub:vehicle",
    "legal_basis": "parameter hub:legal_basis",
    "origin": "parameter hub:origin",
    "confidentiality": "parameter hub:confidentiality",
    "retention_class": "parameter hub:retention_class",
    "references": "incidents or parameter hub:ref:*",
    "location": "area",
    "area": "area/areaDesc",
    "expires_at": "expires",
}
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TYPE_CODE = TypeAdapter(TypeCode)
_MAX_DESCRIPTION = 4000
_MAX_ADDRESS = 256


@dataclass(frozen=True)
class CapPolicy:
    """How one CAP feed is mapped. Checked when built, so a bad table stops start-up, not the normaliser."""

    refused_categories: frozenset[str] = DEFAULT_REFUSED_CATEGORIES
    languages: tuple[str, ...] = ("de", "en")
    event_types: Mapping[str, str] = field(default_factory=lambda: DEFAULT_EVENT_TYPES)
    default_origin: IncidentOrigin = "other"
    legal_basis: str = DEFAULT_LEGAL_BASIS
    incidents_agency: str = "polizei"

    def __post_init__(self) -> None:
        unknown = sorted(set(self.refused_categories) - set(CATEGORY_TYPES))
        if unknown:
            raise ConfigError(f"refused CAP categories {unknown} are not CAP categories: {', '.join(CATEGORY_TYPES)}")
        if self.default_origin not in get_args(IncidentOrigin):
            raise ConfigError(f"default_origin {self.default_origin!r} is not an incident origin")
        for event, code in self.event_types.items():
            try:
                _TYPE_CODE.validate_python(code)
            except ValidationError:
                raise ConfigError(f"CAP event type table: {code!r} (for event {event!r}) is not a type code") from None
        # Lower-case keys once, so lookups stay a dict access.
        object.__setattr__(self, "event_types", MappingProxyType({k.lower(): v for k, v in self.event_types.items()}))


def priority_of(urgency: str, severity: str, certainty: str) -> int:
    """Priority 1..5 from CAP's three scales (values already checked against the tables)."""
    score = SEVERITY_RANK[severity] + URGENCY_SHIFT[urgency] + CERTAINTY_SHIFT[certainty]
    return max(1, min(5, score))


def _aware(value: str, where: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidEventError(f"{where}: not an ISO 8601 date and time", "schema_violation") from None
    if parsed.utcoffset() is None:
        raise InvalidEventError(f"{where}: has no UTC offset; CAP times must carry one", "schema_violation")
    return parsed


def original_reference(refs: list[Reference]) -> Reference:
    """The earliest-sent reference: the alert that opened the incident (references are not ordered by spec)."""
    return min(refs, key=lambda ref: _aware(ref.sent, f"references: sent of {ref.record_id!r}"))


def _header(alert: CapAlert) -> tuple[str, str, datetime]:
    """``record_id``, ``sent`` as sent and parsed, once the header elements are all there and usable."""
    missing = [
        name
        for name, value in (
            ("identifier", alert.identifier),
            ("sender", alert.sender),
            ("sent", alert.sent),
            ("status", alert.status),
            ("msgType", alert.msg_type),
            ("scope", alert.scope),
        )
        if value is None
    ]
    if missing:
        raise InvalidEventError(f"CAP alert is missing {', '.join(missing)}", "schema_violation")
    record_id = alert.record_id
    if record_id is None:
        raise InvalidEventError(
            "identifier or sender contains a space or comma, which CAP forbids (references could not name it)",
            "schema_violation",
        )
    sent = alert.sent or ""  # present: checked above
    return record_id, sent, _aware(sent, "sent")


def _closed_value(value: str | None, known: Mapping[str, str], what: str) -> str:
    # CAP values are case-sensitive by the book; senders differ in case, the meaning does not.
    if value is None:
        raise InvalidEventError(f"{what}: missing or empty", "schema_violation")
    try:
        return known[value.lower()]
    except KeyError:
        raise InvalidEventError(
            f"{what}: not one of {', '.join(sorted(set(known.values())))}", "schema_violation"
        ) from None


def _choose_info(infos: tuple[CapInfo, ...], languages: tuple[str, ...]) -> CapInfo:
    for wanted in languages:
        for info in infos:
            if info.language.lower() == wanted:
                return info
        for info in infos:
            if info.language.lower().startswith(wanted + "-"):
                return info
    return infos[0]


def _plain(text: str | None, json_form: bool) -> str | None:
    if text is None:
        return None
    # BBK's JSON carries HTML (entities, <br/>); XML senders escape <br /> into the text.
    if json_form:
        text = html.unescape(text)
    return _BR.sub("\n", text).strip() or None


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _hub_parameters(info: CapInfo) -> tuple[dict[str, str], list[dict[str, str]]]:
    params: dict[str, str] = {}
    refs: list[dict[str, str]] = []
    for name, value in info.parameters:
        if not name.startswith("hub:"):
            continue
        if name.startswith("hub:ref:"):
            refs.append({"agency": name.removeprefix("hub:ref:"), "ref_id": value})
            continue
        if name not in HUB_PARAMETERS:
            known = ", ".join(sorted(HUB_PARAMETERS))
            raise InvalidEventError(
                f"parameter {name}: not a hub parameter (known: {known}, hub:ref:<agency>)", "schema_violation"
            )
        if params.setdefault(name, value) != value:
            raise InvalidEventError(f"parameter {name}: given twice with different values", "schema_violation")
    return params, refs


def _type_code(info: CapInfo, category: str, policy: CapPolicy) -> str:
    for name, value in info.event_codes:
        if name == HUB_TYPE_EVENT_CODE:
            return value
    if info.event is not None:
        code = policy.event_types.get(info.event.lower())
        if code is not None:
            return code
    return CATEGORY_TYPES[category]


def _reason(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors(include_url=False, include_input=False):
        head, *rest = [str(p) for p in err["loc"]] or ["(incident)"]
        where = ".".join([_FIELD_SOURCES.get(head, head), *rest])
        parts.append(f"{where}: {err['msg']}")
    return "invalid incident from CAP: " + "; ".join(parts)


def _stricter(a: str, b: str) -> str:
    return a if _RANK[a] >= _RANK[b] else b


def map_alert(alert: CapAlert, policy: CapPolicy, source: str) -> CanonicalRecord:
    """One CAP alert to one canonical incident event, or InvalidEventError with the reason."""
    record_id, sent_text, sent = _header(alert)
    status = _closed_value(alert.status, _STATUSES, "status")
    if status in ("System", "Draft"):
        raise InvalidEventError(f"CAP status {status}: not a real-world alert, no incident", "unsupported")
    msg_type = _closed_value(alert.msg_type, _MSG_TYPES, "msgType")
    if msg_type in ("Ack", "Error"):
        raise InvalidEventError(f"CAP msgType {msg_type}: an acknowledgement or error, no incident", "unsupported")
    lifecycle = _LIFECYCLE[msg_type]
    confidentiality: str = _SCOPES[_closed_value(alert.scope, {k.lower(): k for k in _SCOPES}, "scope")]
    if alert.restriction is not None:
        confidentiality = _stricter(confidentiality, "restricted")

    incident_id, reported_at = record_id, sent
    refs = parse_references(alert.references)
    if lifecycle != "open" and refs:
        first = original_reference(refs)
        incident_id, reported_at = first.record_id, _aware(first.sent, "references: sent")

    # An Actual message that says it is a test or a drill (a required monthly test, "THIS IS ONLY A TEST", the
    # warning day) is one: it must never become an actual incident that moves units (drills.py).
    mode = status.lower() if status != "Actual" else drill_mode(alert) or "actual"
    data: dict[str, Any] = {
        "incident_id": incident_id,
        "mode": mode,
        "origin": policy.default_origin,
        "status": lifecycle,
        "reported_at": reported_at,
        "confidentiality": confidentiality,
        "legal_basis": policy.legal_basis,
        "retention_class": "standard" if mode == "actual" else "short",
        "references": [{"agency": policy.incidents_agency, "ref_id": ref} for ref in (alert.incidents or "").split()],
    }
    if alert.infos:
        info = _choose_info(alert.infos, policy.languages)
        data.update(_map_info(info, policy, alert.cap_version == "json"))
        params, extra_refs = _hub_parameters(info)
        data["references"] += extra_refs
        _apply_parameters(data, params)
    elif lifecycle == "cancelled":
        # A cancel may come without <info>; consumers key on incident_id and status, type and priority are fillers.
        data.update(type_code="OTHER", priority=5)
    else:
        raise InvalidEventError(
            f"CAP {msg_type} has no <info>: no category, urgency, severity or certainty to map", "schema_violation"
        )
    try:
        incident = Incident.model_validate(data)
    except ValidationError as exc:
        raise InvalidEventError(_reason(exc), "schema_violation") from exc
    return canonical(incident, source=source, source_record_id=f"{record_id}@{sent_text}", time=sent)


def _map_info(info: CapInfo, policy: CapPolicy, json_form: bool) -> dict[str, Any]:
    if not info.categories:
        raise InvalidEventError("info: has no category", "schema_violation")
    categories = [_closed_value(c, _CATEGORIES, "category") for c in info.categories]
    # A broken alert is reported as broken even when its category is refused: the sender needs to know.
    urgency = _closed_value(info.urgency, {k.lower(): k for k in URGENCY_SHIFT}, "urgency")
    severity = _closed_value(info.severity, {k.lower(): k for k in SEVERITY_RANK}, "severity")
    certainty = _closed_value(info.certainty, {k.lower(): k for k in CERTAINTY_SHIFT}, "certainty")
    accepted = [c for c in categories if c not in policy.refused_categories]
    if not accepted:
        event = f" ({info.event})" if info.event else ""
        why = (
            ": weather and geophysical warnings are area-wide public warnings, not incidents to send a unit to"
            if set(categories) <= {"Met", "Geo"}
            else ""
        )
        raise InvalidEventError(
            f"CAP category {'/'.join(categories)}{event} is not carried by this feed "
            f"(refused: {', '.join(sorted(policy.refused_categories))}){why}",
            "unsupported",
        )
    out: dict[str, Any] = {
        "type_code": _type_code(info, accepted[0], policy),
        "priority": priority_of(urgency, severity, certainty),
    }
    names = "; ".join(a.description for a in info.areas if a.description)
    # The named area travels even without a shape (geocodes only): "Halle (Saale)" is still a place to read.
    out["area"] = _clip(names, _MAX_ADDRESS) if names else None
    if info.expires is not None:
        out["expires_at"] = _aware(info.expires, "expires")
    circle = area_circle(info.areas)
    if circle is not None:
        out["location"] = {
            "lat": round(circle.lat, 6),
            "lon": round(circle.lon, 6),
            "uncertainty_m": round(circle.radius_m, 1),
            "address": _clip(names, _MAX_ADDRESS) if names else None,
        }
    text = [_plain(t, json_form) for t in (info.headline, info.description, info.instruction)]
    joined = "\n\n".join(t for t in text if t)
    out["description"] = _clip(joined, _MAX_DESCRIPTION) if joined else None
    return out


def _apply_parameters(data: dict[str, Any], params: Mapping[str, str]) -> None:
    for name in ("stop_dhid", "line", "vehicle", "legal_basis", "origin", "retention_class"):
        if f"hub:{name}" in params:
            data[name] = params[f"hub:{name}"]
    if "hub:priority" in params:
        try:
            data["priority"] = int(params["hub:priority"])
        except ValueError:
            raise InvalidEventError("parameter hub:priority: not a whole number 1..5", "schema_violation") from None
    if "hub:confidentiality" in params:
        wanted = params["hub:confidentiality"]
        if wanted not in _RANK:
            raise InvalidEventError(f"parameter hub:confidentiality: not one of {', '.join(_RANK)}", "schema_violation")
        # Only ever raised: scope Restricted/Private or a <restriction> cannot be lowered by a parameter.
        data["confidentiality"] = _stricter(data["confidentiality"], wanted)
