"""The router's state in tables: what a worker writes after each batch is enough for another worker to take over
and behave exactly as the first would have (same alerts, same revisions, same escalations)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from hub.messages import OutRecord
from hub.privacy.pseudonym import pseudonymise
from hub.router.alerts import alert_id
from hub.router.core import EventClock, RouterCore
from hub.router.live import LiveConfig, LiveState, apply_vehicle_position, forget_old
from hub.router.persist import (
    TABLES,
    Entry,
    TableName,
    decode_unit,
    decode_vehicle,
    encode_unit,
    encode_vehicle,
    live_changes,
)
from hub.schemas import Alert, CloudEvent
from hub.schemas.transit import TransitDisruption, VehiclePosition
from hub.schemas.units import GeoFix, UnitStatus
from tests.unit.router.test_alerts_stage import HAVAG_KEY, LINE5, NETWORK, T0, Clock, ack, alarm, at, event, track

Tables = dict[TableName, dict[str, bytes]]
Step = Callable[[RouterCore, Clock], list[OutRecord]]


def write(tables: Tables, entries: list[Entry]) -> None:
    """What the faust shell does with ``RouterCore.changes()``."""
    for name, key, value in entries:
        if value is None:
            tables[name].pop(key, None)
        else:
            tables[name][key] = value


def new_core(clock: Clock) -> RouterCore:
    return RouterCore(network=NETWORK, clock=clock, reference=lambda v: pseudonymise(v, HAVAG_KEY))


def revisions(records: list[OutRecord]) -> list[tuple[str, int, str, str | None]]:
    out = []
    for record in records:
        alert = Alert.model_validate(CloudEvent.from_bytes(record.value).data)
        out.append((alert.alert_id, alert.revision, alert.state, alert.recommended_unit))
    return out


def values(records: list[OutRecord]) -> list[bytes]:
    """The records' bytes; sorted, as the order between different alerts of one step means nothing."""
    return sorted(r.value for r in records)


def test_vehicle_and_unit_codecs_round_trip() -> None:
    """A snapped vehicle with its arrivals and a unit come back equal from their table values."""
    router = track(new_core(Clock()))
    vehicle = router.state.vehicles["654"]
    assert vehicle.snap is not None
    assert vehicle.arrivals
    assert decode_vehicle(encode_vehicle(vehicle), NETWORK) == vehicle
    unit = router.state.units["POL-11"]
    assert decode_unit(encode_unit(unit)) == unit


def test_vehicle_on_a_line_gone_from_the_network_comes_back_unsnapped() -> None:
    """A stored line-direction the network no longer has gives the raw position without snap or arrivals."""
    router = track(new_core(Clock()))
    stored = encode_vehicle(router.state.vehicles["654"]).replace(b'"direction":["5"', b'"direction":["99"')
    vehicle = decode_vehicle(stored, NETWORK)
    assert (vehicle.direction, vehicle.snap, vehicle.arrivals) == (None, None, ())
    assert (vehicle.lat, vehicle.lon) == (router.state.vehicles["654"].lat, router.state.vehicles["654"].lon)


def test_live_changes_name_only_what_changed() -> None:
    """One new position writes that vehicle only; forgetting it deletes its key."""
    config = LiveConfig(network=NETWORK)
    lat, lon = LINE5.point_at(1_000)
    one = apply_vehicle_position(
        LiveState(), VehiclePosition(vehicle="1", line="5", lat=lat, lon=lon, observed_at=at(T0)), config
    )
    two = apply_vehicle_position(
        one, VehiclePosition(vehicle="2", line="5", lat=lat, lon=lon, observed_at=at(T0)), config
    )
    assert [(t, k) for t, k, _ in live_changes(one, two)] == [("vehicles", "2")]
    assert live_changes(two, two) == []
    gone = forget_old(two, T0 + config.forget_vehicle_after_s + 1, config)
    assert live_changes(two, gone) == [("vehicles", "1", None), ("vehicles", "2", None)]


def test_forget_old_keeps_what_is_recent() -> None:
    """Nothing recent is forgotten, and then the same state object comes back (no table writes)."""
    router = track(new_core(Clock()))
    assert forget_old(router.state, T0 + 60, router.config) is router.state


def run_with_tables(steps: int, steps_of: Callable[[], list[Step]] | None = None) -> tuple[RouterCore, Tables, Clock]:
    """A scenario (``scenario`` unless ``steps_of`` says) run on one core for ``steps`` steps, writing its tables as
    the shell does."""
    clock = Clock()
    first = track(new_core(clock))
    tables: Tables = {name: {} for name in TABLES}
    write(tables, first.changes())
    for step in (steps_of or scenario)()[:steps]:
        step(first, clock)
        write(tables, first.changes())
    return first, tables, clock


def run_and_take_over(
    steps: int, steps_of: Callable[[], list[Step]] | None = None
) -> tuple[RouterCore, RouterCore, Clock]:
    """A scenario run on one core for ``steps`` steps, writing its tables; a second core takes over from them."""
    first, tables, clock = run_with_tables(steps, steps_of)
    second = new_core(clock)
    assert second.restore(tables) == []
    return first, second, clock


def scenario() -> list:  # type: ignore[type-arg]
    """Steps that exercise every part of the state: incidents, acks, escalation, disruption, unit movement."""

    def alarm_in(router: RouterCore, clock: Clock) -> list[OutRecord]:
        return router.process("canon.incident", event(alarm(), 100))

    def second_alarm(router: RouterCore, clock: Clock) -> list[OutRecord]:
        other = alarm().model_copy(update={"incident_id": "DA-2", "vehicle": None, "stop_dhid": None})
        return router.process("canon.incident", event(other, 101))

    def disruption(router: RouterCore, clock: Clock) -> list[OutRecord]:
        d = TransitDisruption(
            disruption_id="S1", lines=["2"], severity="warning", summary="Störung", valid_from=at(T0), status="open"
        )
        return router.process("canon.transit-disruption", event(d, 102))

    def later(router: RouterCore, clock: Clock) -> list[OutRecord]:
        clock.now = T0 + 95
        return router.tick()

    def unit_moves(router: RouterCore, clock: Clock) -> list[OutRecord]:
        lat, lon = LINE5.point_at(4_000)
        unit = UnitStatus(
            agency="polizei", unit="POL-14", status_code=2, position=GeoFix(lat=lat, lon=lon), observed_at=at(T0 + 96)
        )
        return router.process("canon.unit-status", event(unit, 103, T0 + 96))

    def acknowledge(router: RouterCore, clock: Clock) -> list[OutRecord]:
        police = router.desk.alert_for("DA-1", "polizei")
        assert police is not None
        return router.process("acks.polizei", ack(police.alert_id))

    def tram_moves(router: RouterCore, clock: Clock) -> list[OutRecord]:
        lat, lon = LINE5.point_at(3_400)
        tram = VehiclePosition(
            vehicle="654", line="5", direction=LINE5.destination.stop_id, lat=lat, lon=lon, observed_at=at(T0 + 100)
        )
        return router.process("canon.vehicle-position", event(tram, 104, T0 + 100))

    def much_later(router: RouterCore, clock: Clock) -> list[OutRecord]:
        clock.now = T0 + 3 * 3600
        return router.tick()

    return [alarm_in, second_alarm, disruption, later, unit_moves, acknowledge, tram_moves, much_later]


@pytest.mark.parametrize("steps", range(len(scenario())))
def test_a_worker_taking_over_behaves_as_the_first_would_have(steps: int) -> None:
    """After any step, a core restored from the tables sends byte for byte the alerts the first core sends for the
    rest of the scenario, and holds the same state."""
    first, second, clock = run_and_take_over(steps)
    assert second.state == first.state
    assert second.incidents == first.incidents
    rest = scenario()[steps:]
    saved_now = clock.now
    from_first = []
    for step in rest:
        from_first.append(values(step(first, clock)))
    clock.now = saved_now
    from_second = []
    for step in rest:
        from_second.append(values(step(second, clock)))
    assert from_second == from_first
    assert any(from_first), "the rest of the scenario sends alerts, so the comparison says something"


def test_taking_over_keeps_revisions_rising() -> None:
    """The revision after a take-over continues the first worker's numbering (consumers keep the highest)."""
    first, second, clock = run_and_take_over(1)
    before = first.desk.alert_for("DA-1", "polizei")
    assert before is not None
    clock.now = T0 + 95
    escalated = [r for r in revisions(second.tick()) if r[0] == before.alert_id]
    assert escalated
    assert escalated[0][1] == before.revision + 1


def test_event_clock_resumes_at_the_latest_time_in_the_state() -> None:
    """A router on event time that takes over resumes at the previous worker's event time, not at zero."""
    clock = EventClock()
    first = RouterCore(network=NETWORK, clock=clock, reference=lambda v: pseudonymise(v, HAVAG_KEY))
    track(first)
    tables: Tables = {name: {} for name in TABLES}
    write(tables, first.changes())
    resumed = EventClock()
    second = RouterCore(network=NETWORK, clock=resumed, reference=lambda v: pseudonymise(v, HAVAG_KEY))
    second.restore(tables)
    assert resumed() == clock() == T0


def test_expired_incidents_leave_the_tables() -> None:
    """An incident whose alerts expired is dropped from the incidents table; nothing of it stays open."""
    first, _, clock = run_and_take_over(1)
    first.changes()
    clock.now = T0 + 2 * 3600
    first.tick()
    entries = first.changes()
    assert ("incidents", "DA-1", None) in entries
    assert first.incidents == {}


def test_unreadable_entries_are_left_out_and_named() -> None:
    """A damaged or foreign entry (another version wrote it) does not keep a worker from starting: the rest is
    taken over, and the bad entries are named."""
    first, tables, clock = run_with_tables(1)
    police = first.desk.alert_for("DA-1", "polizei")
    assert police is not None
    tables["vehicles"]["999"] = b'{"vehicle": "999"}'
    tables["alerts"]["al-polizei-broken"] = b"not json"
    tables["desk"]["tombstone/al-x"] = b'"no revision"'
    second = new_core(clock)
    unreadable = second.restore(tables)
    assert sorted(u.split(":")[0] for u in unreadable) == [
        "alerts/al-polizei-broken",
        "desk/tombstone/al-x",
        "vehicles/999",
    ]
    assert set(second.state.vehicles) == {"654"}
    restored = second.desk.alert_for("DA-1", "polizei")
    assert restored is not None
    assert restored.revision == police.revision


def actions_scenario() -> list[Step]:
    """Steps with the issue-10 actions: a stale and a current acknowledgement, a resolve, and news afterwards."""

    def alarm_in(router: RouterCore, clock: Clock) -> list[OutRecord]:
        return router.process("canon.incident", event(alarm(), 100))

    def stale_ack(router: RouterCore, clock: Clock) -> list[OutRecord]:
        police = router.desk.alert_for("DA-1", "polizei")
        assert police is not None
        return router.process("acks.polizei", action(police.alert_id, revision=police.revision + 1))

    def havag_acks(router: RouterCore, clock: Clock) -> list[OutRecord]:
        havag = router.desk.alert_for("DA-1", "havag")
        assert havag is not None
        return router.process("acks.havag", action(havag.alert_id, revision=havag.revision))

    def police_resolve(router: RouterCore, clock: Clock) -> list[OutRecord]:
        police = router.desk.alert_for("DA-1", "polizei")
        assert police is not None
        return router.process("acks.polizei", action(police.alert_id, action="resolve"))

    def later(router: RouterCore, clock: Clock) -> list[OutRecord]:
        clock.now = T0 + 95
        return router.tick()

    def news(router: RouterCore, clock: Clock) -> list[OutRecord]:
        return router.process("canon.incident", event(alarm().model_copy(update={"priority": 2}), 105, T0 + 96))

    def closed(router: RouterCore, clock: Clock) -> list[OutRecord]:
        return router.process("canon.incident", event(alarm("closed"), 106, T0 + 97))

    return [alarm_in, stale_ack, havag_acks, police_resolve, later, news, closed]


def action(alert_id: str, **fields: object) -> bytes:
    return json.dumps({"alert_id": alert_id, "by": "ELS", "at": at(T0 + 30).isoformat(), **fields}).encode()


@pytest.mark.parametrize("steps", range(len(actions_scenario())))
def test_a_worker_taking_over_keeps_acknowledged_and_resolved_alerts(steps: int) -> None:
    """After any step of a scenario with revision-bound acknowledgements and a resolve, a core restored from the
    tables sends byte for byte what the first core sends for the rest of it."""
    first, second, clock = run_and_take_over(steps, actions_scenario)
    rest, saved_now = actions_scenario()[steps:], clock.now
    from_first = [values(step(first, clock)) for step in rest]
    clock.now = saved_now
    assert [values(step(second, clock)) for step in rest] == from_first
    assert any(from_first)


def test_records_and_units_saved_before_issue_10_still_load() -> None:
    """An alert record and a unit entry written without the fields added for issue 10 load with their defaults: not
    acknowledged to a revision, not resolved by the recipient, arrival of the unit's report unknown."""
    _, tables, _ = run_with_tables(6)  # the police alert acknowledged
    police = alert_id("DA-1", "polizei")
    record = json.loads(tables["alerts"][police])
    assert record["acknowledged_revision"] is not None
    for name in ("acknowledged_revision", "resolved_by_recipient"):
        del record[name]
    tables["alerts"][police] = json.dumps(record).encode()
    unit = json.loads(tables["units"]["POL-11"])
    del unit["received_s"]
    tables["units"]["POL-11"] = json.dumps(unit).encode()
    second = new_core(Clock())
    assert second.restore(tables) == []
    restored = second.desk.record(police)
    assert restored is not None
    assert (restored.state, restored.acknowledged_revision, restored.resolved_by_recipient) == (
        "acknowledged",
        None,
        False,
    )
    assert second.state.units["POL-11"].received_s is None


def test_a_save_writes_and_looks_at_only_the_vehicles_that_reported() -> None:
    """With 300 trams known, a batch of positions from three of them writes those three entries only (the last
    position of each), and the save looks at those three keys, not at the fleet (issue 13)."""
    config = LiveConfig(network=NETWORK)
    state = LiveState()
    for n in range(300):
        lat, lon = LINE5.point_at(100 + n * 10)
        position = VehiclePosition(vehicle=f"v{n}", line="5", lat=lat, lon=lon, observed_at=at(T0))
        state = apply_vehicle_position(state, position, config)
    saved = state
    for n, metres in [(7, 2_000), (42, 2_100), (7, 2_200), (299, 2_300)]:
        lat, lon = LINE5.point_at(metres)
        position = VehiclePosition(vehicle=f"v{n}", line="5", lat=lat, lon=lon, observed_at=at(T0 + 5))
        state = apply_vehicle_position(state, position, config)
    looked_at = state.vehicles.changes_since(saved.vehicles)  # type: ignore[attr-defined]
    assert looked_at is not None
    assert sorted(looked_at) == ["v299", "v42", "v7"]
    entries = live_changes(saved, state)
    assert sorted(k for _, k, _ in entries) == ["v299", "v42", "v7"]
    assert {k: v for _, k, v in entries} == {k: encode_vehicle(state.vehicles[k]) for k in ("v7", "v42", "v299")}
    assert len(saved.vehicles) == len(state.vehicles) == 300  # the saved state is still what it was
    assert saved.vehicles["v7"].observed_at_s == T0


def test_core_changes_after_one_position_in_a_big_fleet_is_one_entry() -> None:
    clock = Clock()
    core = new_core(clock)
    for n in range(300):
        lat, lon = LINE5.point_at(100 + n * 10)
        position = VehiclePosition(vehicle=f"v{n}", line="5", lat=lat, lon=lon, observed_at=at(T0))
        core.process("canon.vehicle-position", event(position, n))
    core.changes()
    lat, lon = LINE5.point_at(3_000)
    position = VehiclePosition(vehicle="v3", line="5", lat=lat, lon=lon, observed_at=at(T0 + 1))
    core.process("canon.vehicle-position", event(position, 301, T0 + 1))
    assert [(t, k) for t, k, _ in core.changes() if t == "vehicles"] == [("vehicles", "v3")]
