"""Render one ``Alert`` revision as a CAP 1.2 document, for the recipients' systems that speak CAP.

The CAP message follows the lifecycle: the first revision is an ``Alert``, later ones ``Update`` referencing the
previous revision; the clear-down is an ``Update`` with responseType ``AllClear`` when the incident was closed or
the recipient resolved the alert, a ``Cancel`` when it was cancelled or the alert expired. ``status`` follows the
incident's mode (Actual, Exercise, Test). The hub's own CAP reader parses the output back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from xml.etree.ElementTree import Element, SubElement, tostring

from hub.schemas.alert import Alert, HoldRequest

__all__ = [
    "CAP12_NAMESPACE",
    "CAP_CATEGORIES",
    "CAP_STATUSES",
    "DEFAULT_SENDER",
    "cap_identifier",
    "cap_msg_type",
    "render_cap",
]

CAP12_NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"
DEFAULT_SENDER = "router@hub.halle.de"

#: The hub's top-level incident codes to CAP categories. The exact code also travels as eventCode hub:type_code,
#: so a CAP reader that knows the hub gets it back unchanged.
CAP_CATEGORIES: Mapping[str, str] = MappingProxyType(
    {
        "CRIME": "Security",
        "MEDICAL": "Health",
        "SAFETY": "Safety",
        "TRANSIT": "Transport",
        "PUBLIC_ORDER": "Safety",
        "FIRE": "Fire",
        "TECHNICAL": "Infra",
        "OTHER": "Other",
    }
)

#: The incident's mode to CAP ``<status>``; the hub's CAP reader maps it back to the same mode.
CAP_STATUSES: Mapping[str, str] = MappingProxyType({"actual": "Actual", "exercise": "Exercise", "test": "Test"})

# Priority 1..5 to (urgency, severity), chosen so the hub's own CAP mapping (severity rank + urgency shift) reads
# the same priority back; the priority also travels as parameter hub:priority.
_URGENCY_SEVERITY: Mapping[int, tuple[str, str]] = MappingProxyType(
    {
        1: ("Immediate", "Severe"),
        2: ("Expected", "Severe"),
        3: ("Expected", "Moderate"),
        4: ("Expected", "Minor"),
        5: ("Future", "Minor"),
    }
)

#: Clear reasons after which the message stands as an all-clear ``Update``; the others withdraw it (``Cancel``).
_CONDITION_ENDED = frozenset({"incident_closed", "units_heard", "resolved_by_recipient"})

_STOP_RADIUS_KM = 0.1  # a tram stop's platforms lie within about 100 m of its position


def cap_identifier(alert: Alert) -> str:
    """The CAP identifier of one revision: the alert id and the revision (no spaces or commas, as CAP requires)."""
    return f"{alert.alert_id}.r{alert.revision}"


def cap_msg_type(alert: Alert) -> str:
    """``Alert`` for the first revision, ``Update`` after; a finished alert is an ``Update`` (with AllClear) when
    the condition ended: its incident was closed, a watchdog's units were heard again, or a person of the recipient
    resolved it (dealt with; CAP's ``Ack`` is the recipient's own receipt, not the sender's clear-down). It is a
    ``Cancel`` when the incident was cancelled or the alert expired (the hub withdraws it). A finished alert without
    a ``clear_reason`` (written before the field existed) is a ``Cancel``, as it always was."""
    if alert.state in ("resolved", "expired"):
        return "Update" if alert.clear_reason in _CONDITION_ENDED else "Cancel"
    return "Alert" if alert.revision == 1 else "Update"


def _cap_time(value: datetime) -> str:
    # CAP 1.2 wants an explicit numeric offset and forbids "Z".
    return value.isoformat(timespec="seconds").replace("+00:00", "-00:00")


# Characters XML 1.0 cannot carry at all (control characters, U+FFFE/U+FFFF); free text may contain them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(parent: Element, tag: str, value: str) -> Element:
    child = SubElement(parent, tag)
    child.text = _NOT_XML.sub("", value)
    return child


def _parameter(info: Element, name: str, value: str) -> None:
    parameter = SubElement(info, "parameter")
    _text(parameter, "valueName", name)
    _text(parameter, "value", value)


def render_cap(
    alert: Alert,
    *,
    previous: Alert | None = None,
    sender: str = DEFAULT_SENDER,
    stop_positions: Mapping[str, tuple[str, float, float]] | None = None,
    language: str = "de-DE",
) -> bytes:
    """One alert revision as CAP 1.2 XML (UTF-8, with declaration).

    ``previous`` is the revision this one replaces; its identifier and sent time go into ``references``.
    ``stop_positions`` maps a stop DHID to (name, lat, lon): the intercept stop (else the incident's stop) becomes
    the area; without a known position the area names the stop only.
    """
    if previous is not None and (previous.alert_id != alert.alert_id or previous.revision >= alert.revision):
        raise ValueError("previous must be an earlier revision of the same alert")
    root = Element("alert", xmlns=CAP12_NAMESPACE)
    _message(root, alert, previous, sender)
    info = _info(root, alert, language)
    # CAP fixes the order of <info>'s children: parameters, then the area.
    for name, value in _parameters(alert):
        if value is not None:
            _parameter(info, name, value)
    stop = alert.intercept_stop_dhid or alert.stop_dhid
    if stop is not None:
        _area(info, stop, (stop_positions or {}).get(stop))
    body: bytes = tostring(root, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


def _message(root: Element, alert: Alert, previous: Alert | None, sender: str) -> None:
    """The message's own elements, before ``<info>``: who sent which revision of what, and to whom."""
    _text(root, "identifier", cap_identifier(alert))
    _text(root, "sender", sender)
    _text(root, "sent", _cap_time(alert.issued_at))
    _text(root, "status", CAP_STATUSES[alert.mode])
    _text(root, "msgType", cap_msg_type(alert))
    _text(root, "scope", "Restricted")
    # CAP requires <restriction> with scope Restricted: who may see it and why.
    _text(root, "restriction", f"for {alert.recipient} only; operational alert of the Halle integration hub")
    _text(root, "note", _note(alert))
    if previous is not None:
        _text(root, "references", f"{sender},{cap_identifier(previous)},{_cap_time(previous.issued_at)}")
    _text(root, "incidents", alert.incident_id.replace(" ", "_").replace(",", "_"))


def _note(alert: Alert) -> str:
    note = f"state {alert.state}, revision {alert.revision}"
    if alert.clear_reason is not None:
        note += f", cleared: {alert.clear_reason}"
    if alert.mode != "actual":  # CAP: an exercise's <note> identifies it
        note += f"; {alert.mode}, not a real incident: {alert.incident_id}"
    return note


def _info(root: Element, alert: Alert, language: str) -> Element:
    """The ``<info>`` block up to its parameters: category, urgency and severity, headline, instructions."""
    final = alert.state in ("resolved", "expired")
    info = SubElement(root, "info")
    _text(info, "language", language)
    _text(info, "category", CAP_CATEGORIES.get(alert.category, "Other"))
    _text(info, "event", f"{alert.category} incident")
    _text(info, "responseType", "AllClear" if final else "Execute")
    urgency, severity = _URGENCY_SEVERITY[alert.priority]
    _text(info, "urgency", "Past" if final else urgency)
    _text(info, "severity", severity)
    _text(info, "certainty", "Likely")
    event_code = SubElement(info, "eventCode")
    _text(event_code, "valueName", "hub:type_code")
    _text(event_code, "value", alert.category)
    _text(info, "senderName", "Integrationsplattform Halle (Saale)")
    headline = f"{alert.category}" + (f", line {alert.line}" if alert.line else "")
    headline += f", vehicle {alert.vehicle}" if alert.vehicle else ""
    _text(info, "headline", headline)
    if alert.instructions:
        _text(info, "instruction", alert.instructions)
    return info


def _parameters(alert: Alert) -> list[tuple[str, str | None]]:
    """The ``<parameter>`` pairs in their order; a None value is left out."""
    escalated = alert.escalation != "none"
    hold = alert.hold_request
    return [
        ("hub:priority", str(alert.priority)),
        ("hub:vehicle", alert.vehicle),
        ("hub:line", alert.line),
        ("hub:stop_dhid", alert.stop_dhid),
        # Router details under their own prefix: the hub's CAP reader refuses unknown hub:* names.
        ("router:state", alert.state),
        ("router:recommended_unit", alert.recommended_unit),
        ("router:intercept_stop_dhid", alert.intercept_stop_dhid),
        ("router:unit_eta", _optional_time(alert.unit_eta)),
        ("router:vehicle_eta", _optional_time(alert.vehicle_eta)),
        ("router:escalation", alert.escalation if escalated else None),
        ("router:escalation_level", str(alert.escalation_level) if escalated else None),
        ("router:escalated_to", alert.escalated_to),
        ("router:havag_unanswered", "true" if alert.havag_unanswered else None),
        ("router:clear_reason", alert.clear_reason),
        ("router:cleared_at", _optional_time(alert.cleared_at)),
        *_hold_parameters(hold),
    ]


def _hold_parameters(hold: HoldRequest | None) -> list[tuple[str, str | None]]:
    if hold is None:
        return []
    max_hold_s = None if hold.max_hold_s is None else str(hold.max_hold_s)
    return [("hold:action", hold.action), ("hold:stop_dhid", hold.stop_dhid), ("hold:max_hold_s", max_hold_s)]


def _optional_time(value: datetime | None) -> str | None:
    return None if value is None else _cap_time(value)


def _area(info: Element, stop: str, known: tuple[str, float, float] | None) -> None:
    """The stop as the area: a circle around it when its position is known, else its name only."""
    area = SubElement(info, "area")
    if known is None:
        _text(area, "areaDesc", f"stop {stop}")
        return
    name, lat, lon = known
    _text(area, "areaDesc", f"{name} ({stop})")
    _text(area, "circle", f"{lat:.6f},{lon:.6f} {_STOP_RADIUS_KM}")
