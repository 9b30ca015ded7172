"""The router stage's core without faust: canonical events in, alert CloudEvents out to alerts.<domain>, with a
driver alarm on a tracked tram giving a police proposal and a HAVAG alert without personal data."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest
from prometheus_client import CollectorRegistry

from hub.config import Settings
from hub.errors import InvalidEventError
from hub.messages import OutRecord
from hub.metrics import StageMetrics
from hub.network.tram import load_tram_network
from hub.privacy.keys import demo_keyring
from hub.privacy.policy import DOMAINS
from hub.privacy.pseudonym import is_pseudonym, pseudonymise
from hub.router.core import ACK_INPUTS, ROUTER_INPUTS, EventClock, RouterCore
from hub.schemas import Alert, CloudEvent, wrap
from hub.schemas.incident import Incident
from hub.schemas.transit import TransitDisruption, VehiclePosition
from hub.schemas.units import GeoFix, UnitStatus
from hub.workers.router import router_stage

NETWORK = load_tram_network()
LINE5 = NETWORK.direction("5", 0)
T0 = 1_780_000_000.0
HAVAG_KEY = demo_keyring(DOMAINS).for_domain("havag").active


class Clock:
    """A settable clock."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def event(payload: object, n: int, t: float = T0) -> bytes:
    return wrap(payload, source="/test", source_record_id=str(n), time=at(t)).to_bytes()  # type: ignore[arg-type]


def alarm(status: str = "open", mode: str = "actual") -> Incident:
    return Incident.model_validate(
        {
            "incident_id": "DA-1",
            "mode": mode,
            "origin": "driver_alarm",
            "type_code": "TRANSIT/DRIVER_ALARM/SILENT",
            "priority": 1,
            "status": status,
            "reported_at": at(T0),
            "confidentiality": "restricted",
            "legal_basis": "SOG LSA § 27",
            "retention_class": "standard",
            "vehicle": "654",
            "line": "5",
            "description": "Fahrer meldet aggressiven Fahrgast, Mann mit Glatze",
            "caller": {"name": "Max Fahrer", "phone": "+49 345 9999"},
        }
    )


def alerts(records: list[OutRecord]) -> dict[str, Alert]:
    out = {}
    for record in records:
        ce = CloudEvent.from_bytes(record.value)
        assert record.topic == f"alerts.{ce.hubrecipient}"
        out[record.topic] = Alert.model_validate(ce.data)
    return out


@pytest.fixture
def core() -> tuple[RouterCore, Clock]:
    clock = Clock()
    return track(RouterCore(network=NETWORK, clock=clock, reference=lambda v: pseudonymise(v, HAVAG_KEY))), clock


def track(router: RouterCore) -> RouterCore:
    """Tram 654 on line 5 and three available police cars ahead of it, events of time T0."""
    lat, lon = LINE5.point_at(3_000)
    tram = VehiclePosition(
        vehicle="654", line="5", direction=LINE5.destination.stop_id, lat=lat, lon=lon, observed_at=at(T0 - 5)
    )
    ulat, ulon = LINE5.point_at(5_000)
    units = [
        UnitStatus(
            agency="polizei",
            unit=call_sign,
            status_code=1,
            position=GeoFix(lat=ulat + 0.002 * i, lon=ulon),
            observed_at=at(T0 - 10),
        )
        for i, call_sign in enumerate(["POL-11", "POL-12", "POL-13"])
    ]
    assert router.process("canon.vehicle-position", event(tram, 1)) == []
    for i, unit in enumerate(units):
        assert router.process("canon.unit-status", event(unit, 10 + i)) == []
    return router


def test_driver_alarm_gives_police_and_havag_alerts(core: tuple[RouterCore, Clock]) -> None:
    """A driver alarm on a tracked tram names an available unit and a stop ahead for the police, and gives HAVAG a
    reference token and no call sign, description or caller."""
    router, _ = core
    sent = alerts(router.process("canon.incident", event(alarm(), 100)))
    assert set(sent) == {"alerts.polizei", "alerts.havag"}
    police = sent["alerts.polizei"]
    assert police.recommended_unit in {"POL-11", "POL-12", "POL-13"}
    assert police.intercept_stop_dhid is not None
    assert police.intercept_stop_dhid in LINE5
    snap = router.state.vehicles["654"].snap
    assert snap is not None
    assert LINE5.index_of(police.intercept_stop_dhid) > snap.last_stop_index  # ahead of the tram
    havag = sent["alerts.havag"]
    assert havag.recommended_unit is None
    assert is_pseudonym(havag.incident_id)
    text = havag.model_dump_json()
    for secret in ("POL-1", "Glatze", "Max Fahrer", "9999", "DA-1"):
        assert secret not in text
    assert havag.unit_eta == police.unit_eta


def test_proposed_unit_is_marked_dispatched(core: tuple[RouterCore, Clock]) -> None:
    """The proposed unit is marked dispatched, so another incident does not get it proposed too."""
    router, _ = core
    police = alerts(router.process("canon.incident", event(alarm(), 100)))["alerts.polizei"]
    assert police.recommended_unit is not None
    assert router.state.units[police.recommended_unit].last_dispatched_at_s == T0


def test_tick_escalates_to_the_runner_up(core: tuple[RouterCore, Clock]) -> None:
    """Without acknowledgement the timer proposes another unit to the police."""
    router, clock = core
    first = alerts(router.process("canon.incident", event(alarm(), 100)))["alerts.polizei"]
    clock.now += 90
    police = [Alert.model_validate(CloudEvent.from_bytes(r.value).data) for r in router.tick()]
    escalated = next(a for a in police if a.recipient == "polizei")
    assert escalated.revision == first.revision + 1
    assert escalated.recommended_unit not in (None, first.recommended_unit)


def test_closed_alarm_resolves(core: tuple[RouterCore, Clock]) -> None:
    """Closing the alarm resolves both alerts and forgets the incident."""
    router, _ = core
    router.process("canon.incident", event(alarm(), 100))
    sent = alerts(router.process("canon.incident", event(alarm("closed"), 101)))
    assert {a.state for a in sent.values()} == {"resolved"}
    assert router.incidents == {}


def test_exercise_alarm_is_an_exercise_for_every_recipient(core: tuple[RouterCore, Clock]) -> None:
    """An exercise alarm gets no proposed unit (only actual incidents are recommended for), and its alerts carry
    mode exercise on every topic."""
    router, _ = core
    sent = alerts(router.process("canon.incident", event(alarm(mode="exercise"), 100)))
    assert set(sent) == {"alerts.polizei", "alerts.havag"}
    assert {a.mode for a in sent.values()} == {"exercise"}
    assert sent["alerts.polizei"].recommended_unit is None


def test_escalation_and_clear_down_fields_through_the_stage(core: tuple[RouterCore, Clock]) -> None:
    """The stage's alerts carry the desk's escalation fields, and cancelling the alarm clears it down as
    cancelled."""
    router, clock = core
    router.process("canon.incident", event(alarm(), 100))
    clock.now += 90
    police = next(
        a
        for a in (Alert.model_validate(CloudEvent.from_bytes(r.value).data) for r in router.tick())
        if a.recipient == "polizei"
    )
    assert (police.escalation, police.escalation_level) == ("next_unit", 1)
    clock.now += 30
    sent = alerts(router.process("canon.incident", event(alarm("cancelled"), 101, T0 + 120)))
    assert {(a.state, a.clear_reason) for a in sent.values()} == {("resolved", "incident_cancelled")}
    assert {a.cleared_at for a in sent.values()} == {at(clock.now)}


def test_disruption_inhibits_havag(core: tuple[RouterCore, Clock]) -> None:
    """An open disruption on line 5 keeps the per-vehicle HAVAG alert back; the police alert still goes out."""
    router, _ = core
    disruption = TransitDisruption(
        disruption_id="S1", lines=["5"], severity="warning", summary="Störung", valid_from=at(T0), status="open"
    )
    assert router.process("canon.transit-disruption", event(disruption, 50)) == []
    assert set(alerts(router.process("canon.incident", event(alarm(), 100)))) == {"alerts.polizei"}


def ack(alert_id: str, by: str = "ELS Halle") -> bytes:
    return json.dumps({"alert_id": alert_id, "by": by, "at": at(T0 + 30).isoformat()}).encode()


def test_ack_on_the_acks_topic_acknowledges_the_alert(core: tuple[RouterCore, Clock]) -> None:
    """An acknowledgement on acks.polizei gives the police alert a new revision in state acknowledged, and stops
    its escalation to the next unit; a second one changes nothing."""
    router, clock = core
    police = alerts(router.process("canon.incident", event(alarm(), 100)))["alerts.polizei"]
    clock.now += 30
    sent = alerts(router.process("acks.polizei", ack(police.alert_id)))
    assert set(sent) == {"alerts.polizei"}
    acked = sent["alerts.polizei"]
    assert (acked.alert_id, acked.revision, acked.state) == (police.alert_id, police.revision + 1, "acknowledged")
    assert acked.recommended_unit == police.recommended_unit
    assert router.process("acks.polizei", ack(police.alert_id)) == []
    clock.now += 120
    later = [Alert.model_validate(CloudEvent.from_bytes(r.value).data) for r in router.tick()]
    # Only HAVAG's unanswered hold may still show on the police alert; the accepted unit stays.
    assert [(a.state, a.recommended_unit) for a in later if a.recipient == "polizei"] in (
        [],
        [("acknowledged", police.recommended_unit)],
    )


def test_havag_ack_clears_nothing_of_the_police(core: tuple[RouterCore, Clock]) -> None:
    """HAVAG acknowledges its own alert on acks.havag; the police alert is not touched by it."""
    router, _ = core
    havag = alerts(router.process("canon.incident", event(alarm(), 100)))["alerts.havag"]
    sent = alerts(router.process("acks.havag", ack(havag.alert_id, by="Nachtdisposition")))
    assert set(sent) == {"alerts.havag"}
    assert sent["alerts.havag"].state == "acknowledged"


def test_ack_of_an_unknown_alert_is_ignored(core: tuple[RouterCore, Clock]) -> None:
    """An acknowledgement of an alert the router does not hold (finished long ago, or before a restart) sends
    nothing and is not an error."""
    router, _ = core
    assert router.process("acks.polizei", ack("al-polizei-000000000000000000000000")) == []


@pytest.mark.parametrize(
    ("value", "code", "reason"),
    [
        (b"not json", "malformed_json", "not JSON"),
        (b'["al-polizei-1"]', "malformed_json", "not a JSON object"),
        (b'{"alert_id": "al-polizei-1", "at": "2026-11-20T21:50:00+01:00"}', "schema_violation", "by"),
        (b'{"alert_id": "al-polizei-1", "by": "ELS", "at": "2026-11-20T21:50:00"}', "schema_violation", "at"),
        (b'{"alert_id": "al-polizei-1", "by": "ELS", "at": "2026-11-20T21:50:00Z", "x": 1}', "schema_violation", "x"),
    ],
)
def test_bad_ack_is_an_invalid_event(core: tuple[RouterCore, Clock], value: bytes, code: str, reason: str) -> None:
    """A message on acks.<domain> that is not a complete acknowledgement raises InvalidEventError with its code and
    a reason naming the problem (the shell dead-letters it to dlq.router)."""
    router, _ = core
    with pytest.raises(InvalidEventError) as raised:
        router.process("acks.polizei", value)
    assert raised.value.code == code
    assert reason in raised.value.reason


def test_ack_of_another_domains_alert_is_refused(core: tuple[RouterCore, Clock]) -> None:
    """HAVAG cannot acknowledge the police alert: an ack on acks.havag naming a police alert is refused, and the
    police alert stays new."""
    router, _ = core
    police = alerts(router.process("canon.incident", event(alarm(), 100)))["alerts.polizei"]
    with pytest.raises(InvalidEventError) as raised:
        router.process("acks.havag", ack(police.alert_id))
    assert raised.value.code == "unsupported"
    record = router.desk.record(police.alert_id)
    assert record is not None
    assert record.state == "new"


def test_event_clock_never_goes_backwards() -> None:
    """The event clock shows the latest time observed; an older event does not turn it back."""
    clock = EventClock()
    assert clock() == 0.0
    clock.observe(T0)
    clock.observe(T0 - 600)
    assert clock() == T0
    clock.observe(T0 + 1)
    assert clock() == T0 + 1


def test_event_clock_replays_old_data_with_its_own_now() -> None:
    """Months-old events replayed with the event clock rank the units as they were then; on the wall clock the same
    alarm is older than an alert lives and sends nobody anywhere."""
    replayed = track(RouterCore(network=NETWORK, clock=EventClock(), reference=lambda v: pseudonymise(v, HAVAG_KEY)))
    police = alerts(replayed.process("canon.incident", event(alarm(), 100)))["alerts.polizei"]
    assert police.recommended_unit in {"POL-11", "POL-12", "POL-13"}
    assert police.issued_at == at(T0)
    assert police.unit_eta is not None
    assert at(T0) < police.unit_eta < at(T0 + 900)
    walled = track(RouterCore(network=NETWORK, clock=time.time, reference=lambda v: pseudonymise(v, HAVAG_KEY)))
    assert walled.process("canon.incident", event(alarm(), 100)) == []


def test_event_clock_drives_escalation_and_ignores_acks_and_bad_events() -> None:
    """With the event clock, escalation follows the events' time: a unit report 90 s after the alarm lets the next
    tick propose the runner-up. An acknowledgement and a refused event do not move the clock."""
    clock = EventClock()
    router = track(RouterCore(network=NETWORK, clock=clock, reference=lambda v: pseudonymise(v, HAVAG_KEY)))
    first = alerts(router.process("canon.incident", event(alarm(), 100)))["alerts.polizei"]
    assert router.tick() == []
    far = json.dumps({"alert_id": "al-havag-0", "by": "x", "at": at(T0 + 86_400).isoformat()}).encode()
    assert router.process("acks.havag", far) == []
    assert clock() == T0
    later = wrap(first, source="/test", source_record_id="102", time=at(T0 + 86_400), recipient="polizei")
    with pytest.raises(InvalidEventError):
        router.process("canon.incident", later.to_bytes())  # an alert is canonical, but not a router input
    assert clock() == T0
    report = UnitStatus(
        agency="ordnungsamt", unit="OA-1", status_code=2, position=GeoFix(lat=51.5, lon=11.9), observed_at=at(T0 + 90)
    )
    router.process("canon.unit-status", event(report, 103, T0 + 90))
    assert clock() == T0 + 90
    escalated = [Alert.model_validate(CloudEvent.from_bytes(r.value).data) for r in router.tick()]
    police = next(a for a in escalated if a.recipient == "polizei")
    assert police.recommended_unit not in (None, first.recommended_unit)
    assert police.issued_at == at(T0 + 90)


def test_undecodable_input_is_an_invalid_event(core: tuple[RouterCore, Clock]) -> None:
    """Bytes that are not a canonical CloudEvent raise InvalidEventError (the shell dead-letters them)."""
    router, _ = core
    with pytest.raises(InvalidEventError):
        router.process("canon.incident", b"not json")


def test_router_stage_shell_builds() -> None:
    """The faust shell builds with its agent on the five canonical inputs and the three ack topics (demo keys,
    nothing connects)."""
    shell = router_stage(
        Settings(pseudonym_keys="demo", kafka_bootstrap="nowhere:1"), StageMetrics.create(CollectorRegistry()), {}
    )
    assert shell.stage == "router"
    assert len(ROUTER_INPUTS) == 5
    assert ACK_INPUTS == ("acks.polizei", "acks.havag", "acks.ordnungsamt")


def test_an_alarm_reported_hours_ago_is_not_alerted(core: tuple[RouterCore, Clock]) -> None:
    """On the wall clock an alarm whose report is older than an alert lives (a replay, a back-fill) sends nobody;
    on the event clock the same report is now, and is alerted."""
    router, _ = core
    two_hours_ago = T0 - 2 * 3600
    assert router.process("canon.incident", event(alarm(), 100, two_hours_ago)) == []
    assert router.incidents == {}
    replaying = track(RouterCore(network=NETWORK, clock=EventClock(), reference=lambda v: pseudonymise(v, HAVAG_KEY)))
    assert set(alerts(replaying.process("canon.incident", event(alarm(), 100, T0 + 1)))) == {
        "alerts.polizei",
        "alerts.havag",
    }


def test_a_late_report_of_an_open_incident_is_still_taken(core: tuple[RouterCore, Clock]) -> None:
    """Only opening is refused for old reports: an open incident's closing report resolves it however late."""
    router, clock = core
    router.process("canon.incident", event(alarm(), 100))
    clock.now = T0 + 3000
    router.process("canon.incident", event(alarm(), 101, T0 + 3000))  # an update keeps its alerts alive
    clock.now = T0 + 3700
    router.tick()  # escalates the unanswered proposal, expires nothing
    assert "DA-1" in router.incidents
    sent = alerts(router.process("canon.incident", event(alarm("closed"), 102, T0 + 5)))  # delivered an hour late
    assert {a.state for a in sent.values()} == {"resolved"}


def test_watchdog_does_not_page_on_replayed_old_reports(core: tuple[RouterCore, Clock]) -> None:
    """Replaying an hour of unit reports from this morning (status 3 and 4 on incidents) into a router on the wall
    clock raises no 3Z/4Z warning, however long they stay 'silent' (they stay in the state for a day); a unit heard
    live on an incident that then goes silent past its limit still pages, and only about itself."""
    router, clock = core
    morning = T0 - 8 * 3600
    for minute in range(0, 60, 5):
        for n, (unit, digit) in enumerate([("POL-21", 3), ("POL-22", 4), ("POL-23", 3)]):
            report = UnitStatus(
                agency="polizei",
                unit=unit,
                status_code=digit,
                incident_ref=f"OLD-{n}",
                position=GeoFix(lat=51.48, lon=11.97),
                observed_at=at(morning + minute * 60),
            )
            router.process("canon.unit-status", event(report, 1_000 + minute * 10 + n, morning + minute * 60))
            clock.now += 1
    for _ in range(4):
        clock.now += 1_000
        assert router.tick() == []
    assert {"POL-21", "POL-22", "POL-23"} <= set(router.state.units)
    live = UnitStatus(
        agency="polizei",
        unit="POL-11",
        status_code=3,
        incident_ref="E-NOW",
        position=GeoFix(lat=51.48, lon=11.97),
        observed_at=at(clock.now),
    )
    router.process("canon.unit-status", event(live, 2_000, clock.now))
    clock.now += 600
    assert router.tick() == []
    clock.now += 301
    (warning,) = alerts(router.tick()).values()
    assert (warning.recipient, warning.incident_id, warning.state) == ("polizei", "E-NOW", "new")
    assert warning.instructions is not None
    assert "3Z: unit POL-11" in warning.instructions
    assert "POL-2" not in warning.instructions
