"""The router's decision log: one structured line per alert revision and per refused action, with stable event
names and ids, revisions, states and field names only; nothing on inputs that change no alert."""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from typing import Any

import structlog

from hub.router.alerts import alert_id
from hub.router.alerts.decisions import decision
from hub.router.core import RouterCore
from hub.schemas.alert import Alert
from hub.schemas.transit import VehiclePosition
from tests.unit.router.test_alerts import REC, T0, Clock, desk, entry, incident, meeting, recommendation, token
from tests.unit.router.test_alerts_stage import LINE5, alarm, at, event
from tests.unit.router.test_alerts_stage import core as core  # the fixture
from tests.unit.router.test_cap_out import alert

COMMON = {"stage", "alert_id", "revision", "recipient", "incident_id", "kind", "state", "priority"}
POLICE = alert_id("E1", "polizei")


def police_lines(logs: list[MutableMapping[str, Any]]) -> list[MutableMapping[str, Any]]:
    return [e for e in logs if e.get("alert_id") == POLICE]


def test_each_decision_is_one_line_with_its_fields() -> None:
    """Issued, escalated, acknowledged, revised and cleared each log one info line with the alert's ids, revision,
    state and priority, plus what the decision was: the changed field names, the escalation step, the confirmed
    revision, the clear reason."""
    clock = Clock()
    with structlog.testing.capture_logs() as logs:
        d = desk(clock)
        d.incident(incident(), REC)
        clock.now += 90
        d.tick()
        d.ack(POLICE, "ELS", revision=2)
        clock.now += 10
        d.incident(incident(priority=1), REC)
        d.incident(incident(status="closed"), None)
    lines = police_lines(logs)
    assert [e["event"] for e in lines] == [
        "alert issued",
        "alert escalated",
        "alert acknowledged",
        "alert revised",
        "alert cleared",
    ]
    assert all(set(e) >= COMMON and e["log_level"] == "info" and e["stage"] == "router" for e in lines)
    assert [e["revision"] for e in lines] == [1, 2, 3, 4, 5]
    issued, escalated, acked, revised, cleared = lines
    assert (issued["recipient"], issued["incident_id"], issued["kind"], issued["category"]) == (
        "polizei",
        "E1",
        "incident",
        "CRIME",
    )
    assert (escalated["escalation"], escalated["escalation_level"], escalated["escalated_to"]) == ("next_unit", 1, None)
    assert "recommended_unit" in escalated["changed"]
    assert (acked["state"], acked["acknowledged_revision"]) == ("acknowledged", 2)
    assert (revised["priority"], revised["changed"]) == (1, ["priority"])
    assert (cleared["state"], cleared["clear_reason"]) == ("resolved", "incident_closed")
    havag = [e["event"] for e in logs if e["recipient"] == "havag"]
    assert havag[0] == "alert issued"
    assert {e["incident_id"] for e in logs if e["recipient"] == "havag"} == {token("E1")}


def test_expiry_reopening_resolution_and_supervisor_are_logged() -> None:
    """Expired, reopened (news after expiry), escalated to the supervisor and resolved by the recipient each have
    their own event."""
    clock = Clock()
    with structlog.testing.capture_logs() as logs:
        d = desk(clock, expire_after_s=600.0, unit_escalations=0)
        d.incident(incident(), recommendation(meeting("POL-1")))
        clock.now += 600
        d.tick()
        clock.now += 10
        d.incident(incident(), recommendation(meeting("POL-1")))
        clock.now += 90
        d.tick()
        d.resolve(POLICE)
    lines = police_lines(logs)
    assert [e["event"] for e in lines] == [
        "alert issued",
        "alert expired",
        "alert reopened",
        "alert escalated",
        "alert resolved",
    ]
    assert (lines[3]["escalation"], lines[3]["escalated_to"]) == ("supervisor", "Dienstgruppenleiter")
    assert lines[4]["clear_reason"] == "resolved_by_recipient"


def test_watchdog_decisions_are_logged() -> None:
    """A watchdog warning logs its issue and its all-clear, as kind watchdog."""
    clock = Clock(T0 + 1_000)
    with structlog.testing.capture_logs() as logs:
        d = desk(clock)
        d.tick([entry("POL-1", 3, T0)])
        d.tick([entry("POL-1", 3, clock.now)])
    assert [(e["event"], e["kind"], e.get("clear_reason")) for e in logs] == [
        ("alert issued", "watchdog", None),
        ("alert cleared", "watchdog", "units_heard"),
    ]


def test_decision_lines_carry_no_personal_data() -> None:
    """No line carries who acknowledged, the caller, the description, the assessment or a call sign; the person's
    name and free texts appear nowhere in the log."""
    clock = Clock()
    with structlog.testing.capture_logs() as logs:
        d = desk(clock)
        d.incident(incident(), REC)
        d.ack(POLICE, "PHK Erika Beispiel")
        d.ack(POLICE, "PHK Erika Beispiel")
        d.resolve(POLICE, revision=1)
    text = repr(logs)
    for secret in ("Erika", "Mustermann", "345 1234567", "roter Jacke", "Intensivtäter", "POL-1"):
        assert secret not in text
    forbidden = {"acknowledged_by", "by", "instructions", "recommended_unit", "note", "caller", "description"}
    assert all(not (forbidden & set(e)) for e in logs)


def test_inputs_that_change_no_alert_log_nothing(core: tuple[RouterCore, Clock]) -> None:
    """Tram positions and unit reports with no alert to revise, and an unchanged incident, write no line; a note is
    one debug line without its text."""
    router, _ = core
    router.process("canon.incident", event(alarm(), 100))
    with structlog.testing.capture_logs() as logs:
        for n in range(20):
            lat, lon = LINE5.point_at(1_000 + n)
            tram = VehiclePosition(vehicle="999", line="5", lat=lat, lon=lon, observed_at=at(T0 + n))
            router.process("canon.vehicle-position", event(tram, 200 + n, T0 + n))
        router.process("canon.incident", event(alarm(), 101))
    assert logs == []
    police = router.desk.alert_for("DA-1", "polizei")
    assert police is not None
    note = {"alert_id": police.alert_id, "by": "ELS", "at": at(T0).isoformat(), "action": "note", "note": "Frau M."}
    with structlog.testing.capture_logs() as logs:
        assert router.process("acks.polizei", json.dumps(note).encode()) == []
    assert logs == [
        {"event": "alert note", "log_level": "debug", "stage": "router", "alert_id": police.alert_id, "action": "note"}
    ]


def test_decision_names_the_transition() -> None:
    """The pure classification: the first revision is issued; a state change names the new state; a rising
    escalation level or HAVAG's silence is an escalation; anything else a revision with the changed fields."""
    base = alert()

    def after(**update: object) -> Alert:
        return base.model_copy(update={"revision": 2, "issued_at": at(T0 + 1), **update})

    assert decision(None, base) == ("alert issued", {"category": "CRIME", "mode": "actual"})
    assert decision(base, after(havag_unanswered=True, priority=1))[0] == "alert escalated"
    assert decision(base, after(line="7")) == ("alert revised", {"changed": ["line"]})
    assert decision(base, after(state="expired", clear_reason="expired"))[0] == "alert expired"
    assert decision(after(state="acknowledged"), base)[0] == "alert reopened"
