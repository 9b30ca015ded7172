"""Builders of small CAP documents for the CAP tests (a fictional Halle control room, fictional incidents), and
checks that the default sample itself is a well-formed CAP 1.2 alert the format accepts."""

from __future__ import annotations

from hub.formats.cap import CapFormat
from hub.formats.xml import parse_xml

NS12 = "urn:oasis:names:tc:emergency:cap:1.2"
SENDER = "leitstelle@polizei.halle.example"
SENT = "2026-11-20T22:00:07+01:00"
MARKT = (51.4828, 11.9697)  # Marktplatz, Halle (Saale)


def area(shapes: str = f"<circle>{MARKT[0]},{MARKT[1]} 0.05</circle>", desc: str = "Marktplatz") -> str:
    return f"<area><areaDesc>{desc}</areaDesc>{shapes}</area>"


def info(
    *,
    category: str = "Security",
    event: str = "Körperverletzung",
    urgency: str = "Immediate",
    severity: str = "Severe",
    certainty: str = "Observed",
    language: str = "de-DE",
    headline: str = "Streit in der Straßenbahn",
    description: str = "Zwei Personen streiten, eine ist verletzt.",
    parameters: dict[str, str] | None = None,
    event_codes: dict[str, str] | None = None,
    areas: str | None = None,
) -> str:
    params = "".join(
        f"<parameter><valueName>{k}</valueName><value>{v}</value></parameter>" for k, v in (parameters or {}).items()
    )
    codes = "".join(
        f"<eventCode><valueName>{k}</valueName><value>{v}</value></eventCode>" for k, v in (event_codes or {}).items()
    )
    return (
        f"<info><language>{language}</language><category>{category}</category><event>{event}</event>"
        f"<urgency>{urgency}</urgency><severity>{severity}</severity><certainty>{certainty}</certainty>{codes}"
        f"<headline>{headline}</headline><description>{description}</description>{params}"
        f"{area() if areas is None else areas}</info>"
    )


def alert(
    identifier: str = "E-2026-000123",
    *,
    sender: str = SENDER,
    sent: str = SENT,
    status: str = "Actual",
    msg_type: str = "Alert",
    scope: str | None = "Restricted",
    references: str | None = None,
    extra: str = "",
    infos: str | None = None,
    ns: str = NS12,
) -> bytes:
    scope_el = f"<scope>{scope}</scope>" if scope is not None else ""
    refs = f"<references>{references}</references>" if references is not None else ""
    body = (
        f"<identifier>{identifier}</identifier><sender>{sender}</sender><sent>{sent}</sent>"
        f"<status>{status}</status><msgType>{msg_type}</msgType>{scope_el}{refs}{extra}"
        f"{info() if infos is None else infos}"
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<alert xmlns="{ns}">{body}</alert>\n'.encode()


def test_default_sample_is_one_cap_alert_with_the_cap_12_namespace() -> None:
    """The builders produce a parseable CAP 1.2 alert whose fields are those the other tests rely on."""
    root = parse_xml(alert())
    assert root.tag == f"{{{NS12}}}alert"
    assert root.findtext(f"{{{NS12}}}sender") == SENDER
    assert root.findtext(f"{{{NS12}}}info/{{{NS12}}}category") == "Security"


def test_default_sample_maps_to_one_incident() -> None:
    """The default sample passes split and to_canonical, so other tests only vary what they test."""
    fmt = CapFormat()
    [record] = fmt.split(alert())
    [out] = fmt.to_canonical(record.value)
    assert out.event.data["incident_id"] == f"{SENDER},E-2026-000123"
