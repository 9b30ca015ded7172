"""CAP 1.2 output: the document validates against the OASIS XSD (checked with the standard library only), follows
the lifecycle (Alert, Update with references, Cancel), and the hub's own CAP format reads it back."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.formats.cap import read_alert
from hub.formats.registry import FORMATS
from hub.router.alerts import AlertDesk
from hub.router.cap_out import CAP12_NAMESPACE, DEFAULT_SENDER, cap_identifier, cap_msg_type, render_cap
from hub.schemas.alert import Alert, HoldRequest
from hub.schemas.incident import Incident

XSD = Path("/work/shared/corpus/cap/schema/CAP-v1.2.xsd")
XS = "{http://www.w3.org/2001/XMLSchema}"
CAP = "{" + CAP12_NAMESPACE + "}"
T0 = datetime(2026, 11, 25, 22, 14, 5, tzinfo=UTC)
STOP = "de:15002:3945"
POSITIONS = {STOP: ("Am Steintor", 51.4921, 11.9756)}


@dataclass
class Decl:
    """One element declaration of the XSD: occurrence bounds, child sequence, allowed values."""

    name: str
    min: int
    max: float
    children: list[Decl] | None
    enums: list[str]
    pattern: str | None


def _compile(element: ET.Element, tops: dict[str, ET.Element]) -> Decl:
    ref = element.get("ref")
    body = tops[ref.split(":")[-1]] if ref else element
    max_text = element.get("maxOccurs", "1")
    decl = Decl(
        name=body.get("name", ""),
        min=int(element.get("minOccurs", "1")),
        max=float("inf") if max_text == "unbounded" else int(max_text),
        children=None,
        enums=[e.get("value", "") for e in body.iter(f"{XS}enumeration")],
        pattern=None,
    )
    pattern = body.find(f"{XS}simpleType/{XS}restriction/{XS}pattern")
    if pattern is not None:
        decl.pattern = pattern.get("value")
    sequence = body.find(f"{XS}complexType/{XS}sequence")
    if sequence is not None:
        decl.enums = []
        decl.children = [_compile(child, tops) for child in sequence if child.tag == f"{XS}element"]
    return decl


def load_xsd() -> Decl:
    root = ET.parse(XSD).getroot()
    tops = {e.get("name", ""): e for e in root.findall(f"{XS}element")}
    return _compile(tops["alert"], tops)


def validate(element: ET.Element, decl: Decl, path: str = "") -> list[str]:
    """Errors of ``element`` against ``decl``: names, namespace, order, counts, enumerations and patterns."""
    where = f"{path}/{decl.name}"
    if element.tag != CAP + decl.name:
        return [f"{where}: found {element.tag}"]
    errors: list[str] = []
    if decl.children is None:
        text = (element.text or "").strip()
        if decl.enums and text not in decl.enums:
            errors.append(f"{where}: {text!r} not in {decl.enums}")
        if decl.pattern is not None and not re.fullmatch(decl.pattern.replace("\\d", "[0-9]"), text):
            errors.append(f"{where}: {text!r} does not match {decl.pattern}")
        return errors
    children = list(element)
    i = 0
    for child_decl in decl.children:
        count = 0
        while i < len(children) and children[i].tag == CAP + child_decl.name and count < child_decl.max:
            errors += validate(children[i], child_decl, where)
            i += 1
            count += 1
        if count < child_decl.min:
            errors.append(f"{where}: {child_decl.name} expected at least {child_decl.min}, found {count}")
    if i < len(children):
        errors.append(f"{where}: unexpected {children[i].tag} (wrong order or unknown)")
    return errors


SCHEMA = load_xsd()


def alert(**kw: object) -> Alert:
    data: dict[str, object] = {
        "alert_id": "al-polizei-0123456789abcdef01234567",
        "revision": 1,
        "incident_id": "E1",
        "recipient": "polizei",
        "state": "new",
        "category": "CRIME",
        "priority": 2,
        "vehicle": "654",
        "line": "5",
        "stop_dhid": "de:15002:1000",
        "recommended_unit": "POL-12",
        "intercept_stop_dhid": STOP,
        "unit_eta": T0.replace(minute=18),
        "vehicle_eta": T0.replace(minute=17),
        "hold_request": HoldRequest(action="hold_at_stop", stop_dhid=STOP, max_hold_s=45),
        "instructions": "runners-up: POL-3, POL-4",
        "issued_at": T0,
    }
    data.update(kw)
    return Alert.model_validate(data)


def params(xml: bytes) -> dict[str, str]:
    root = ET.fromstring(xml)
    return {p.findtext(f"{CAP}valueName", ""): p.findtext(f"{CAP}value", "") for p in root.iter(f"{CAP}parameter")}


def incident_of(xml: bytes) -> Incident:
    (record,) = FORMATS["cap"].to_canonical(xml)
    envelope = record.event
    return Incident.model_validate(envelope.data)


def test_first_revision_validates_against_the_xsd() -> None:
    """A first revision renders as a CAP 1.2 Alert that the OASIS schema accepts."""
    xml = render_cap(alert(), stop_positions=POSITIONS)
    root = ET.fromstring(xml)
    assert validate(root, SCHEMA) == []
    assert root.findtext(f"{CAP}msgType") == "Alert"
    assert root.findtext(f"{CAP}status") == "Actual"
    assert root.findtext(f"{CAP}scope") == "Restricted"
    assert root.findtext(f"{CAP}identifier") == "al-polizei-0123456789abcdef01234567.r1"
    assert root.findtext(f"{CAP}sent") == "2026-11-25T22:14:05-00:00"
    assert root.find(f"{CAP}references") is None


def test_the_validator_catches_errors() -> None:
    """The stdlib schema check rejects a wrong enumeration and a missing required element."""
    root = ET.fromstring(render_cap(alert()))
    root.find(f"{CAP}scope").text = "Secret"  # type: ignore[union-attr]
    root.remove(root.find(f"{CAP}sender"))  # type: ignore[arg-type]
    errors = validate(root, SCHEMA)
    assert any("scope" in e for e in errors)
    assert any("sender" in e for e in errors)


def test_update_references_the_previous_revision() -> None:
    """A later revision is an Update whose references name the previous revision's identifier and sent time."""
    first = alert()
    second = alert(revision=2, state="acknowledged", issued_at=T0.replace(minute=15))
    xml = render_cap(second, previous=first)
    root = ET.fromstring(xml)
    assert validate(root, SCHEMA) == []
    assert root.findtext(f"{CAP}msgType") == "Update"
    assert root.findtext(f"{CAP}references") == (
        f"router@hub.halle.de,{cap_identifier(first)},2026-11-25T22:14:05-00:00"
    )


@pytest.mark.parametrize("state", ["resolved", "expired"])
def test_finished_alert_is_a_cancel(state: str) -> None:
    """A resolved or expired alert renders as a Cancel with an all-clear."""
    xml = render_cap(alert(revision=3, state=state, issued_at=T0.replace(minute=40)), previous=alert(revision=2))
    root = ET.fromstring(xml)
    assert validate(root, SCHEMA) == []
    assert root.findtext(f"{CAP}msgType") == "Cancel"
    assert root.findtext(f"{CAP}info/{CAP}responseType") == "AllClear"


def test_previous_must_be_an_earlier_revision() -> None:
    """Referencing a later revision or another alert is refused."""
    with pytest.raises(ValueError, match="earlier revision"):
        render_cap(alert(revision=2), previous=alert(revision=2))


def test_area_and_hold_parameters() -> None:
    """The intercept stop becomes the area circle; the hold request and router details travel as parameters."""
    xml = render_cap(alert(), stop_positions=POSITIONS)
    root = ET.fromstring(xml)
    assert root.findtext(f"{CAP}info/{CAP}area/{CAP}circle") == "51.492100,11.975600 0.1"
    got = params(xml)
    assert got["hold:action"] == "hold_at_stop"
    assert got["hold:stop_dhid"] == STOP
    assert got["hold:max_hold_s"] == "45"
    assert got["router:recommended_unit"] == "POL-12"
    assert got["router:unit_eta"] == "2026-11-25T22:18:05-00:00"
    unknown = ET.fromstring(render_cap(alert()))
    assert unknown.find(f"{CAP}info/{CAP}area/{CAP}circle") is None
    assert unknown.findtext(f"{CAP}info/{CAP}area/{CAP}areaDesc") == f"stop {STOP}"


def test_havag_alert_carries_no_unit() -> None:
    """A HAVAG alert (no recommended unit) renders without any unit parameter."""
    xml = render_cap(alert(recipient="havag", recommended_unit=None, incident_id="ps1.k1.ABC"))
    assert "router:recommended_unit" not in params(xml)
    assert b"POL-12" not in xml


def test_round_trip_through_the_hubs_cap_format() -> None:
    """The hub's own CAP format reads the output back: same incident, category, priority, vehicle, line, stop."""
    first = alert()
    back = incident_of(render_cap(first, stop_positions=POSITIONS))
    assert back.incident_id == f"{DEFAULT_SENDER},{cap_identifier(first)}"  # the hub's CAP record id
    assert (back.type_code, back.priority, back.vehicle, back.line, back.stop_dhid) == (
        "CRIME",
        2,
        "654",
        "5",
        "de:15002:1000",
    )
    assert back.status == "open"
    assert back.location is not None
    assert back.location.lat == pytest.approx(51.4921)
    update = incident_of(render_cap(alert(revision=2, priority=1), previous=first))
    assert update.incident_id == back.incident_id  # an update names the revision that opened it
    assert (update.status, update.priority) == ("updated", 1)
    cancel = incident_of(render_cap(alert(revision=3, state="resolved"), previous=alert(revision=2)))
    assert cancel.status == "cancelled"


@settings(max_examples=60, deadline=None)
@given(
    category=st.sampled_from(["CRIME", "MEDICAL", "SAFETY", "TRANSIT", "PUBLIC_ORDER", "FIRE", "TECHNICAL", "OTHER"]),
    priority=st.integers(1, 5),
    state=st.sampled_from(["new", "acknowledged", "resolved", "expired"]),
    revision=st.integers(1, 50),
    instructions=st.text(
        st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=200
    ),  # NUL is refused
)
def test_any_alert_validates_and_reads_back(
    category: str, priority: int, state: str, revision: int, instructions: str
) -> None:
    """Every category, priority, state and free text (control characters too) renders to schema-valid CAP that
    the hub reads back."""
    previous = alert(revision=revision - 1) if revision > 1 else None
    current = alert(category=category, priority=priority, state=state, revision=revision, instructions=instructions)
    xml = render_cap(current, previous=previous)
    assert validate(ET.fromstring(xml), SCHEMA) == []
    assert read_alert(xml).msg_type in ("Alert", "Update", "Cancel")
    back = incident_of(xml)
    assert back.priority == priority
    assert back.type_code == category


# --- mode, escalation and clear-down -----------------------------------------------------------------------------


@pytest.mark.parametrize(("mode", "status"), [("actual", "Actual"), ("exercise", "Exercise"), ("test", "Test")])
def test_status_follows_the_incidents_mode(mode: str, status: str) -> None:
    """An exercise incident's alert, from the desk to CAP, is a CAP Exercise; a test a Test; the hub reads the mode
    back."""
    desk = AlertDesk(clock=lambda: T0.timestamp(), reference=lambda iid: f"ref-{iid}")
    incident = Incident.model_validate(
        {
            "incident_id": "E1",
            "mode": mode,
            "origin": "driver_alarm",
            "type_code": "CRIME/ASSAULT",
            "priority": 2,
            "status": "open",
            "reported_at": T0,
            "confidentiality": "restricted",
            "legal_basis": "SOG LSA § 27",
            "retention_class": "standard",
            "vehicle": "654",
            "line": "5",
        }
    )
    for sent in desk.incident(incident, None):
        assert sent.mode == mode
        xml = render_cap(sent)
        root = ET.fromstring(xml)
        assert validate(root, SCHEMA) == []
        assert root.findtext(f"{CAP}status") == status
        assert ("not a real incident" in (root.findtext(f"{CAP}note") or "")) == (mode != "actual")
        assert incident_of(xml).mode == mode


@pytest.mark.parametrize(
    ("state", "reason", "msg_type", "read_back"),
    [
        ("resolved", "incident_closed", "Update", "updated"),
        ("resolved", "units_heard", "Update", "updated"),
        ("resolved", "incident_cancelled", "Cancel", "cancelled"),
        ("expired", "expired", "Cancel", "cancelled"),
        ("resolved", None, "Cancel", "cancelled"),  # written before clear_reason existed: as before
        ("expired", None, "Cancel", "cancelled"),
    ],
)
def test_clear_down_message_type(state: str, reason: str | None, msg_type: str, read_back: str) -> None:
    """A closed incident's clear-down is an Update (the event is over), a cancelled incident's or an expired
    alert's a Cancel (withdrawn); both with an all-clear, urgency Past, the reason and the time as parameters."""
    cleared = T0.replace(minute=40)
    current = alert(revision=3, state=state, clear_reason=reason, cleared_at=cleared, issued_at=cleared)
    xml = render_cap(current, previous=alert(revision=2))
    root = ET.fromstring(xml)
    assert validate(root, SCHEMA) == []
    assert cap_msg_type(current) == root.findtext(f"{CAP}msgType") == msg_type
    assert root.findtext(f"{CAP}info/{CAP}responseType") == "AllClear"
    assert root.findtext(f"{CAP}info/{CAP}urgency") == "Past"
    assert root.findtext(f"{CAP}references") is not None
    got = params(xml)
    assert got.get("router:clear_reason") == reason
    assert got["router:cleared_at"] == "2026-11-25T22:40:05-00:00"
    back = incident_of(xml)
    assert back.status == read_back
    assert back.priority == 2


def test_open_alert_has_no_clear_down_parameters() -> None:
    """An open alert is Alert or Update with responseType Execute and no clear-down parameters."""
    for current, previous in ((alert(), None), (alert(revision=2, state="acknowledged"), alert())):
        xml = render_cap(current, previous=previous)
        root = ET.fromstring(xml)
        assert root.findtext(f"{CAP}info/{CAP}responseType") == "Execute"
        assert not any(name.startswith("router:clear") for name in params(xml))


def test_escalation_travels_as_parameters() -> None:
    """The escalation step, its level, the role asked and HAVAG's silence are parameters; none when not escalated."""
    plain = params(render_cap(alert()))
    assert not any(name.startswith(("router:escalat", "router:havag")) for name in plain)
    xml = render_cap(
        alert(escalation="supervisor", escalation_level=3, escalated_to="Dienstgruppenleiter", havag_unanswered=True)
    )
    assert validate(ET.fromstring(xml), SCHEMA) == []
    got = params(xml)
    assert got["router:escalation"] == "supervisor"
    assert got["router:escalation_level"] == "3"
    assert got["router:escalated_to"] == "Dienstgruppenleiter"
    assert got["router:havag_unanswered"] == "true"
    runner_up = params(render_cap(alert(escalation="next_unit", escalation_level=1)))
    assert (runner_up["router:escalation"], runner_up["router:escalation_level"]) == ("next_unit", "1")
    assert "router:escalated_to" not in runner_up
    assert incident_of(xml).priority == 2  # the reader ignores router:* parameters


def vehicle_incident() -> Incident:
    """An open assault on tram 654, as the desk tests feed it."""
    return Incident.model_validate(
        {
            "incident_id": "E1",
            "mode": "actual",
            "origin": "driver_alarm",
            "type_code": "CRIME/ASSAULT",
            "priority": 2,
            "status": "open",
            "reported_at": T0,
            "confidentiality": "restricted",
            "legal_basis": "SOG LSA § 27",
            "retention_class": "standard",
            "vehicle": "654",
        }
    )


def test_desk_escalation_and_clear_down_render() -> None:
    """From the desk: a supervisor escalation and the clear-down of the cancelled incident render as CAP 1.2."""
    now = [T0.timestamp()]
    desk = AlertDesk(clock=lambda: now[0], reference=lambda iid: f"ref-{iid}")
    incident = vehicle_incident()
    revisions = [a for a in desk.incident(incident, None) if a.recipient == "polizei"]
    now[0] += 90
    revisions += [a for a in desk.tick() if a.recipient == "polizei"]
    now[0] += 60
    revisions += [
        a for a in desk.incident(incident.model_copy(update={"status": "cancelled"})) if a.recipient == "polizei"
    ]
    assert [a.revision for a in revisions] == [1, 2, 3]
    docs = [ET.fromstring(render_cap(a, previous=p)) for a, p in zip(revisions, [None, *revisions[:-1]], strict=True)]
    assert all(validate(doc, SCHEMA) == [] for doc in docs)
    assert [doc.findtext(f"{CAP}msgType") for doc in docs] == ["Alert", "Update", "Cancel"]
    escalated = {p.findtext(f"{CAP}valueName"): p.findtext(f"{CAP}value") for p in docs[1].iter(f"{CAP}parameter")}
    assert (escalated["router:escalation"], escalated["router:escalated_to"]) == ("supervisor", "Dienstgruppenleiter")
    assert revisions[2].clear_reason == "incident_cancelled"


@settings(max_examples=60, deadline=None)
@given(
    mode=st.sampled_from(["actual", "exercise", "test"]),
    state=st.sampled_from(["new", "acknowledged", "resolved", "expired"]),
    reason=st.sampled_from(["incident_closed", "incident_cancelled", "units_heard", "resolved_by_recipient", None]),
    escalation=st.sampled_from(["none", "next_unit", "supervisor", "havag_unanswered"]),
    level=st.integers(0, 10),
    role=st.one_of(
        st.none(), st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=60)
    ),
    revision=st.integers(1, 20),
)
def test_any_mode_escalation_and_clear_down_validates(
    mode: str, state: str, reason: str | None, escalation: str, level: int, role: str | None, revision: int
) -> None:
    """Every combination of the new fields renders to schema-valid CAP whose status, msgType and parameters the
    hub's reader accepts."""
    finished = state in ("resolved", "expired")
    clear_reason = ("expired" if state == "expired" else reason) if finished else None
    current = alert(
        mode=mode,
        state=state,
        revision=revision,
        escalation=escalation,
        escalation_level=level,
        escalated_to=role,
        havag_unanswered=escalation == "havag_unanswered",
        clear_reason=clear_reason,
        cleared_at=T0 if finished else None,
    )
    previous = alert(revision=revision - 1) if revision > 1 else None
    xml = render_cap(current, previous=previous)
    assert validate(ET.fromstring(xml), SCHEMA) == []
    assert read_alert(xml).status == {"actual": "Actual", "exercise": "Exercise", "test": "Test"}[mode]
    back = incident_of(xml)
    assert (back.mode, back.priority) == (mode, 2)


def test_recipient_resolution_is_an_all_clear_update() -> None:
    """An alert the recipient resolved renders as a CAP Update with responseType AllClear and urgency Past (the
    condition ended, the message stands), referencing the previous revision, valid against the schema and read
    back by the hub's CAP format as an update."""
    now = [T0.timestamp()]
    desk = AlertDesk(clock=lambda: now[0], reference=lambda iid: f"ref-{iid}")
    incident = vehicle_incident()
    (first,) = [a for a in desk.incident(incident, None) if a.recipient == "polizei"]
    now[0] += 60
    (resolved,) = desk.resolve(first.alert_id, revision=first.revision)
    assert (resolved.state, resolved.clear_reason) == ("resolved", "resolved_by_recipient")
    xml = render_cap(resolved, previous=first)
    root = ET.fromstring(xml)
    assert validate(root, SCHEMA) == []
    assert cap_msg_type(resolved) == root.findtext(f"{CAP}msgType") == "Update"
    assert root.findtext(f"{CAP}info/{CAP}responseType") == "AllClear"
    assert root.findtext(f"{CAP}info/{CAP}urgency") == "Past"
    assert root.findtext(f"{CAP}references") == f"{DEFAULT_SENDER},{cap_identifier(first)},2026-11-25T22:14:05-00:00"
    assert params(xml)["router:clear_reason"] == "resolved_by_recipient"
    assert "cleared: resolved_by_recipient" in (root.findtext(f"{CAP}note") or "")
    assert incident_of(xml).status == "updated"
