"""The intercept evaluation on a small seeded run: reproducible, internally consistent, the naive rule as
documented, the table and the plot."""

from __future__ import annotations

import math
import statistics
from pathlib import Path

import pytest

from hub.eval.intercept import (
    ROUTED_SHORTLIST,
    Chase,
    EvaluationResult,
    IncidentOutcome,
    _ours_contact,
    evaluate,
    format_sensitivity,
    format_table,
    main,
    percentile,
    plot_distributions,
    routed_choice,
    sensitivity,
)
from hub.eval.scenarios import NIGHT_LINES, SCENARIOS, SENSITIVITY, road_params, scenario_network
from hub.network.roads import RoadGraphRouter, default_road_router
from hub.network.tram import LineDirection, LineStop, haversine_m, load_tram_network
from hub.network.travel import StraightLineRouter
from hub.router.intercept import screen_units
from hub.router.model import InterceptParams, Meeting, StopAhead, UnitState
from hub.sim.world import SimUnit, TramTrip, build_world

SEED = 5
N = 50


@pytest.fixture(scope="module")
def result() -> EvaluationResult:
    """One small evaluation shared by the tests of this module (it is pure, so sharing is safe)."""
    return evaluate(SEED, N)


def test_small_run_is_reproducible(result: EvaluationResult) -> None:
    """The same seed gives the same outcomes and figures; another seed gives others."""
    assert evaluate(SEED, N) == result
    assert evaluate(SEED + 1, N).outcomes != result.outcomes


def test_figures_are_internally_consistent(result: EvaluationResult) -> None:
    """Incidents are evaluated or skipped, shares sum to 1, and the figures follow from the outcomes."""
    outcomes = result.outcomes
    assert len(outcomes) + result.skipped == N
    assert result.ours_wins + result.naive_wins + result.ties == pytest.approx(1.0)
    assert result.ours_wins == sum(o.naive_s - o.ours_s > result.tie_tolerance_s for o in outcomes) / len(outcomes)
    ours = sorted(o.ours_s for o in outcomes)
    naive = sorted(o.naive_s for o in outcomes)
    assert result.ours.median_s == statistics.median(ours)
    assert result.naive.median_s == statistics.median(naive)
    assert result.ours.p90_s == percentile(ours, 0.9) >= result.ours.median_s
    assert result.naive.p90_s == percentile(naive, 0.9) >= result.naive.median_s
    assert result.median_reduction == pytest.approx(1 - result.ours.median_s / result.naive.median_s)
    assert result.hold_share == sum(o.ours_hold_s > 0 for o in outcomes) / len(outcomes)
    held = [o.ours_hold_s for o in outcomes if o.ours_hold_s > 0]
    assert result.hold_mean_s == pytest.approx(statistics.fmean(held))
    assert result.hold_median_s == statistics.median(held)
    assert (result.max_hold_s, result.min_hold_saving_s) == (120.0, InterceptParams().min_hold_saving_s)
    assert all(o.ours_s >= 0 and o.naive_s >= 0 for o in outcomes)


def test_outcomes_follow_the_plan_unless_missed(result: EvaluationResult) -> None:
    """Holds stay within the max; a terminus meeting is never marked missed."""
    for o in result.outcomes:
        assert 0 <= o.ours_hold_s <= InterceptParams().max_hold_s
        if o.ours_kind == "terminus":
            assert not o.ours_missed


def test_naive_sends_the_nearest_eligible_car(result: EvaluationResult) -> None:
    """The naive side dispatches the eligible car nearest to the reported tram position by straight line."""
    world = build_world(SEED)
    params = InterceptParams()
    for o in result.outcomes:
        units = world.units_at(o.now_s, str(o.index))
        eligible, _ = screen_units([u.state for u in units], o.now_s, params)
        cars = [u for u in eligible if u.unit_type != "on_foot"]
        nearest = min(cars, key=lambda u: haversine_m(u.lat, u.lon, o.reported_lat, o.reported_lon))
        assert o.naive_unit == nearest.unit_id
        trip = next(t for t in world.trams_at(o.now_s) if t.trip_id == o.trip_id)
        assert trip.direction.line == o.line


def test_percentile_interpolates_between_ranks() -> None:
    """The percentile is numpy's default: linear between closest ranks."""
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert percentile([0.0, 10.0], 0.9) == pytest.approx(9.0)
    assert percentile([7.0], 0.9) == 7.0
    with pytest.raises(ValueError, match="no values"):
        percentile([], 0.5)


def test_table_names_the_figures(result: EvaluationResult) -> None:
    """The table has both medians and p90s, the win shares and the reduction."""
    table = format_table(result)
    for text in ("recommendation", "naive dispatch", "median", "p90", "wins:", "ties", "lower than naive"):
        assert text in table
    assert (
        f"hold asked of HAVAG in {result.hold_share:.1%} of incidents, {result.hold_mean_s:.0f} s on average" in table
    )


def test_a_minimum_saving_asks_fewer_holds() -> None:
    """Taking every hold that helps asks at least as many holds as the default minimum saving, and never holds
    asked when holds are off; the table says so."""
    every = evaluate(SEED, N, params=InterceptParams(min_hold_saving_s=0.0))
    default = evaluate(SEED, N)
    assert every.hold_share >= default.hold_share
    assert every.min_hold_saving_s == 0.0
    none = evaluate(SEED, N, params=InterceptParams(max_hold_s=0.0))
    assert none.hold_share == 0.0
    assert math.isnan(none.hold_mean_s)
    assert "hold asked of HAVAG in 0.0% of incidents (min saving" in format_table(none)


def test_main_takes_the_minimum_saving(capsys: pytest.CaptureFixture[str]) -> None:
    """``--min-hold-saving`` reaches the recommendation and the table."""
    assert main(["--seed", "2", "--incidents", "10", "--min-hold-saving", "45", "--scenario", "day"]) == 0
    assert "(min saving 45 s, max hold 120 s)" in capsys.readouterr().out


def test_main_prints_the_table_and_writes_the_plot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The command prints the figures and writes a PNG when given a path."""
    pytest.importorskip("matplotlib")
    path = tmp_path / "eval.png"
    assert main(["--seed", "2", "--incidents", "20", "--plot", str(path), "--scenario", "day"]) == 0
    out = capsys.readouterr().out
    assert "20 incidents" in out
    assert "plot written" in out
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_needs_no_display(result: EvaluationResult, tmp_path: Path) -> None:
    """The plot renders headless (Agg) straight from a result."""
    pytest.importorskip("matplotlib")
    path = tmp_path / "p.png"
    plot_distributions(result, path)
    assert path.stat().st_size > 10_000


def test_main_refuses_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    """Fewer than one incident, a negative hold or minimum saving are usage errors (exit 2) that say what is wrong."""
    assert main(["--incidents", "0"]) == 2
    assert "--incidents must be at least 1" in capsys.readouterr().err
    assert main(["--max-hold", "-1"]) == 2
    assert "--max-hold must not be negative" in capsys.readouterr().err
    assert main(["--min-hold-saving", "-1"]) == 2
    assert "--min-hold-saving must not be negative" in capsys.readouterr().err
    assert main(["--sensitivity", "-1"]) == 2
    assert "--sensitivity must not be negative" in capsys.readouterr().err


def _line_trip() -> tuple[TramTrip, StopAhead]:
    """A tram on three stops 600 m apart: leaves at 0, at stop 1 from 60 to 90 s, at its terminus at 150 s."""
    stops = [LineStop(f"de:15002:{k}", f"S{k}", 51.48, 11.9 + k * 0.0086, 600.0 * k, ()) for k in range(3)]
    trip = TramTrip("x", "654", LineDirection("X", 0, stops), (0.0, 60.0, 150.0), (0.0, 90.0, 150.0))
    s1 = stops[1]
    return trip, StopAhead(1, s1.stop_id, s1.name, s1.lat, s1.lon, 60.0)


def _walker(drive_factor: float) -> SimUnit:
    state = UnitState("F1", "ordnungsamt", "on_foot", 51.4805, 11.9086, 0.0, 1)
    return SimUnit(state, state.lat, state.lon, drive_factor)


def test_a_unit_on_time_meets_the_tram_at_the_planned_stop() -> None:
    """A unit that reaches the stop while the tram stands there (or before) meets it there."""
    trip, stop = _line_trip()
    walker = _walker(1.0)
    params = InterceptParams(turnout_s=0.0, margin_s=0.0)
    walk = params.router.travel_time_s(walker.state.lat, walker.state.lon, stop.lat, stop.lon, "on_foot")
    meeting = Meeting("F1", "ordnungsamt", "on_foot", "stop", stop, walk, walk, 60.0, max(0.0, walk - 60.0), 60.0)
    contact, missed = _ours_contact(meeting, {"F1": walker}, trip, 0.0, params, {"on_foot": 1.4})
    assert not missed
    assert contact == pytest.approx(max(60.0, walk))


def test_a_late_unit_is_re_planned_and_never_meets_before_the_tram_left() -> None:
    """A unit reaching the stop after the tram left counts as missed; its contact comes after that departure."""
    trip, stop = _line_trip()
    slow = _walker(20.0)  # traffic, a wrong turn: twenty times the estimate
    params = InterceptParams(turnout_s=0.0, margin_s=0.0)
    meeting = Meeting("F1", "ordnungsamt", "on_foot", "stop", stop, 10.0, 10.0, 60.0, 0.0, 60.0)
    contact, missed = _ours_contact(meeting, {"F1": slow}, trip, 0.0, params, {"on_foot": 1.4})
    assert missed
    assert contact > trip.depart_s[1]
    assert math.isfinite(contact)


# --- the routed baseline, the road graph and the scenarios ------------------------------------------------------


def test_routed_baseline_sends_the_fastest_of_the_five_nearest_cars(result: EvaluationResult) -> None:
    """The routed baseline ranks the five eligible cars nearest by straight line by routed time to the reported
    position and sends the fastest; never a car outside that shortlist, and never slower than the naive choice."""
    params = InterceptParams()
    world = build_world(SEED)
    router = params.router
    for o in result.outcomes[:15]:
        units = [u.state for u in world.units_at(o.now_s, str(o.index))]
        eligible, _ = screen_units(units, o.now_s, params)
        cars = [u for u in eligible if u.unit_type != "on_foot"] or eligible
        near = sorted(cars, key=lambda u: (haversine_m(u.lat, u.lon, o.reported_lat, o.reported_lon), u.unit_id))
        shortlist = near[:ROUTED_SHORTLIST]
        assert o.routed_unit in {u.unit_id for u in shortlist}

        def drive(u: UnitState, o: IncidentOutcome = o) -> float:
            return router.travel_time_s(u.lat, u.lon, o.reported_lat, o.reported_lon, u.unit_type)

        chosen = next(u for u in shortlist if u.unit_id == o.routed_unit)
        assert drive(chosen) == min(drive(u) for u in shortlist)
        assert drive(chosen) <= drive(near[0])  # the naive choice is on the shortlist


def test_routed_choice_prefers_a_car_and_breaks_ties_by_call_sign() -> None:
    params = InterceptParams()
    car = UnitState("B", "polizei", "police_car", 51.49, 11.97, 0.0, 1)
    twin = UnitState("A", "polizei", "police_car", 51.49, 11.97, 0.0, 1)
    walker = UnitState("W", "polizei", "on_foot", 51.4801, 11.97, 0.0, 1)
    assert routed_choice([car, twin, walker], 51.48, 11.97, params) == twin
    assert routed_choice([walker], 51.48, 11.97, params) == walker
    assert routed_choice([], 51.48, 11.97, params) is None


@pytest.fixture(scope="module")
def on_roads() -> EvaluationResult:
    """A small day run with cars routed on the street graph."""
    return evaluate(SEED, 25, params=road_params(default_road_router()))


def test_on_roads_the_figures_hold_together(on_roads: EvaluationResult) -> None:
    outcomes = on_roads.outcomes
    assert len(outcomes) + on_roads.skipped == 25
    assert on_roads.routed.median_s == statistics.median(o.routed_s for o in outcomes)
    assert on_roads.routed_median_reduction == pytest.approx(1 - on_roads.ours.median_s / on_roads.routed.median_s)
    assert all(o.routed_s > 0 and o.ours_s > 0 for o in outcomes)
    assert evaluate(SEED, 25, params=road_params(default_road_router())) == on_roads
    ours_ahead = sum(o.routed_s - o.ours_s > on_roads.tie_tolerance_s for o in outcomes)
    routed_ahead = sum(o.ours_s - o.routed_s > on_roads.tie_tolerance_s for o in outcomes)
    assert on_roads.ours_wins_routed == ours_ahead / len(outcomes)
    assert on_roads.routed_wins == routed_ahead / len(outcomes)
    assert "against the routed baseline: recommendation" in format_table(on_roads)


def test_chasing_on_roads_is_slower_than_the_straight_line_rule() -> None:
    """Following a tram on the street graph gains ground at the line's length over the routed stop-to-stop time:
    slower than a car's full speed on the straight-line rule, faster than walking."""
    direction = next(iter(load_tram_network().lines["2"].directions))
    roads = Chase(road_params(default_road_router())).speeds(direction)
    straight = Chase(InterceptParams()).speeds(direction)
    assert 3.0 < roads["police_car"] < straight["police_car"] * 1.5
    assert roads["ordnungsamt_car"] < roads["police_car"]
    assert roads["on_foot"] < roads["ordnungsamt_car"]


def test_night_has_fewer_units_and_lines_than_the_day() -> None:
    day, night = SCENARIOS["day"], SCENARIOS["night"]
    assert night.config.units < day.config.units
    assert night.config.available_share < day.config.available_share
    assert min(night.config.headways_s) > max(day.config.headways_s)
    assert set(scenario_network(night).lines) == set(NIGHT_LINES)
    assert scenario_network(day).lines == load_tram_network().lines


def test_main_prints_both_scenarios_on_roads(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--seed", "3", "--incidents", "8"]) == 0
    out = capsys.readouterr().out
    assert "== day:" in out
    assert "== night:" in out
    assert out.count("\nrouted baseline ") == 2  # one table row per scenario
    assert "cars routed on Halle's streets" in out


def test_sensitivity_varies_each_assumption() -> None:
    chosen = [v for v in SENSITIVITY if v.name in ("base", "road speeds -20 %", "max hold 0 s (no holds)")]
    rows = sensitivity(SEED, 4, "day", road_params(default_road_router()), chosen)
    assert [r.variant for r in rows] == [v.name for v in chosen]
    base = next(r for r in rows if r.variant == "base")
    slower = next(r for r in rows if r.variant == "road speeds -20 %")
    assert slower.routed_median_s > base.routed_median_s  # the same incidents, driven 20 % slower
    table = format_sensitivity(rows)
    assert "vs routed" in table
    assert "max hold 0 s (no holds)" in table


def test_speed_variants_scale_the_router_they_are_given() -> None:
    """Road speeds ±20 % scale the road router's classes (and its bound), or the straight-line profiles: the
    variant never swaps one router for the other."""
    faster = next(v for v in SENSITIVITY if v.name == "road speeds +20 %")
    roads = faster.params(road_params(default_road_router()))
    assert isinstance(roads.router, RoadGraphRouter)
    assert roads.crow_speed_mps["police_car"] == pytest.approx(
        road_params(default_road_router()).crow_speed_mps["police_car"] * 1.2
    )
    straight = faster.params(InterceptParams())
    assert isinstance(straight.router, StraightLineRouter)
    assert straight.router.profiles["police_car"].speed_kmh == pytest.approx(48.0)
