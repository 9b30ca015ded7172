"""A CAP alert as plain data, read from CAP 1.0, 1.1 or 1.2 XML or from the BBK/NINA JSON form of CAP 1.2.

Only what the hub maps is kept. Readers are lenient about layout (prefixes, whitespace, empty elements) and strict
about meaning: a value of the wrong type raises ``InvalidEventError`` naming the element.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any
from xml.etree.ElementTree import Element

from hub.errors import InvalidEventError
from hub.formats.xml import local_name

__all__ = [
    "CAP_NAMESPACES",
    "CapAlert",
    "CapArea",
    "CapInfo",
    "Reference",
    "alert_from_json",
    "alert_from_xml",
    "cap_namespace",
    "parse_references",
    "usable_id_part",
]

CAP_NAMESPACES: Mapping[str, str] = MappingProxyType(
    {
        "urn:oasis:names:tc:emergency:cap:1.2": "1.2",
        "urn:oasis:names:tc:emergency:cap:1.1": "1.1",
        "http://www.incident.com/cap/1.0": "1.0",  # the namespace the CAP 1.0 specification itself uses
        "urn:oasis:names:tc:emergency:cap:1.0": "1.0",
    }
)
"""CAP namespaces by version. The mapping to ``Incident`` is the same for all three (see the format guide)."""


@dataclass(frozen=True)
class CapArea:
    """One ``<area>``: its description and its raw shapes (parsed later, only for the info block mapped)."""

    description: str | None
    polygons: tuple[str, ...]
    circles: tuple[str, ...]


@dataclass(frozen=True)
class CapInfo:
    """One ``<info>`` block. ``language`` defaults to en-US as CAP says."""

    language: str
    categories: tuple[str, ...]
    event: str | None
    urgency: str | None
    severity: str | None
    certainty: str | None
    event_codes: tuple[tuple[str, str], ...]
    parameters: tuple[tuple[str, str], ...]
    headline: str | None
    description: str | None
    instruction: str | None
    areas: tuple[CapArea, ...]
    expires: str | None = None


@dataclass(frozen=True)
class CapAlert:
    """The ``<alert>`` element with the fields the hub uses; ``cap_version`` is 1.0, 1.1, 1.2 or ``json``."""

    cap_version: str
    identifier: str | None
    sender: str | None
    sent: str | None
    status: str | None
    msg_type: str | None
    scope: str | None
    restriction: str | None
    references: str | None
    incidents: str | None
    infos: tuple[CapInfo, ...]
    note: str | None = None

    @property
    def record_id(self) -> str | None:
        """``sender,identifier``, CAP's own unique name of the message, or None when either is unusable."""
        if usable_id_part(self.sender) and usable_id_part(self.identifier):
            return f"{self.sender},{self.identifier}"
        return None


@dataclass(frozen=True)
class Reference:
    """One ``sender,identifier,sent`` triple of ``<references>``."""

    sender: str
    identifier: str
    sent: str

    @property
    def record_id(self) -> str:
        return f"{self.sender},{self.identifier}"


def usable_id_part(value: str | None) -> bool:
    """CAP forbids spaces and commas in sender and identifier: they would break ``references`` triples."""
    return bool(value) and not any(ch.isspace() or ch == "," for ch in value or "")


def parse_references(text: str | None) -> list[Reference]:
    """The triples of a ``<references>`` value; an empty value is no references (real feeds send ``<references/>``)."""
    refs = []
    for number, triple in enumerate((text or "").split(), start=1):
        parts = triple.split(",")
        if len(parts) != 3 or not all(parts):
            raise InvalidEventError(
                f"references: entry {number} is not a 'sender,identifier,sent' triple", "schema_violation"
            )
        refs.append(Reference(*parts))
    return refs


# --- XML -------------------------------------------------------------------------------------------------------


def cap_namespace(element: Element) -> str | None:
    """The CAP namespace of an ``<alert>`` element, or None when it is not a CAP alert."""
    tag = element.tag if isinstance(element.tag, str) else ""
    if local_name(element) != "alert" or not tag.startswith("{"):
        return None
    ns = tag[1:].split("}", 1)[0]
    return ns if ns in CAP_NAMESPACES else None


def alert_from_xml(root: Element) -> CapAlert:
    """Read a CAP ``<alert>`` element; ``malformed_xml`` when it is not one."""
    ns = cap_namespace(root)
    if ns is None:
        tag = root.tag if isinstance(root.tag, str) else "?"
        raise InvalidEventError(
            f"not a CAP alert: root element is {tag!r}, expected <alert> in a CAP 1.0, 1.1 or 1.2 namespace",
            "malformed_xml",
        )
    q = _Names(ns)
    return CapAlert(
        cap_version=CAP_NAMESPACES[ns],
        identifier=q.text(root, "identifier"),
        sender=q.text(root, "sender"),
        sent=q.text(root, "sent"),
        status=q.text(root, "status"),
        msg_type=q.text(root, "msgType"),
        scope=q.text(root, "scope"),
        restriction=q.text(root, "restriction"),
        references=q.text(root, "references"),
        incidents=q.text(root, "incidents"),
        infos=tuple(_info_from_xml(q, info) for info in root.iterfind(q("info"))),
        note=q.text(root, "note"),
    )


class _Names:
    """Qualified CAP names in one namespace: foreign elements (signatures, injected markup) are never read."""

    def __init__(self, ns: str) -> None:
        self.ns = ns

    def __call__(self, name: str) -> str:
        return f"{{{self.ns}}}{name}"

    def text(self, element: Element, name: str) -> str | None:
        found = element.find(self(name))
        return _strip(found.text) if found is not None else None

    def texts(self, element: Element, name: str) -> tuple[str, ...]:
        values = (_strip(e.text) for e in element.iterfind(self(name)))
        return tuple(v for v in values if v is not None)

    def pairs(self, element: Element, name: str) -> tuple[tuple[str, str], ...]:
        """``valueName``/``value`` pairs; CAP 1.0 writes them as one ``name=value`` text instead."""
        out = []
        for item in element.iterfind(self(name)):
            value_name = self.text(item, "valueName")
            if value_name is not None:
                out.append((value_name, self.text(item, "value") or ""))
            elif item.text and "=" in item.text:
                key, _, value = item.text.strip().partition("=")
                out.append((key.strip(), value.strip()))
        return tuple(out)


def _info_from_xml(q: _Names, info: Element) -> CapInfo:
    return CapInfo(
        language=q.text(info, "language") or "en-US",
        categories=q.texts(info, "category"),
        event=q.text(info, "event"),
        urgency=q.text(info, "urgency"),
        severity=q.text(info, "severity"),
        certainty=q.text(info, "certainty"),
        event_codes=q.pairs(info, "eventCode"),
        parameters=q.pairs(info, "parameter"),
        headline=q.text(info, "headline"),
        description=q.text(info, "description"),
        instruction=q.text(info, "instruction"),
        expires=q.text(info, "expires"),
        areas=tuple(
            CapArea(q.text(area, "areaDesc"), q.texts(area, "polygon"), q.texts(area, "circle"))
            for area in info.iterfind(q("area"))
        ),
    )


def _strip(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


# --- JSON (BBK / NINA: warnung.bund.de serves CAP 1.2 as JSON with the element names as keys) ----------------


def alert_from_json(obj: Mapping[str, Any]) -> CapAlert:
    """Read the JSON form of a CAP alert (element names as keys, repeated elements as arrays)."""
    if not any(key in obj for key in ("identifier", "msgType", "info")):
        raise InvalidEventError(
            "not a CAP alert: JSON object has none of identifier, msgType, info", "schema_violation"
        )
    infos = _json_list(obj, "info", "info")
    return CapAlert(
        cap_version="json",
        identifier=_json_str(obj, "identifier", "identifier"),
        sender=_json_str(obj, "sender", "sender"),
        sent=_json_str(obj, "sent", "sent"),
        status=_json_str(obj, "status", "status"),
        msg_type=_json_str(obj, "msgType", "msgType"),
        scope=_json_str(obj, "scope", "scope"),
        restriction=_json_str(obj, "restriction", "restriction"),
        references=_json_str(obj, "references", "references"),
        incidents=_json_str(obj, "incidents", "incidents"),
        infos=tuple(_info_from_json(_json_obj(info, f"info[{n}]"), f"info[{n}]") for n, info in enumerate(infos)),
        note=_json_str(obj, "note", "note"),
    )


def _info_from_json(info: Mapping[str, Any], where: str) -> CapInfo:
    areas = []
    for n, raw in enumerate(_json_list(info, "area", f"{where}.area")):
        area = _json_obj(raw, f"{where}.area[{n}]")
        at = f"{where}.area[{n}]"
        areas.append(
            CapArea(
                _json_str(area, "areaDesc", f"{at}.areaDesc"),
                _json_strs(area, "polygon", f"{at}.polygon"),
                _json_strs(area, "circle", f"{at}.circle"),
            )
        )
    return CapInfo(
        language=_json_str(info, "language", f"{where}.language") or "en-US",
        categories=_json_strs(info, "category", f"{where}.category"),
        event=_json_str(info, "event", f"{where}.event"),
        urgency=_json_str(info, "urgency", f"{where}.urgency"),
        severity=_json_str(info, "severity", f"{where}.severity"),
        certainty=_json_str(info, "certainty", f"{where}.certainty"),
        event_codes=_json_pairs(info, "eventCode", f"{where}.eventCode"),
        parameters=_json_pairs(info, "parameter", f"{where}.parameter"),
        headline=_json_str(info, "headline", f"{where}.headline"),
        description=_json_str(info, "description", f"{where}.description"),
        instruction=_json_str(info, "instruction", f"{where}.instruction"),
        expires=_json_str(info, "expires", f"{where}.expires"),
        areas=tuple(areas),
    )


def _json_str(obj: Mapping[str, Any], key: str, where: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidEventError(f"{where}: expected a string, got {type(value).__name__}", "schema_violation")
    return _strip(value)


def _json_list(obj: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = obj.get(key)
    if value is None:
        return []
    # Converters from XML write a single repeated element as a bare value instead of a one-element array.
    return value if isinstance(value, list) else [value]


def _json_obj(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise InvalidEventError(f"{where}: expected an object, got {type(value).__name__}", "schema_violation")
    return value


def _json_strs(obj: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    out = []
    for n, value in enumerate(_json_list(obj, key, where)):
        if not isinstance(value, str):
            raise InvalidEventError(f"{where}[{n}]: expected a string, got {type(value).__name__}", "schema_violation")
        if value.strip():
            out.append(value.strip())
    return tuple(out)


def _json_pairs(obj: Mapping[str, Any], key: str, where: str) -> tuple[tuple[str, str], ...]:
    out = []
    for n, raw in enumerate(_json_list(obj, key, where)):
        pair = _json_obj(raw, f"{where}[{n}]")
        name = _json_str(pair, "valueName", f"{where}[{n}].valueName")
        if name is not None:
            out.append((name, _json_str(pair, "value", f"{where}[{n}].value") or ""))
    return tuple(out)
