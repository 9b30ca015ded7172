"""What a position that changes nothing a recipient sees costs (issue 13): no alert revision, no pydantic alert built,
no alert record written with the batch (the next tick's comparison writes it); a visible change is still sent at
once and saved with its batch; a report the live state ignores re-ranks nothing."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

import hub.router.core
from hub.messages import OutRecord
from hub.router.alerts import AlertDesk, AlertRecord, alert_id
from hub.router.core import RouterCore
from hub.router.intercept import recommend
from hub.schemas import Alert, CloudEvent
from hub.schemas.transit import VehiclePosition
from hub.schemas.units import GeoFix, UnitStatus
from tests.unit.router.test_alerts import T0 as DESK_T0
from tests.unit.router.test_alerts import Clock as DeskClock
from tests.unit.router.test_alerts import desk, incident, meeting, recommendation, token
from tests.unit.router.test_alerts_stage import LINE5, T0, Clock, alarm, at, event, track
from tests.unit.router.test_persist import new_core

RECORD = TypeAdapter(AlertRecord)


class _Forgetful(dict[str, Any]):
    """A ``Renderer._shown`` that keeps nothing: every comparison takes the full (pydantic) way, as before."""

    def __setitem__(self, key: str, value: Any) -> None:
        pass


def without_shortcut(d: AlertDesk) -> AlertDesk:
    d._render._shown = _Forgetful()
    return d


def count_alert_builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count ``Alert.model_validate`` calls (how the renderer builds an alert to compare or send)."""
    calls = [0]
    original = Alert.model_validate.__func__  # type: ignore[attr-defined]

    def counting(cls: type[Alert], *args: Any, **kwargs: Any) -> Alert:
        calls[0] += 1
        return original(cls, *args, **kwargs)  # type: ignore[no-any-return]

    monkeypatch.setattr(Alert, "model_validate", classmethod(counting))
    return calls


def tram_at(metres: float, n: int, t: float, vehicle: str = "654") -> bytes:
    lat, lon = LINE5.point_at(metres)
    tram = VehiclePosition(
        vehicle=vehicle, line="5", direction=LINE5.destination.stop_id, lat=lat, lon=lon, observed_at=at(t)
    )
    return event(tram, n, t)


def unit_at(unit: str, metres: float, n: int, t: float, status: int = 1) -> bytes:
    lat, lon = LINE5.point_at(metres)
    report = UnitStatus(
        agency="polizei", unit=unit, status_code=status, position=GeoFix(lat=lat, lon=lon), observed_at=at(t)
    )
    return event(report, n, t)


def alerts_of(records: list[OutRecord]) -> list[Alert]:
    return [Alert.model_validate(CloudEvent.from_bytes(r.value).data) for r in records]


def alarmed() -> tuple[RouterCore, Clock]:
    clock = Clock()
    core = track(new_core(clock))
    assert alerts_of(core.process("canon.incident", event(alarm(), 100)))
    core.changes()
    return core, clock


def test_a_position_that_changes_nothing_visible_sends_builds_and_saves_no_alert(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The tram moves 5 m (its ETAs by a second or two, under the 60 s tolerance): no revision, no ``Alert`` built,
    and the batch's save writes the vehicle but no alert record. The record did change (the new ranking), and the
    next tick's save writes it."""
    core, clock = alarmed()
    police = alert_id("DA-1", "polizei")
    before = core.desk.record(police)
    assert before is not None
    assert before.alert is not None
    # Once through the full comparison, which remembers the view as equal to the revision sent.
    clock.now += 1
    assert core.process("canon.vehicle-position", tram_at(3_003, 200, T0 + 1)) == []
    core.changes()
    builds = count_alert_builds(monkeypatch)
    clock.now += 1
    assert core.process("canon.vehicle-position", tram_at(3_008, 201, T0 + 2)) == []
    assert builds[0] == 0, "the unchanged view was told without building an Alert"
    entries = core.changes()
    assert [(t, k) for t, k, _ in entries] == [("vehicles", "654")]
    record = core.desk.record(police)
    assert record is not None
    assert record.alert is before.alert  # the same revision, not a new one
    core.tick()
    saved = {k: v for t, k, v in core.changes() if t == "alerts"}
    assert saved.get(police) == RECORD.dump_json(record), "the tick writes what the position changed in the record"


def test_a_visible_change_is_sent_and_saved_with_its_batch() -> None:
    """An alarm on a tram the router has not seen yet has no unit to propose; the tram's first position places it,
    and the proposal that follows is a visible change: the revision goes out at once, and the batch's save writes
    the record with it (the tram's later positions move nothing visible: the proposal is sticky)."""
    clock = Clock()
    core = track(new_core(clock))
    unseen = alarm().model_copy(update={"vehicle": "655"})
    first = {a.recipient: a for a in alerts_of(core.process("canon.incident", event(unseen, 100)))}["polizei"]
    assert first.recommended_unit is None
    core.changes()
    clock.now += 2
    sent = alerts_of(core.process("canon.vehicle-position", tram_at(3_000, 200, T0 + 2, vehicle="655")))
    revised = [a for a in sent if a.alert_id == first.alert_id]
    assert len(revised) == 1, "the proposal is sent"
    assert (revised[0].revision, revised[0].recommended_unit is not None) == (first.revision + 1, True)
    saved = {k: v for t, k, v in core.changes() if t == "alerts"}
    record = core.desk.record(first.alert_id)
    assert record is not None
    assert record.alert is not None
    assert saved[first.alert_id] == RECORD.dump_json(record)
    assert record.alert.revision == revised[0].revision
    clock.now += 2
    assert core.process("canon.vehicle-position", tram_at(3_010, 201, T0 + 4, vehicle="655")) == []
    assert not [k for t, k, _ in core.changes() if t == "alerts"]


def test_a_report_the_state_ignores_re_ranks_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A position or unit report not newer than the one held (GTFS-RT repeats a position within its second)
    leaves the state as it was: nothing is re-ranked, nothing sent, nothing written."""
    core, clock = alarmed()
    ranked = [0]
    original = recommend

    def counting(*args: Any, **kwargs: Any) -> Any:
        ranked[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(hub.router.core, "recommend", counting)
    clock.now += 1
    assert core.process("canon.vehicle-position", tram_at(3_010, 300, T0 + 1)) == []
    assert ranked[0] == 1  # a newer position re-ranks its vehicle's incident
    core.changes()
    assert core.process("canon.vehicle-position", tram_at(3_020, 301, T0 + 1)) == []  # same time: not newer
    assert core.process("canon.unit-status", unit_at("POL-11", 4_000, 302, T0 - 20)) == []  # older than held
    assert ranked[0] == 1
    assert core.changes() == []


def test_positions_and_unit_reports_send_what_the_full_comparison_sends() -> None:
    """Five minutes of positions (small steps and jumps), unit reports (a unit leaving and coming back) and ticks
    (escalation to the runners-up and the supervisor) through two cores, one with the shortcut and one that compares
    every view the full way: the same alert bytes at every step, and the same records at the end."""

    def started() -> tuple[RouterCore, Clock]:
        clock = Clock()
        core = track(new_core(clock))
        core.process("canon.incident", event(alarm().model_copy(update={"vehicle": "655"}), 100))
        return core, clock

    fast, slow = started(), started()
    without_shortcut(slow[0].desk)
    metres, n, sent_any = 2_000.0, 400, 0
    for step in range(60):
        n += 1
        t = T0 + 5 * (step + 1)
        if step % 4 == 3:
            topic, value = "", b""
        elif step % 7 == 2:
            status = 6 if step % 14 == 2 else 2  # unavailable, available again
            topic, value = "canon.unit-status", unit_at("POL-12", 5_200 - 30 * step, n, t, status)
        else:
            metres += 300 if step % 11 == 5 else 5
            topic, value = "canon.vehicle-position", tram_at(metres, n, t, vehicle="655")
        out = []
        for core, clock in (fast, slow):
            clock.now = t
            records = core.tick() if not topic else core.process(topic, value)
            out.append(sorted(r.value for r in records))
        assert out[0] == out[1], f"step {step}"
        sent_any += len(out[0])
    assert sent_any >= 4, "the run makes visible changes, so the comparison says something"
    fast_records = {k: RECORD.dump_json(r) for k, r in fast[0].desk.contents().records.items()}
    slow_records = {k: RECORD.dump_json(r) for k, r in slow[0].desk.contents().records.items()}
    assert fast_records == slow_records


OPS = st.lists(
    st.one_of(
        # a re-ranking: the proposed unit's ETA moves by ``arg`` seconds, maybe with another order of runners-up
        st.tuples(st.just("rank"), st.sampled_from(["E1", "E2"]), st.integers(-90, 90), st.booleans()),
        st.tuples(st.just("update"), st.sampled_from(["E1", "E2"]), st.integers(1, 5), st.booleans()),
        st.tuples(st.just("ack"), st.sampled_from(["E1", "E2"]), st.sampled_from(["polizei", "havag"]), st.just(False)),
        st.tuples(st.just("tick"), st.just(""), st.integers(0, 4_000), st.just(False)),
        st.tuples(st.just("close"), st.sampled_from(["E1", "E2"]), st.just(0), st.just(False)),
    ),
    max_size=30,
)


@settings(max_examples=80, deadline=None)
@given(ops=OPS)
def test_the_shortcut_never_hides_a_visible_change(ops: list[tuple[str, str, Any, bool]]) -> None:
    """Over any sequence of re-rankings (ETAs moving within and beyond the tolerance, runners-up reordered),
    updates, acknowledgements, ticks and closes, a desk that tells unchanged views from its memory sends exactly
    the revisions of a desk that compares every view the full way, and ends with the same records."""
    clocks = DeskClock(), DeskClock()
    desks = desk(clocks[0]), without_shortcut(desk(clocks[1]))
    eta = {"E1": DESK_T0 + 300.0, "E2": DESK_T0 + 300.0}
    sent: list[list[str]] = [[], []]
    for op, iid, arg, flag in ops:
        for clock in clocks:
            clock.now += 5
        if op == "rank":
            eta[iid] += arg
        for d, out in zip(desks, sent, strict=True):
            if op == "rank":
                others = [meeting("POL-2"), meeting("POL-3")]
                ranked = (meeting("POL-1", hold=30, eta=eta[iid]), *(others[::-1] if flag else others))
                rec = recommendation(*ranked, incident_id=iid)
                alerts = d.incident(incident(iid), rec, refresh=True)
            elif op == "update":
                alerts = d.incident(incident(iid, priority=arg), None, refresh=False)
            elif op == "ack":
                key = iid if arg == "polizei" else token(iid)
                alerts = d.ack(alert_id(key, arg), "someone")
            elif op == "tick":
                d.clock.now += arg  # type: ignore[attr-defined]
                alerts = d.tick()
            else:
                alerts = d.incident(incident(iid, status="closed"), None)
            out += [a.model_dump_json() for a in alerts]
        assert sent[0] == sent[1]
    records = [{k: RECORD.dump_json(r) for k, r in d.contents().records.items()} for d in desks]
    assert records[0] == records[1]
