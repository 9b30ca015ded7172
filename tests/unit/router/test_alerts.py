"""The alert lifecycle: revisions only on visible change, acknowledgement, escalation to the runner-up and the
supervisor, expiry and clear-down, HAVAG grouping and inhibition, the 3Z/4Z watchdog, and what each recipient sees."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.router.alerts import AlertDesk, AlertParams, alert_id
from hub.router.live import UnitStateEntry
from hub.router.model import Meeting, Recommendation, StopAhead
from hub.schemas.alert import Alert
from hub.schemas.incident import Incident
from hub.schemas.transit import TransitDisruption

T0 = 1_780_000_000.0
STOP = "de:15002:3945"
OTHER_STOP = "de:15002:5164"


class Clock:
    """A settable clock for the desk."""

    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def token(incident_id: str) -> str:
    return f"ref-{len(incident_id)}-{sum(map(ord, incident_id))}"


def desk(clock: Clock, **params: object) -> AlertDesk:
    return AlertDesk(clock=clock, reference=token, params=AlertParams(**params))  # type: ignore[arg-type]


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def incident(incident_id: str = "E1", **kw: object) -> Incident:
    data: dict[str, object] = {
        "incident_id": incident_id,
        "mode": "actual",
        "origin": "driver_alarm",
        "type_code": "CRIME/ASSAULT",
        "priority": 2,
        "status": "open",
        "reported_at": at(T0),
        "confidentiality": "restricted",
        "legal_basis": "SOG LSA § 27",
        "retention_class": "standard",
        "vehicle": "654",
        "line": "5",
        "stop_dhid": "de:15002:1000",
        "description": "Mann mit roter Jacke bedroht Fahrgast",
        "caller": {"name": "Erika Mustermann", "phone": "+49 345 1234567"},
        "assessment": "bekannter Intensivtäter",
    }
    data.update(kw)
    return Incident.model_validate(data)


def meeting(
    unit: str, *, agency: str = "polizei", stop: str = STOP, eta: float = T0 + 300, hold: float = 0.0
) -> Meeting:
    ahead = StopAhead(4, stop, "Stop", 51.48, 11.97, eta)
    return Meeting(unit, agency, "police_car", "stop", ahead, 200.0, eta + hold, eta, hold, eta + hold)


def recommendation(*meetings: Meeting, incident_id: str = "E1") -> Recommendation:
    best, *rest = meetings
    return Recommendation(incident_id, T0, best, tuple(rest), None, ())


def by_recipient(alerts: list[Alert]) -> dict[str, Alert]:
    return {a.recipient: a for a in alerts}


REC = recommendation(meeting("POL-1", hold=45), meeting("POL-2"), meeting("POL-3"), meeting("POL-4"))


def test_first_alerts_per_recipient() -> None:
    """A new incident on a tram gives a police alert with the full recommendation and a HAVAG alert with the hold."""
    clock = Clock()
    sent = by_recipient(desk(clock).incident(incident(), REC))
    assert set(sent) == {"polizei", "havag"}  # no Ordnungsamt unit in the running
    police = sent["polizei"]
    assert (police.revision, police.state, police.recommended_unit) == (1, "new", "POL-1")
    assert police.intercept_stop_dhid == STOP
    assert police.unit_eta == at(T0 + 345)
    assert police.vehicle_eta == at(T0 + 300)
    assert police.instructions is not None
    assert "runners-up: POL-2, POL-3, POL-4" in police.instructions
    assert police.alert_id == alert_id("E1", "polizei")
    havag = sent["havag"]
    assert havag.recommended_unit is None
    assert havag.category == "CRIME"
    assert havag.incident_id == token("E1")
    assert havag.hold_request is not None
    assert (havag.hold_request.stop_dhid, havag.hold_request.max_hold_s) == (STOP, 45)
    assert havag.unit_eta == at(T0 + 345)
    assert (havag.vehicle, havag.line) == ("654", "5")


def test_revision_only_on_visible_change() -> None:
    """The same input, or ETAs moving less than the tolerance, send nothing; a real change sends revision + 1."""
    clock = Clock()
    d = desk(clock)
    d.incident(incident(), REC)
    clock.now += 10
    assert d.incident(incident(), REC) == []
    moved = recommendation(meeting("POL-1", hold=45, eta=T0 + 500), meeting("POL-2"), meeting("POL-3"))
    sent = by_recipient(d.incident(incident(), moved))
    assert sent["polizei"].revision == 2
    assert sent["polizei"].alert_id == alert_id("E1", "polizei")
    assert sent["polizei"].vehicle_eta == at(T0 + 500)
    assert d.incident(incident(priority=1), moved)[0].revision == 3


def test_small_eta_drift_is_not_a_revision() -> None:
    """A 20 s drift of both ETAs at the same stop and unit is not sent to anyone."""
    clock = Clock()
    d = desk(clock)
    d.incident(incident(), REC)
    nudged = recommendation(
        meeting("POL-1", hold=45, eta=T0 + 320), meeting("POL-2"), meeting("POL-3"), meeting("POL-4")
    )
    assert d.incident(incident(), nudged) == []


def test_reordered_runners_up_alone_are_not_a_revision() -> None:
    """Only the order of the runners-up changed (the same best unit, stop and times): nobody is paged again."""
    clock = Clock()
    d = desk(clock)
    d.incident(incident(), REC)
    reshuffled = recommendation(meeting("POL-1", hold=45), meeting("POL-3"), meeting("POL-2"))
    assert d.incident(incident(), reshuffled) == []
    other_best = recommendation(meeting("POL-2", hold=45), meeting("POL-1"), meeting("POL-3"))
    assert [a.recipient for a in d.incident(incident(), other_best) if a.recipient == "polizei"] == ["polizei"]


def test_ack_stops_escalation() -> None:
    """An acknowledged alert is sent once more with its new state and is then never escalated."""
    clock = Clock()
    d = desk(clock)
    sent = by_recipient(d.incident(incident(), REC))
    aid = sent["polizei"].alert_id
    clock.now += 30
    d.ack(sent["havag"].alert_id, "Leitstelle HAVAG")
    acked = d.ack(aid, "Einsatzleitstelle", clock.now)
    assert [(a.state, a.revision) for a in acked] == [("acknowledged", 2)]
    assert d.ack(aid, "again") == []
    clock.now += 1_000
    assert [a for a in d.tick() if a.recipient == "polizei"] == []
    record = d.record(aid)
    assert record is not None
    assert record.escalation == "none"
    assert record.acknowledged_by == "Einsatzleitstelle"


def test_escalation_picks_the_runner_up_then_the_supervisor() -> None:
    """Unacknowledged, the proposal moves to the next runner-up per period, then to the supervisor at priority 1."""
    clock = Clock()
    d = desk(clock, escalate_after_s=90.0, unit_escalations=2)
    d.incident(incident(), REC)
    clock.now += 89
    assert [a for a in d.tick() if a.recipient == "polizei"] == []
    proposals = []
    for _ in range(3):
        clock.now += 90
        sent = by_recipient(d.tick())
        proposals.append((sent["polizei"].recommended_unit, sent["polizei"].priority))
    assert proposals == [("POL-2", 2), ("POL-3", 2), ("POL-3", 1)]
    police = d.alert_for("E1", "polizei")
    assert police is not None
    assert police.instructions is not None
    assert "supervisor" in police.instructions
    clock.now += 90
    assert [a for a in d.tick() if a.recipient == "polizei"] == []  # the supervisor is the last step


def test_escalated_runner_up_moves_havag_hold() -> None:
    """When the police proposal moves to the runner-up, HAVAG's hold and police ETA follow it."""
    clock = Clock()
    d = desk(clock)
    rec = recommendation(meeting("POL-1", hold=45), meeting("POL-2", stop=OTHER_STOP, eta=T0 + 900))
    d.incident(incident(), rec)
    clock.now += 90
    havag = by_recipient(d.tick())["havag"]
    assert havag.revision == 2
    assert havag.hold_request is None
    assert havag.intercept_stop_dhid == OTHER_STOP
    assert havag.unit_eta == at(T0 + 900)


def test_proposed_unit_stays_when_it_drops_out_of_the_ranking() -> None:
    """Once proposed, a unit stays proposed (it leaves later rankings when marked dispatched) until escalation."""
    clock = Clock()
    d = desk(clock)
    d.incident(incident(), REC)
    later = recommendation(meeting("POL-2"), meeting("POL-3"))
    clock.now += 10
    sent = by_recipient(d.incident(incident(), later))
    police = sent.get("polizei") or d.alert_for("E1", "polizei")
    assert police is not None
    assert police.recommended_unit == "POL-1"


def test_expiry_after_silence() -> None:
    """An alert without updates for the expiry time is sent once more as expired and then stays quiet."""
    clock = Clock()
    d = desk(clock, expire_after_s=600.0)
    d.incident(incident(), REC)
    d.ack(alert_id("E1", "polizei"), "ELS")
    d.ack(alert_id(token("E1"), "havag"), "Leitstelle HAVAG")
    clock.now += 599
    assert d.tick() == []
    clock.now += 1
    expired = by_recipient(d.tick())
    assert expired["polizei"].state == "expired"
    assert expired["havag"].state == "expired"
    clock.now += 600
    assert d.tick() == []


def test_closed_incident_resolves_with_a_clear_down() -> None:
    """Closing the incident resolves every recipient's alert; HAVAG gets the clear-down."""
    clock = Clock()
    d = desk(clock)
    d.incident(incident(), REC)
    clock.now += 60
    sent = by_recipient(d.incident(incident(status="closed"), None))
    assert sent["polizei"].state == "resolved"
    assert sent["havag"].state == "resolved"
    assert sent["havag"].instructions is not None
    assert "clear-down" in sent["havag"].instructions
    clock.now += 10_000
    assert d.tick() == []  # finished alerts neither escalate nor expire


def test_cancelled_unknown_incident_sends_nothing() -> None:
    """A cancel for an incident the desk never alerted about creates no alert."""
    assert desk(Clock()).incident(incident(status="cancelled"), REC) == []


def test_havag_burst_on_one_line_is_one_grouped_alert() -> None:
    """Two incidents on the same line within the window reach HAVAG as one alert listing both references."""
    clock = Clock()
    d = desk(clock, group_window_s=300.0)
    first = by_recipient(d.incident(incident("E1"), REC))["havag"]
    clock.now += 120
    second = by_recipient(
        d.incident(incident("E2", vehicle="655"), recommendation(meeting("POL-7", hold=30), incident_id="E2"))
    )
    assert second["polizei"].alert_id == alert_id("E2", "polizei")  # the police still get one per incident
    grouped = second["havag"]
    assert grouped.alert_id == first.alert_id
    assert grouped.revision == 2
    assert grouped.instructions is not None
    assert "2 incidents on line 5" in grouped.instructions
    assert token("E1") in grouped.instructions
    assert token("E2") in grouped.instructions
    assert d.alert_for("E2", "havag") == grouped


def test_havag_group_window_and_line() -> None:
    """Another line, or the same line after the window, gets its own HAVAG alert."""
    clock = Clock()
    d = desk(clock, group_window_s=300.0)
    first = by_recipient(d.incident(incident("E1"), REC))["havag"]
    other_line = by_recipient(d.incident(incident("E2", line="2", vehicle="700"), None))["havag"]
    assert other_line.alert_id != first.alert_id
    clock.now += 301
    late = by_recipient(d.incident(incident("E3", vehicle="656"), None))["havag"]
    assert late.alert_id not in (first.alert_id, other_line.alert_id)
    assert late.revision == 1


def test_group_resolves_only_when_every_member_is_closed() -> None:
    """A grouped HAVAG alert stays open while one of its incidents is open, and then carries the other's data."""
    clock = Clock()
    d = desk(clock)
    d.incident(incident("E1"), REC)
    d.incident(incident("E2", vehicle="655"), None)
    after_first = by_recipient(d.incident(incident("E1", status="closed"), None))["havag"]
    assert after_first.state == "new"
    assert after_first.vehicle == "655"
    after_both = by_recipient(d.incident(incident("E2", vehicle="655", status="closed"), None))["havag"]
    assert after_both.state == "resolved"


def test_open_disruption_inhibits_per_vehicle_havag_alerts() -> None:
    """While a disruption covers the line, a vehicle incident on it gives no HAVAG alert; the police still get one."""
    clock = Clock()
    d = desk(clock)
    disruption = TransitDisruption(
        disruption_id="S1", lines=["5"], severity="warning", summary="Polizeieinsatz", valid_from=at(T0), status="open"
    )
    d.disruption(disruption)
    sent = by_recipient(d.incident(incident(), REC))
    assert set(sent) == {"polizei"}
    assert "E1" in d.inhibited
    other_line = by_recipient(d.incident(incident("E2", line="2"), None))
    assert "havag" in other_line
    d.disruption(disruption.model_copy(update={"status": "closed"}))
    clock.now += 10
    assert "havag" in by_recipient(d.incident(incident(), REC))


def test_havag_unanswered_hold_reaches_the_police() -> None:
    """HAVAG not acknowledging a hold request in time is shown on the police alert, which goes to priority 1."""
    clock = Clock()
    d = desk(clock)
    sent = by_recipient(d.incident(incident(), REC))
    d.ack(sent["polizei"].alert_id, "ELS")
    clock.now += 90
    police = by_recipient(d.tick())["polizei"]
    assert police.instructions is not None
    assert "HAVAG has not acknowledged" in police.instructions
    assert police.priority == 1
    answered = by_recipient(d.ack(sent["havag"].alert_id, "Leitstelle HAVAG"))
    assert answered["havag"].state == "acknowledged"
    assert answered["polizei"].priority == 2


def test_ordnungsamt_sees_only_its_own_units() -> None:
    """The Ordnungsamt is alerted when one of its units is ranked, and sees only its own units."""
    clock = Clock()
    rec = recommendation(
        meeting("POL-1"), meeting("ORD-1", agency="ordnungsamt"), meeting("ORD-2", agency="ordnungsamt")
    )
    sent = by_recipient(desk(clock).incident(incident(), rec))
    ordnungsamt = sent["ordnungsamt"]
    assert ordnungsamt.recommended_unit == "ORD-1"
    assert ordnungsamt.instructions == "runners-up: ORD-2"
    assert "POL-1" not in ordnungsamt.model_dump_json()
    assert sent["polizei"].recommended_unit == "POL-1"


def entry(unit: str, digit: int, heard: float, ref: str | None = "E1") -> UnitStateEntry:
    return UnitStateEntry(unit, "polizei", "police_car", digit, heard, heard, False, incident_ref=ref)


def test_watchdog_per_status() -> None:
    """A unit in status 3 silent past its 3Z time raises a warning; a unit in 4 within its 4Z time does not."""
    clock = Clock(T0 + 1_000)
    d = desk(clock, watchdog_s={3: 900.0, 4: 1800.0})
    d.incident(incident(), REC)
    warnings = [a for a in d.tick([entry("POL-1", 3, T0), entry("POL-2", 4, T0)]) if "3Z" in (a.instructions or "")]
    assert len(warnings) == 1
    warning = warnings[0]
    assert warning.alert_id == alert_id("E1", "polizei", "watchdog")
    assert warning.category == "CRIME"
    assert warning.instructions is not None
    assert "POL-1" in warning.instructions
    assert "POL-2" not in warning.instructions
    clock.now += 10
    assert [a for a in d.tick([entry("POL-1", 3, T0), entry("POL-2", 4, T0)]) if a.alert_id == warning.alert_id] == []
    clock.now = T0 + 1_900
    grown = [a for a in d.tick([entry("POL-1", 3, T0), entry("POL-2", 4, T0)]) if a.alert_id == warning.alert_id]
    assert grown[0].instructions is not None
    assert "4Z" in grown[0].instructions
    cleared = [
        a
        for a in d.tick([entry("POL-1", 3, clock.now), entry("POL-2", 4, clock.now)])
        if a.alert_id == warning.alert_id
    ]
    assert cleared[0].state == "resolved"


def test_watchdog_ignores_units_not_on_an_incident() -> None:
    """Silent units that are free or have no incident reference raise nothing."""
    clock = Clock(T0 + 10_000)
    assert desk(clock).tick([entry("POL-1", 1, T0), entry("POL-2", 3, T0, ref=None)]) == []


def test_watchdog_for_an_incident_without_alert() -> None:
    """A silent unit on an incident the hub never alerted about still raises a warning (category OTHER)."""
    clock = Clock(T0 + 1_000)
    sent = desk(clock).tick([entry("POL-9", 3, T0, ref="X7")])
    assert [(a.incident_id, a.category, a.recipient) for a in sent] == [("X7", "OTHER", "polizei")]


def test_alert_ids_are_stable_and_distinct() -> None:
    """Alert ids depend only on (incident, recipient, kind)."""
    assert alert_id("E1", "polizei") == alert_id("E1", "polizei")
    ids = {
        alert_id("E1", "polizei"),
        alert_id("E1", "havag"),
        alert_id("E2", "polizei"),
        alert_id("E1", "polizei", "watchdog"),
    }
    assert len(ids) == 4


@settings(max_examples=40, deadline=None)
@given(
    description=st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=8, max_size=40).filter(
        lambda s: s.strip() and len(s.strip()) >= 8
    ),
    name=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", min_size=8, max_size=20),
    unit=st.from_regex(r"POL-[A-Z]{6}[0-9]{3}", fullmatch=True),
    steps=st.lists(st.sampled_from(["update", "tick", "ack_police", "close"]), max_size=6),
)
def test_havag_never_sees_unit_description_caller_or_assessment(
    description: str, name: str, unit: str, steps: list[str]
) -> None:
    """Through any sequence of updates, escalations and acks, no HAVAG alert carries a call sign, the description,
    the caller or the assessment."""
    # Marked so that a secret can never be a piece of the alert's own text (a drawn name "intercep" is in a field name).
    description, name = f"\u27e6{description}", f"Qxz{name}"
    clock = Clock()
    d = desk(clock)
    inc = incident(description=description, caller={"name": name}, assessment=f"Einschätzung {name}")
    rec = recommendation(meeting(unit, hold=60), meeting(unit + "X"))
    sent = d.incident(inc, rec)
    for step in steps:
        clock.now += 100
        if step == "update":
            sent += d.incident(inc.model_copy(update={"priority": 1}), rec)
        elif step == "tick":
            sent += d.tick()
        elif step == "ack_police":
            sent += d.ack(alert_id("E1", "polizei"), "ELS")
        else:
            sent += d.incident(inc.model_copy(update={"status": "closed"}), None)
    havag = [a for a in sent if a.recipient == "havag"]
    assert havag
    for alert in havag:
        assert alert.recommended_unit is None
        text = alert.model_dump_json()
        for secret in (unit, description.strip(), name, 'E1"'):
            assert secret not in text


def test_params_are_checked() -> None:
    """Nonsense settings are refused at construction."""
    with pytest.raises(ValueError, match="positive"):
        AlertParams(escalate_after_s=0)
    with pytest.raises(ValueError, match="watchdog"):
        AlertParams(watchdog_s={3: 0.0})


def test_expired_alert_reopens_on_an_update() -> None:
    """An update of a still-open incident after its alert expired sends it again as new, with the next revision."""
    clock = Clock()
    d = desk(clock, expire_after_s=600.0)
    d.incident(incident(), REC)
    clock.now += 600
    d.tick()
    clock.now += 10
    police = by_recipient(d.incident(incident(priority=1), REC))["polizei"]
    assert (police.state, police.revision) == ("new", 3)


def test_forgotten_alert_never_repeats_a_revision() -> None:
    """After a finished alert is forgotten, a reopened incident continues its revisions instead of restarting."""
    clock = Clock()
    d = desk(clock, retain_finished_s=100.0)
    d.incident(incident(), REC)
    closed = by_recipient(d.incident(incident(status="closed"), None))["polizei"]
    clock.now += 100
    d.tick()
    assert d.record(closed.alert_id) is None
    reopened = by_recipient(d.incident(incident(status="updated"), REC))["polizei"]
    assert reopened.alert_id == closed.alert_id
    assert reopened.revision == closed.revision + 1


def test_havag_hears_of_stop_incidents_only_when_serious() -> None:
    """An incident at a stop with no vehicle or line reaches HAVAG only at priority 1..havag_stop_priority."""
    d = desk(Clock(), havag_stop_priority=2)
    minor = d.incident(incident("E1", vehicle=None, line=None, priority=4), None)
    serious = d.incident(incident("E2", vehicle=None, line=None, priority=2), None)
    assert "havag" not in by_recipient(minor)
    assert "havag" in by_recipient(serious)


def test_unit_found_after_supervisor_escalation_is_proposed() -> None:
    """With no unit at first the supervisor is asked; a unit that becomes available later is still proposed."""
    clock = Clock()
    d = desk(clock)
    first = by_recipient(d.incident(incident(), None))["polizei"]
    assert first.instructions == "no available unit"
    clock.now += 90
    assert by_recipient(d.tick())["polizei"].priority == 1
    later = by_recipient(d.incident(incident(), recommendation(meeting("POL-5"))))["polizei"]
    assert later.recommended_unit == "POL-5"


def test_watchdog_reopens_with_the_next_revision() -> None:
    """A unit silent again after an all-clear reopens the same warning with the next revision."""
    clock = Clock(T0 + 1_000)
    d = desk(clock)
    raised = d.tick([entry("POL-1", 3, T0)])[0]
    clock.now += 10
    cleared = d.tick([entry("POL-1", 3, clock.now)])[0]
    clock.now += 1_000
    again = d.tick([entry("POL-1", 3, T0 + 1_010)])[0]
    assert (raised.revision, cleared.revision, again.revision) == (1, 2, 3)
    assert (cleared.state, again.state) == ("resolved", "new")


def test_havag_token_survives_a_key_rotation() -> None:
    """The reference token is made once per incident: a new key mid-incident changes neither token nor alert id."""
    clock = Clock()
    keys = {"current": "k1"}
    d = AlertDesk(clock=clock, reference=lambda v: f"{keys['current']}:{v}")
    first = by_recipient(d.incident(incident(), REC))["havag"]
    keys["current"] = "k2"
    later = by_recipient(d.incident(incident(priority=1), REC))["havag"]
    assert (later.incident_id, later.alert_id) == (first.incident_id, first.alert_id) == ("k1:E1", first.alert_id)


OPS = st.lists(
    st.one_of(
        st.tuples(st.just("update"), st.sampled_from(["E1", "E2"]), st.integers(1, 5), st.integers(0, 600)),
        st.tuples(st.just("ack"), st.sampled_from(["E1", "E2"]), st.sampled_from(["polizei", "havag"]), st.just(0)),
        st.tuples(st.just("tick"), st.just(""), st.integers(0, 4_000), st.just(0)),
        st.tuples(st.just("close"), st.sampled_from(["E1", "E2"]), st.just(0), st.just(0)),
    ),
    max_size=25,
)


@settings(max_examples=80, deadline=None)
@given(ops=OPS)
def test_revisions_are_consecutive_and_always_visible(ops: list[tuple[str, str, object, int]]) -> None:
    """Over any sequence of updates, acks, ticks and closes, each alert's revisions run 1, 2, 3, ... and every
    revision differs from the one before in something its recipient sees."""
    clock = Clock()
    d = desk(clock, expire_after_s=3_000.0)
    sent: list[Alert] = []
    for op, iid, arg, extra in ops:
        clock.now += 5
        if op == "update":
            rec = recommendation(meeting("POL-1", hold=extra / 10, eta=T0 + extra), meeting("POL-2"), incident_id=iid)
            sent += d.incident(incident(iid, priority=arg), rec)
        elif op == "ack":
            key = iid if arg == "polizei" else token(iid)
            sent += d.ack(alert_id(key, arg), "someone")  # type: ignore[arg-type]
        elif op == "tick":
            clock.now += arg  # type: ignore[operator]
            sent += d.tick()
        else:
            sent += d.incident(incident(iid, status="closed"), None)
    last: dict[str, Alert] = {}
    for alert in sent:
        before = last.get(alert.alert_id)
        assert alert.revision == (before.revision + 1 if before is not None else 1)
        if before is not None:
            ignore = {"revision", "issued_at"}
            assert alert.model_dump(exclude=ignore) != before.model_dump(exclude=ignore)
        if alert.recipient == "havag":
            assert alert.recommended_unit is None
        last[alert.alert_id] = alert


# --- the alert's own fields for mode, escalation and clear-down ------------------------------------------------


@pytest.mark.parametrize("mode", ["exercise", "test"])
def test_exercise_and_test_incidents_carry_their_mode(mode: str) -> None:
    """An exercise or test incident's alerts say so in ``mode`` and, for people, at the head of the instructions;
    a real incident's alerts are ``actual``."""
    clock = Clock()
    d = desk(clock)
    sent = by_recipient(d.incident(incident(mode=mode), None))
    assert set(sent) == {"polizei", "havag"}
    for alert in sent.values():
        assert alert.mode == mode
        assert alert.instructions is not None
        assert alert.instructions.startswith(f"{mode.upper()}: not a real incident")
    real = by_recipient(d.incident(incident("E2", line="2", vehicle="700"), REC))
    assert {a.mode for a in real.values()} == {"actual"}
    assert "not a real incident" not in (real["polizei"].instructions or "")


def test_an_exercise_never_joins_a_real_havag_group() -> None:
    """An exercise on the line of an open real HAVAG alert gets its own HAVAG alert, and the other way round."""
    clock = Clock()
    d = desk(clock, group_window_s=300.0)
    real = by_recipient(d.incident(incident("E1"), REC))["havag"]
    drill = by_recipient(d.incident(incident("E2", vehicle="655", mode="exercise"), None))["havag"]
    assert drill.alert_id != real.alert_id
    assert (drill.mode, drill.revision) == ("exercise", 1)
    second_drill = by_recipient(d.incident(incident("E3", vehicle="656", mode="exercise"), None))["havag"]
    assert second_drill.alert_id == drill.alert_id  # exercises group among themselves
    assert d.alert_for("E1", "havag") == real


def test_watchdog_warning_follows_the_incidents_mode() -> None:
    """A 3Z warning about an exercise incident is an exercise warning too."""
    clock = Clock(T0 + 1_000)
    d = desk(clock)
    d.incident(incident(mode="exercise"), None)
    (warning,) = [a for a in d.tick([entry("POL-1", 3, T0)]) if a.alert_id == alert_id("E1", "polizei", "watchdog")]
    assert warning.mode == "exercise"


def test_escalation_fields_follow_each_step() -> None:
    """Each runner-up step is ``next_unit`` with the level counting up; the supervisor step names the role asked."""
    clock = Clock()
    d = desk(clock, escalate_after_s=90.0, unit_escalations=2)
    first = by_recipient(d.incident(incident(), REC))["polizei"]
    assert (first.escalation, first.escalation_level, first.escalated_to) == ("none", 0, None)
    steps = []
    for _ in range(3):
        clock.now += 90
        police = by_recipient(d.tick())["polizei"]
        steps.append((police.escalation, police.escalation_level, police.escalated_to, police.recommended_unit))
    assert steps == [
        ("next_unit", 1, None, "POL-2"),
        ("next_unit", 2, None, "POL-3"),
        ("supervisor", 3, "Dienstgruppenleiter", "POL-3"),
    ]
    police = d.alert_for("E1", "polizei")
    assert police is not None
    assert police.instructions is not None
    assert "escalated to the supervisor (Dienstgruppenleiter)" in police.instructions
    record = d.record(police.alert_id)
    assert record is not None
    assert record.escalation_level == 3
    acked = by_recipient(d.ack(police.alert_id, "Dienstgruppenleiter"))["polizei"]
    assert (acked.state, acked.escalation, acked.escalation_level) == ("acknowledged", "supervisor", 3)
    havag = d.alert_for("E1", "havag")
    assert havag is not None
    assert (havag.escalation, havag.escalation_level, havag.escalated_to) == ("none", 0, None)


def test_supervisor_role_per_recipient_is_a_parameter() -> None:
    """Without any unit the Ordnungsamt's alert goes to its own supervisor role, as configured."""
    clock = Clock()
    d = desk(clock, supervisor_roles={"polizei": "DGL Revier Halle", "ordnungsamt": "Leitstelle Stadtordnungsdienst"})
    rec = recommendation(meeting("ORD-1", agency="ordnungsamt"))
    d.incident(incident(), rec)
    for _ in range(2):
        clock.now += 90
        d.tick()
    ordnungsamt = d.alert_for("E1", "ordnungsamt")
    police = d.alert_for("E1", "polizei")
    assert ordnungsamt is not None
    assert police is not None
    assert (ordnungsamt.escalation, ordnungsamt.escalated_to) == ("supervisor", "Leitstelle Stadtordnungsdienst")
    assert (police.escalation, police.escalated_to) == ("supervisor", "DGL Revier Halle")
    assert AlertParams(supervisor_roles={}).supervisor("polizei") == "supervisor"
    with pytest.raises(ValueError, match="supervisor roles"):
        AlertParams(supervisor_roles={"polizei": " "})


def test_escalation_to_the_supervisor_without_any_unit() -> None:
    """An alert with no unit at all goes to the supervisor after the first period: level 1."""
    clock = Clock()
    d = desk(clock)
    d.incident(incident(), None)
    clock.now += 90
    police = by_recipient(d.tick())["polizei"]
    assert (police.escalation, police.escalation_level, police.escalated_to) == ("supervisor", 1, "Dienstgruppenleiter")


def test_havag_unanswered_is_a_field_of_the_police_alert() -> None:
    """HAVAG not answering shows on the police alert as escalation ``havag_unanswered`` and the flag; HAVAG's ack
    clears both. HAVAG's own alert does not escalate (nobody to escalate to) and gets no extra revision."""
    clock = Clock()
    d = desk(clock)
    sent = by_recipient(d.incident(incident(), REC))
    d.ack(sent["polizei"].alert_id, "ELS")
    clock.now += 90
    ticked = by_recipient(d.tick())
    assert set(ticked) == {"polizei"}
    police = ticked["polizei"]
    assert (police.escalation, police.havag_unanswered, police.escalated_to) == ("havag_unanswered", True, None)
    answered = by_recipient(d.ack(sent["havag"].alert_id, "Leitstelle HAVAG"))
    assert (answered["polizei"].escalation, answered["polizei"].havag_unanswered) == ("none", False)
    assert answered["havag"].escalation == "none"


def test_supervisor_escalation_and_havag_unanswered_together() -> None:
    """Both at once: the escalation says supervisor, the flag still says to phone HAVAG."""
    clock = Clock()
    d = desk(clock)
    d.incident(incident(), recommendation(meeting("POL-1", hold=45)))
    clock.now += 90
    by_recipient(d.tick())  # no runner-up: the police alert goes to the supervisor; HAVAG's hold is unanswered
    police = d.alert_for("E1", "polizei")
    assert police is not None
    assert (police.escalation, police.havag_unanswered, police.priority) == ("supervisor", True, 1)
    assert police.instructions is not None
    assert "phone the HAVAG control room" in police.instructions


@pytest.mark.parametrize(("status", "reason"), [("closed", "incident_closed"), ("cancelled", "incident_cancelled")])
def test_closing_or_cancelling_sets_the_clear_down(status: str, reason: str) -> None:
    """The resolved revision carries when and why it was cleared down, for every recipient; open ones carry none."""
    clock = Clock()
    d = desk(clock)
    first = by_recipient(d.incident(incident(), REC))
    assert all(a.cleared_at is None and a.clear_reason is None for a in first.values())
    clock.now += 60
    sent = by_recipient(d.incident(incident(status=status), None))
    assert set(sent) == {"polizei", "havag"}
    for alert in sent.values():
        assert (alert.state, alert.clear_reason, alert.cleared_at) == ("resolved", reason, at(T0 + 60))
    assert f"cleared: incident {status}" in (sent["polizei"].instructions or "")
    havag_text = sent["havag"].instructions or ""
    assert "clear-down" in havag_text
    assert ("cancelled" in havag_text) == (status == "cancelled")


def test_group_is_cancelled_only_when_every_incident_was() -> None:
    """A HAVAG group with one closed and one cancelled incident is cleared as closed; all cancelled: cancelled."""
    clock = Clock()
    d = desk(clock)
    d.incident(incident("E1"), REC)
    d.incident(incident("E2", vehicle="655"), None)
    d.incident(incident("E1", status="cancelled"), None)
    mixed = by_recipient(d.incident(incident("E2", vehicle="655", status="closed"), None))["havag"]
    assert mixed.clear_reason == "incident_closed"
    d.incident(incident("E3", line="2", vehicle="700"), None)
    d.incident(incident("E4", line="2", vehicle="701"), None)
    d.incident(incident("E3", line="2", vehicle="700", status="cancelled"), None)
    cancelled = by_recipient(d.incident(incident("E4", line="2", vehicle="701", status="cancelled"), None))["havag"]
    assert cancelled.clear_reason == "incident_cancelled"


def test_expiry_sets_the_clear_down_and_a_reopen_clears_it() -> None:
    """An expired revision has clear_reason ``expired``; the incident's next update reopens it without one."""
    clock = Clock()
    d = desk(clock, expire_after_s=600.0)
    d.incident(incident(), REC)
    clock.now += 600
    expired = by_recipient(d.tick())
    for alert in expired.values():
        assert (alert.state, alert.clear_reason, alert.cleared_at) == ("expired", "expired", at(T0 + 600))
        assert "expired: no update for 10 min" in (alert.instructions or "")
    clock.now += 10
    reopened = by_recipient(d.incident(incident(priority=1), REC))["polizei"]
    assert (reopened.state, reopened.clear_reason, reopened.cleared_at) == ("new", None, None)


def test_watchdog_all_clear_says_why() -> None:
    """A watchdog warning is cleared down when its units are heard again."""
    clock = Clock(T0 + 1_000)
    d = desk(clock)
    d.tick([entry("POL-1", 3, T0)])
    clock.now += 10
    (cleared,) = d.tick([entry("POL-1", 3, clock.now)])
    assert (cleared.state, cleared.clear_reason, cleared.cleared_at) == ("resolved", "units_heard", at(clock.now))


def test_watchdog_ignores_a_report_already_stale_on_arrival() -> None:
    """A unit whose last report was older than its watchdog limit when it arrived (a replay or back-fill on the
    wall clock) is not a unit gone silent; one whose report arrived in time and then went silent is."""
    clock = Clock(T0 + 30 * 86_400)
    d = desk(clock)
    replayed = replace(entry("POL-1", 3, T0), received_s=clock.now - 60)
    assert d.tick([replayed]) == []
    live = replace(entry("POL-2", 3, clock.now - 901), received_s=clock.now - 900)
    (warning,) = d.tick([replayed, live])
    assert warning.instructions is not None
    assert "POL-2" in warning.instructions
    assert "POL-1" not in warning.instructions


def test_a_late_report_does_not_clear_an_open_warning() -> None:
    """A report of a unit in an open warning that arrives later than the limit after it was made keeps the unit in
    the warning (it was silent since then): only a report that arrives in time clears it."""
    clock = Clock(T0 + 1_000)
    d = desk(clock)
    (warning,) = d.tick([replace(entry("POL-1", 3, T0), received_s=T0)])
    late = replace(entry("POL-1", 3, T0 + 50), received_s=clock.now)
    clock.now += 5
    revised = d.tick([late])
    assert [(a.alert_id, a.state) for a in revised] == [(warning.alert_id, "new")]  # silent since T0 + 50 now
    clock.now += 5
    (cleared,) = d.tick([replace(entry("POL-1", 3, clock.now), received_s=clock.now)])
    assert cleared.state == "resolved"
