"""CAP 1.2 and Atom for the recipients' systems: one alert's latest revision as CAP (``hub.router.cap_out``), and
a domain's open alerts as an Atom feed whose entries carry that CAP inline. Both are built from the agency's view of
its alerts (for HAVAG without the fields marked sensitive), never from the alert as stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from xml.etree.ElementTree import Element, SubElement, register_namespace, tostring

import defusedxml.ElementTree as SafeET

from hub.console.places import Places
from hub.console.source import StoredAlert
from hub.console.views import redacted_alert
from hub.router.cap_out import CAP12_NAMESPACE, render_cap
from hub.schemas.alert import Alert

__all__ = ["ATOM_NAMESPACE", "ATOM_TYPE", "CAP_TYPE", "atom_feed", "cap_document"]

ATOM_NAMESPACE = "http://www.w3.org/2005/Atom"
CAP_TYPE = "application/cap+xml"
ATOM_TYPE = "application/atom+xml"
_AUTHOR = "Integrationsplattform Halle (Saale)"


def cap_document(latest: StoredAlert, previous: StoredAlert | None, agency: str, places: Places) -> bytes:
    """The latest revision as CAP 1.2 as ``agency`` may see it, referencing the revision before it."""
    alert = redacted_alert(latest.alert, agency)
    before = None if previous is None else redacted_alert(previous.alert, agency)
    positions = {
        dhid: found
        for dhid in (alert.stop_dhid, alert.intercept_stop_dhid)
        if dhid is not None and (found := places.stop(dhid)) is not None
    }
    return render_cap(alert, previous=before, stop_positions=positions)


def _title(alert: Alert) -> str:
    title = f"P{alert.priority} {alert.category} ({alert.state})"
    title += f", line {alert.line}" if alert.line else ""
    return title + (f", vehicle {alert.vehicle}" if alert.vehicle else "")


def _time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _text(parent: Element, tag: str, value: str) -> Element:
    child = SubElement(parent, f"{{{ATOM_NAMESPACE}}}{tag}")
    child.text = value
    return child


def atom_feed(
    domain: str,
    entries: Sequence[tuple[StoredAlert, StoredAlert | None]],
    places: Places,
    base_url: str,
    now: datetime,
) -> bytes:
    """``domain``'s alerts as an Atom feed (RFC 4287): one entry per (latest, previous) revision, its CAP inline
    as the content and linked, newest change first."""
    # Prefixes instead of ns0/ns1 (ElementTree cannot make Atom the default namespace with unprefixed attributes).
    register_namespace("atom", ATOM_NAMESPACE)
    register_namespace("cap", CAP12_NAMESPACE)
    feed = Element(f"{{{ATOM_NAMESPACE}}}feed")
    _text(feed, "id", f"urn:hub:halle:alerts:{domain}")
    _text(feed, "title", f"Alerts for {domain}")
    newest = max((latest.alert.issued_at for latest, _ in entries), default=now)
    _text(feed, "updated", _time(newest))
    _text(SubElement(feed, f"{{{ATOM_NAMESPACE}}}author"), "name", _AUTHOR)
    SubElement(
        feed, f"{{{ATOM_NAMESPACE}}}link", rel="self", type=ATOM_TYPE, href=f"{base_url}/api/feeds/{domain}.atom"
    )
    ordered = sorted(entries, key=lambda pair: pair[0].alert.issued_at, reverse=True)
    for latest, previous in ordered:
        alert = redacted_alert(latest.alert, domain)
        entry = SubElement(feed, f"{{{ATOM_NAMESPACE}}}entry")
        _text(entry, "id", f"urn:hub:halle:alert:{alert.alert_id}:r{alert.revision}")
        _text(entry, "title", _title(alert))
        _text(entry, "updated", _time(alert.issued_at))
        href = f"{base_url}/api/alerts/{alert.alert_id}/cap"
        SubElement(entry, f"{{{ATOM_NAMESPACE}}}link", rel="alternate", type=CAP_TYPE, href=href)
        content = SubElement(entry, f"{{{ATOM_NAMESPACE}}}content", type=CAP_TYPE)
        content.append(SafeET.fromstring(cap_document(latest, previous, domain, places)))
    body: bytes = tostring(feed, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body
