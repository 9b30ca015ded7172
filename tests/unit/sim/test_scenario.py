"""The simulator's timeline: reproducible from the seed, trams on every line along their tracks with 3-digit cars
and delays against the timetable, units changing status by the agencies' code lists, incidents handed to units."""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import datetime

import pytest

from hub.network.tram import haversine_m
from hub.schemas.codes import DEFAULT_STATUS_CODES
from hub.sim.scenario import HALLE, ScenarioConfig, SimClock, build_scenario, trip_of

CONFIG = ScenarioConfig(duration_s=1800.0, incident_rate_per_h=40.0)
SCENARIO = build_scenario(3, CONFIG)


def test_same_seed_and_options_give_the_same_scenario_and_another_seed_another() -> None:
    """Incidents, unit reports and tram states are equal for one seed and options; another seed changes them."""
    again = build_scenario(3, CONFIG)
    assert again.incidents == SCENARIO.incidents
    assert again.reports == SCENARIO.reports
    t = SCENARIO.start_s + 600
    assert again.trams(t) == SCENARIO.trams(t)
    other = build_scenario(4, CONFIG)
    assert other.incidents != SCENARIO.incidents
    assert other.reports != SCENARIO.reports


def test_every_tram_line_runs_both_directions_with_distinct_three_digit_cars() -> None:
    """At the start every line of the network has trams in both directions, each car a distinct 3-digit number."""
    trams = SCENARIO.trams(SCENARIO.start_s)
    assert {(s.line, s.direction) for s in trams} == {(name, d) for name in SCENARIO.network.lines for d in (0, 1)}
    cars = [s.car for s in trams]
    assert len(cars) == len(set(cars))
    assert all(car.isdigit() and len(car) == 3 for car in cars)
    assert all(s.route_id == f"HAT___{s.line}" for s in trams)


def test_tram_positions_lie_on_their_line_between_the_stops_they_report() -> None:
    """A tram's position snaps onto its line-direction with no offset, between its last stop and the next."""
    for state in SCENARIO.trams(SCENARIO.start_s + 300):
        direction = SCENARIO.network.direction(state.line, 0 if state.direction == 0 else 1)
        snap = direction.snap(state.lat, state.lon)
        assert snap.offset_m < 1.0
        last = direction.stops[direction.index_of(state.last_stop_id)]
        assert last.distance_m - 1.0 <= snap.distance_m
        if state.next_stop_id is not None:
            assert snap.distance_m <= direction.stops[direction.index_of(state.next_stop_id)].distance_m + 1.0
        assert (state.speed_mps == 0.0) == state.stopped


def test_a_car_works_a_run_turning_at_the_terminus_after_its_layover() -> None:
    """Consecutive trips of one car alternate direction, start where the last ended and after the minimum layover."""
    trips_by_car = defaultdict(list)
    for trip in SCENARIO.world.trips:
        trips_by_car[SCENARIO.runs[trip.trip_id].car].append(trip)
    assert len(trips_by_car) > 80  # about 90 trams in service need more cars than that
    for trips in trips_by_car.values():
        trips.sort(key=lambda t: t.start_s)
        assert len({t.direction.line for t in trips}) == 1
        for before, after in itertools.pairwise(trips):
            assert after.direction.origin.stop_id == before.direction.destination.stop_id
            assert after.start_s >= before.end_s + CONFIG.min_layover_s


def test_delays_are_actual_minus_timetable_and_predictions_run_forward() -> None:
    """Every trip leaves 0-4 min after its recovered plan (the world's start delay); a tram's predicted arrivals
    are the timetable plus its current delay, in stop order and rising."""
    for trip in SCENARIO.world.trips:
        late = trip.start_s - SCENARIO.timetable.depart(trip, 0)
        assert -1.0 <= late <= 241.0
    for state in SCENARIO.trams(SCENARIO.start_s + 900):
        trip = trip_of(SCENARIO, state)
        sequences = [a[0] for a in state.arrivals]
        assert sequences == sorted(sequences)
        times = [a[2] for a in state.arrivals]
        assert times == sorted(times)
        for sequence, stop_id, arrival, delay in state.arrivals:
            assert stop_id == trip.direction.stops[sequence].stop_id
            assert delay == state.delay_s
            assert arrival == SCENARIO.clock.posix(SCENARIO.timetable.arrive(trip, sequence) + state.delay_s)


def test_unit_statuses_come_from_the_agency_code_lists_and_reports_come_often() -> None:
    """Every reported digit is in its agency's code list; each unit reports at least once a minute; the reported
    position is within a few LIP error classes of where the unit was."""
    for report in SCENARIO.reports:
        code = DEFAULT_STATUS_CODES[report.agency].get(report.status)
        assert code is not None
        assert not code.request_only
        assert report.position_error_m in (2, 20, 200)
        assert report.time_elapsed_s in (5, 300)
    by_unit = defaultdict(list)
    for report in SCENARIO.reports:
        by_unit[report.call_sign].append(report)
    assert set(by_unit) == {u.call_sign for u in SCENARIO.units}
    for unit in SCENARIO.units:
        times = [r.t for r in by_unit[unit.call_sign]]
        assert max(b - a for a, b in itertools.pairwise(times)) <= 61.0
        for report in by_unit[unit.call_sign]:
            if report.time_elapsed_s == 5:
                lat, lon = unit.leg_at(report.t).position(report.t)
                assert haversine_m(lat, lon, report.lat, report.lon) < 1000.0


def test_a_dispatched_unit_goes_free_on_the_way_on_scene_free() -> None:
    """The unit the control room sends goes 3 then 4 with the incident as its reference, then free (1) again."""
    handled = [i for i in SCENARIO.incidents if i.unit is not None and i.on_scene_s is not None]
    assert handled
    for incident in handled:
        assert incident.unit is not None
        assert incident.dispatched_s is not None
        unit = SCENARIO.unit(incident.unit)
        assert unit.leg_at(incident.dispatched_s - 1).status in (1, 2)
        statuses = [(leg.status, leg.incident_ref) for leg in unit.legs if leg.t0 >= incident.dispatched_s]
        assert statuses[0] == (3, incident.incident_ref)
        assert statuses[1] == (4, incident.incident_ref)
        assert statuses[2:3] in ([], [(1, None)])  # free again, unless the scenario ended first
        police = incident.event.agency == "polizei"
        assert unit.agency == ("polizei" if police else "ordnungsamt")


def test_incidents_follow_the_rate_and_carry_what_each_channel_needs() -> None:
    """Over a long stretch the count is near the configured rate; vehicle incidents name a tram in service, driver
    alarms clear down 3-12 min later, stop incidents name a Halle stop."""
    long = build_scenario(5, ScenarioConfig(duration_s=4 * 3600.0, incident_rate_per_h=30.0))
    assert 90 <= len(long.incidents) <= 150
    kinds = {i.kind for i in long.incidents}
    assert kinds == {"driver_alarm_silent", "driver_alarm_loud", "passenger_emergency", "assault_on_vehicle", "at_stop"}
    for incident in long.incidents:
        if incident.kind == "at_stop":
            assert incident.stop is not None
            assert incident.stop.stop_id.startswith("de:15002:")
            assert incident.channel == "cap"
            continue
        assert incident.tram is not None
        assert trip_of(long, incident.tram).in_service(incident.t)
        if incident.channel == "driver-alarm":
            assert incident.cleared_s is not None
            assert 180 <= incident.cleared_s - incident.t <= 720
            assert incident.incident_ref.startswith(f"driver-alarm:{incident.tram.car}-")
        else:
            assert incident.reported_s > incident.t


def test_simulation_seconds_are_local_time_after_midnight_of_the_service_day() -> None:
    """Second 0 is local midnight of the start's day; the scenario starts at the configured time."""
    clock = SimClock(datetime(2026, 11, 20, tzinfo=HALLE))
    assert clock.iso(22 * 3600 + 7) == "2026-11-20T22:00:07+01:00"
    assert clock.service_date == "20261120"
    assert SCENARIO.clock.iso(SCENARIO.start_s) == CONFIG.start.isoformat()


@pytest.mark.parametrize(
    "bad",
    [
        {"duration_s": 0.0},
        {"incident_rate_per_h": -1.0},
        {"police_cars": -1},
        {"start": datetime(2026, 11, 20, 22, 0)},  # the point: no time zone
        {"incident_mix": (("at_stop", 0.5),)},
    ],
)
def test_config_refuses_what_cannot_run(bad: dict[str, object]) -> None:
    """Nonsense options are refused when the config is built, naming the problem."""
    with pytest.raises(ValueError, match=r"must|mix"):
        ScenarioConfig(**bad)  # type: ignore[arg-type]
