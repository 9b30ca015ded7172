"""Actions on alerts (``acks.<domain>``): an acknowledgement binds to the revision the person saw, ``resolve``
finishes a recipient's alert for good (incident alerts, HAVAG groups, watchdog warnings), ``note`` changes nothing;
refused actions are logged without personal data."""

from __future__ import annotations

import json

import pytest
import structlog

from hub.errors import InvalidEventError
from hub.router.alerts import AlertDesk, alert_id
from hub.router.core import RouterCore
from hub.schemas.alert import Alert
from hub.schemas.units import GeoFix, UnitStatus
from tests.unit.router.test_alerts import (
    REC,
    T0,
    Clock,
    at,
    by_recipient,
    desk,
    entry,
    incident,
    meeting,
    recommendation,
    token,
)
from tests.unit.router.test_alerts_stage import LINE5, alarm, alerts, event
from tests.unit.router.test_alerts_stage import core as core  # the fixture

POLICE = alert_id("E1", "polizei")
MOVED = recommendation(meeting("POL-1", hold=45, eta=T0 + 500), meeting("POL-2"), meeting("POL-3"))


def revised(d: AlertDesk, clock: Clock) -> Alert:
    """The police alert of E1 at revision 2: the plan changed after revision 1."""
    d.incident(incident(), REC)
    clock.now += 10
    police = by_recipient(d.incident(incident(), MOVED))["polizei"]
    assert police.revision == 2
    return police


# --- acknowledge ------------------------------------------------------------------------------------------------


def test_ack_of_the_latest_revision_confirms_it() -> None:
    """An acknowledgement of the latest revision acknowledges the alert, and the new revision says which revision
    was confirmed."""
    clock = Clock()
    d = desk(clock)
    latest = revised(d, clock)
    (acked,) = d.ack(POLICE, "ELS", revision=2)
    assert (acked.state, acked.revision, acked.acknowledged_revision) == ("acknowledged", 3, 2)
    assert acked.acknowledged_by == "ELS"
    assert acked.recommended_unit == latest.recommended_unit


def test_ack_without_revision_confirms_the_latest() -> None:
    """An acknowledgement without a revision (an older client) acknowledges the latest revision, as before."""
    clock = Clock()
    d = desk(clock)
    revised(d, clock)
    (acked,) = d.ack(POLICE, "ELS")
    assert (acked.state, acked.acknowledged_revision) == ("acknowledged", 2)


def test_stale_ack_changes_nothing_and_is_logged() -> None:
    """An acknowledgement of an older revision changes nothing (escalation goes on) and is logged as a stale
    acknowledgement with the alert id and both revisions, without the person's name."""
    clock = Clock()
    d = desk(clock)
    revised(d, clock)
    with structlog.testing.capture_logs() as logs:
        assert d.ack(POLICE, "PHK Erika Beispiel", revision=1) == []
    record = d.record(POLICE)
    assert record is not None
    assert (record.state, record.acknowledged_by, record.acknowledged_revision) == ("new", None, None)
    assert logs == [
        {
            "event": "stale acknowledgement",
            "log_level": "info",
            "stage": "router",
            "alert_id": POLICE,
            "action": "acknowledge",
            "reason": "stale_revision",
            "revision": 1,
            "latest_revision": 2,
        }
    ]
    clock.now += 90
    assert by_recipient(d.tick())["polizei"].escalation == "next_unit"


def test_ack_of_a_revision_ahead_is_refused() -> None:
    """An acknowledgement of a revision the alert never had changes nothing and is logged as refused."""
    clock = Clock()
    d = desk(clock)
    d.incident(incident(), REC)
    with structlog.testing.capture_logs() as logs:
        assert d.ack(POLICE, "ELS", revision=2) == []
    assert [(e["event"], e["reason"], e["revision"], e["latest_revision"]) for e in logs] == [
        ("action refused", "revision_ahead", 2, 1)
    ]
    record = d.record(POLICE)
    assert record is not None
    assert record.state == "new"


def test_unknown_finished_and_repeated_acks_are_refused_and_logged() -> None:
    """An acknowledgement of an unknown alert, a second one, and one of a finished alert change nothing; each is
    logged with its reason."""
    clock = Clock()
    d = desk(clock)
    d.incident(incident(), REC)
    with structlog.testing.capture_logs() as logs:
        assert d.ack("al-polizei-000000000000000000000000", "ELS") == []
        assert len(d.ack(POLICE, "ELS")) == 1
        assert d.ack(POLICE, "ELS") == []
        d.incident(incident(status="closed"), None)
        assert d.ack(POLICE, "ELS") == []
    refused = [(e["reason"], e["latest_revision"]) for e in logs if e["event"] == "action refused"]
    assert refused == [("unknown_alert", None), ("already_acknowledged", 2), ("finished", 3)]


# --- resolve ----------------------------------------------------------------------------------------------------


def test_resolve_clears_the_alert_down_for_good() -> None:
    """A resolved alert's next revision is the clear-down (resolved_by_recipient, cleared now); it then neither
    escalates nor expires, and later news of the incident revises only the other recipients' alerts."""
    clock = Clock()
    d = desk(clock, expire_after_s=600.0)
    d.incident(incident(), REC)
    clock.now += 30
    (resolved,) = d.resolve(POLICE, revision=1)
    assert (resolved.revision, resolved.state, resolved.clear_reason) == (2, "resolved", "resolved_by_recipient")
    assert resolved.cleared_at == at(clock.now)
    assert resolved.instructions is not None
    assert "cleared: resolved by the recipient" in resolved.instructions
    assert resolved.acknowledged_by is None  # resolving is not acknowledging
    clock.now += 90
    assert [a for a in d.tick() if a.recipient == "polizei"] == []
    clock.now += 10
    update = by_recipient(d.incident(incident(priority=1), MOVED))
    assert "polizei" not in update
    assert update["havag"].priority == 1
    clock.now += 600
    assert [a for a in d.tick() if a.recipient == "polizei"] == []  # no expiry either
    assert "polizei" not in by_recipient(d.incident(incident(status="closed"), None))
    assert d.alert_for("E1", "polizei") == resolved


def test_resolve_of_an_acknowledged_alert_and_stale_resolve() -> None:
    """An acknowledged alert can be resolved; a resolve naming an older revision changes nothing and is logged as
    stale, and a second resolve is refused as finished."""
    clock = Clock()
    d = desk(clock)
    d.incident(incident(), REC)
    d.ack(POLICE, "ELS", revision=1)
    with structlog.testing.capture_logs() as logs:
        assert d.resolve(POLICE, revision=1) == []
        (resolved,) = d.resolve(POLICE, revision=2)
        assert d.resolve(POLICE) == []
    assert (resolved.state, resolved.revision, resolved.acknowledged_revision) == ("resolved", 3, 1)
    assert [(e["event"], e.get("reason")) for e in logs] == [
        ("stale acknowledgement", "stale_revision"),
        ("alert resolved", None),
        ("action refused", "finished"),
    ]
    assert logs[0]["action"] == "resolve"


def test_resolved_alert_is_remembered_while_news_comes() -> None:
    """A resolved alert stays remembered while its incident sends news, so the news pages nobody; an hour after the
    last news it is forgotten, and only news after that opens the alert again with the next revision."""
    clock = Clock()
    d = desk(clock, retain_finished_s=3600.0)
    d.incident(incident(), REC)
    (resolved,) = d.resolve(POLICE)
    for _ in range(3):
        clock.now += 3000
        d.tick()
        assert "polizei" not in by_recipient(d.incident(incident(), REC))
    clock.now += 3600
    d.tick()
    assert d.record(POLICE) is None
    reopened = by_recipient(d.incident(incident(), REC))["polizei"]
    assert (reopened.state, reopened.revision) == ("new", resolved.revision + 1)


def test_havag_resolves_its_group() -> None:
    """HAVAG resolving its group alert finishes it for every incident in it: their news revises it no more, a new
    incident on the line opens a new group, and the police alerts no longer say HAVAG did not answer."""
    clock = Clock()
    d = desk(clock)
    first = by_recipient(d.incident(incident(), REC))
    clock.now += 60
    d.incident(incident("E2", vehicle="655"), None)
    d.ack(POLICE, "ELS")
    clock.now += 90
    assert by_recipient(d.tick())["polizei"].havag_unanswered
    group, *police = d.resolve(first["havag"].alert_id)
    assert (group.recipient, group.state, group.clear_reason) == ("havag", "resolved", "resolved_by_recipient")
    assert group.instructions is not None
    assert "clear-down: resolved by HAVAG" in group.instructions
    assert sorted((a.incident_id, a.havag_unanswered) for a in police) == [("E1", False), ("E2", False)]
    clock.now += 10
    assert "havag" not in by_recipient(d.incident(incident("E2", vehicle="655", priority=1), None))
    assert "havag" not in by_recipient(d.incident(incident(status="closed"), None))
    fresh = by_recipient(d.incident(incident("E3", vehicle="656"), None))["havag"]
    assert fresh.alert_id == alert_id(token("E3"), "havag")
    assert (fresh.revision, fresh.state) == (1, "new")


def test_resolved_watchdog_warning_stays_quiet_for_the_same_silence() -> None:
    """A watchdog warning the recipient resolved is not raised again for the units it listed while they stay
    silent; a unit falling silent anew (another one, or the same after it was heard) reopens it."""
    clock = Clock(T0 + 1_000)
    d = desk(clock)
    (warning,) = d.tick([entry("POL-1", 3, T0)])
    (resolved,) = d.resolve(warning.alert_id, revision=warning.revision)
    assert (resolved.state, resolved.clear_reason) == ("resolved", "resolved_by_recipient")
    for _ in range(3):
        clock.now += 600
        assert d.tick([entry("POL-1", 3, T0)]) == []
    (reopened,) = d.tick([entry("POL-1", 3, T0), entry("POL-2", 3, T0 + 100)])
    assert (reopened.state, reopened.revision, reopened.clear_reason) == ("new", resolved.revision + 1, None)
    assert reopened.instructions is not None
    assert "POL-2" in reopened.instructions


def test_resolved_watchdog_reopens_when_a_unit_heard_since_falls_silent_again() -> None:
    """The same unit, heard after the resolution and silent past its limit again, reopens the warning."""
    clock = Clock(T0 + 1_000)
    d = desk(clock)
    (warning,) = d.tick([entry("POL-1", 3, T0)])
    d.resolve(warning.alert_id)
    assert d.tick([entry("POL-1", 3, clock.now)]) == []  # heard: nothing to say about a resolved warning
    clock.now += 1_000
    (reopened,) = d.tick([entry("POL-1", 3, T0 + 1_000)])
    assert reopened.state == "new"


# --- through the stage: acks.<domain> ---------------------------------------------------------------------------


def action(alert: str, **fields: object) -> bytes:
    return json.dumps({"alert_id": alert, "by": "ELS Halle", "at": at(T0 + 30).isoformat(), **fields}).encode()


def test_stage_takes_revision_resolve_and_note(core: tuple[RouterCore, Clock]) -> None:
    """On acks.polizei: a note changes nothing and is no error, a stale acknowledgement changes nothing, an
    acknowledgement of the latest revision acknowledges it, and a resolve clears the alert down."""
    router, clock = core
    police = alerts(router.process("canon.incident", event(alarm(), 100)))["alerts.polizei"]
    assert router.process("acks.polizei", action(police.alert_id, action="note", note="Streife informiert")) == []
    assert router.process("acks.polizei", action(police.alert_id, revision=police.revision + 1)) == []
    record = router.desk.record(police.alert_id)
    assert record is not None
    assert record.state == "new"
    clock.now += 30
    acked = alerts(router.process("acks.polizei", action(police.alert_id, revision=police.revision)))
    assert acked["alerts.polizei"].acknowledged_revision == police.revision
    resolved = alerts(router.process("acks.polizei", action(police.alert_id, action="resolve", note="erledigt")))
    assert set(resolved) == {"alerts.polizei"}
    assert (resolved["alerts.polizei"].state, resolved["alerts.polizei"].clear_reason) == (
        "resolved",
        "resolved_by_recipient",
    )


@pytest.mark.parametrize("kind", ["resolve", "note", "acknowledge"])
def test_no_action_on_another_domains_alert(core: tuple[RouterCore, Clock], kind: str) -> None:
    """HAVAG can neither acknowledge, resolve nor annotate a police alert: refused as unsupported."""
    router, _ = core
    police = alerts(router.process("canon.incident", event(alarm(), 100)))["alerts.polizei"]
    with pytest.raises(InvalidEventError) as raised:
        router.process("acks.havag", action(police.alert_id, action=kind))
    assert raised.value.code == "unsupported"


@pytest.mark.parametrize(
    ("fields", "name"),
    [
        ({"note": "x" * 2001}, "note"),
        ({"note": ""}, "note"),
        ({"revision": 0}, "revision"),
        ({"action": "x"}, "action"),
    ],
)
def test_bad_action_fields_are_invalid(core: tuple[RouterCore, Clock], fields: dict[str, object], name: str) -> None:
    """A note over 2000 characters or empty, a revision below 1 and an unknown action are schema violations."""
    router, _ = core
    with pytest.raises(InvalidEventError) as raised:
        router.process("acks.polizei", action("al-polizei-1", **fields))
    assert raised.value.code == "schema_violation"
    assert name in raised.value.reason


def test_incident_stays_open_for_the_ordnungsamt_after_the_police_resolved(core: tuple[RouterCore, Clock]) -> None:
    """The police resolving their alert keeps the incident for the Ordnungsamt's still open alert (its proposal
    goes on following the units); once that is resolved too, the router lets the incident go."""
    router, _ = core
    lat, lon = LINE5.point_at(5_000)
    officer = UnitStatus(
        agency="ordnungsamt", unit="OA-1", status_code=1, position=GeoFix(lat=lat, lon=lon + 0.001), observed_at=at(T0)
    )
    router.process("canon.unit-status", event(officer, 20))
    sent = alerts(router.process("canon.incident", event(alarm(), 100)))
    police, ordnungsamt = sent["alerts.polizei"], sent["alerts.ordnungsamt"]
    router.process("acks.polizei", action(police.alert_id, action="resolve"))
    router.tick()
    assert "DA-1" in router.incidents
    router.process("acks.ordnungsamt", action(ordnungsamt.alert_id, action="resolve"))
    router.tick()
    assert router.incidents == {}
