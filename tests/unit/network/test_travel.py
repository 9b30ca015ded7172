"""Travel times: the tram schedule along a line, predicted arrivals from a snapped position, and road units."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.network.tram import LineDirection, Snap, haversine_m, load_tram_network
from hub.network.travel import (
    DEFAULT_ROAD_PROFILES,
    DEFAULT_TIMING,
    RoadProfile,
    RoadRouter,
    StraightLineRouter,
    TramTiming,
    UnitType,
    predict_arrivals,
    schedule,
    scheduled_time_s,
)

NET = load_tram_network()
DIRECTIONS = [d for line in NET.lines.values() for d in line.directions]
UNIT_TYPES: list[UnitType] = ["police_car", "ordnungsamt_car", "on_foot"]


def test_running_time_uses_city_speed_then_open_track_speed() -> None:
    """500 m take 500 m at 22 km/h; each metre beyond goes at 50 km/h; zero distance takes no time."""
    timing = TramTiming()
    assert timing.run_s(0.0) == 0.0
    assert timing.run_s(500.0) == pytest.approx(500 * 3.6 / 22)
    assert timing.run_s(1500.0) == pytest.approx(500 * 3.6 / 22 + 1000 * 3.6 / 50)


@given(a=st.floats(0, 5000), b=st.floats(0, 5000))
def test_running_time_rises_with_distance(a: float, b: float) -> None:
    """A longer run never takes less time (the speed rule is continuous at the threshold)."""
    low, high = sorted((a, b))
    assert DEFAULT_TIMING.run_s(low) <= DEFAULT_TIMING.run_s(high)


def test_timing_refuses_impossible_values() -> None:
    """Zero or negative speeds, negative dwell and a detour factor below 1 are configuration errors."""
    with pytest.raises(ValueError, match="speeds"):
        TramTiming(running_speed_kmh=0)
    with pytest.raises(ValueError, match="dwell"):
        TramTiming(dwell_s=-1)
    with pytest.raises(ValueError, match="positive"):
        RoadProfile(speed_kmh=0)
    with pytest.raises(ValueError, match="detour"):
        RoadProfile(speed_kmh=30, detour_factor=0.9)


def test_scheduled_time_is_runs_plus_dwells_between_the_stops() -> None:
    """From stop 2 to stop 6: four runs and a dwell at each of the three stops in between."""
    line1 = NET.direction("1", 0)
    timing = TramTiming(running_speed_kmh=18, dwell_s=25, open_track_after_m=10_000)
    runs = sum((line1.stops[i + 1].distance_m - line1.stops[i].distance_m) * 3.6 / 18 for i in range(2, 6))
    assert scheduled_time_s(line1, 2, 6, timing) == pytest.approx(runs + 3 * 25)
    assert scheduled_time_s(line1, 2, 3, timing) == pytest.approx(
        (line1.stops[3].distance_m - line1.stops[2].distance_m) / 5
    )


def test_scheduled_time_needs_a_later_stop() -> None:
    """Asking for the time to an earlier stop, the same stop or past the end is an error, not a negative time."""
    line1 = NET.direction("1", 0)
    for a, b in ((5, 5), (6, 5), (0, len(line1.stops))):
        with pytest.raises(ValueError, match="from < to"):
            scheduled_time_s(line1, a, b)


@pytest.mark.parametrize("line", DIRECTIONS, ids=repr)
def test_schedule_splits_at_any_intermediate_stop(line: LineDirection) -> None:
    """Time a->c equals time a->b, plus the dwell at b, plus time b->c, for every stop b in between."""
    last = len(line.stops) - 1
    for b in range(1, last):
        whole = scheduled_time_s(line, 0, last)
        parts = scheduled_time_s(line, 0, b) + DEFAULT_TIMING.dwell_s + scheduled_time_s(line, b, last)
        assert whole == pytest.approx(parts)


def test_default_timing_gives_plausible_trip_times() -> None:
    """City lines average 16-21 km/h including stops; line 5 to Bad Dürrenberg takes 90-110 min (about 90 reported
    in 2016, before its detour through Merseburg-Süd)."""
    for name, line in NET.lines.items():
        trip = schedule(line.directions[0]).trip_s
        speed_kmh = line.length_m / trip * 3.6
        if name == "5":
            assert 90 * 60 <= trip <= 110 * 60
        else:
            assert 16 <= speed_kmh <= 21, (name, speed_kmh)


def test_schedule_is_cached_per_direction_and_timing() -> None:
    """The same direction and timing give the same schedule object; another timing gives another."""
    line1 = NET.direction("1", 0)
    assert schedule(line1) is schedule(line1, TramTiming())
    assert schedule(line1, TramTiming(dwell_s=30)) is not schedule(line1)


def test_predicted_arrivals_from_between_two_stops() -> None:
    """A tram 40 % of the way from stop 3 to 4 reaches 4 after 60 % of that run, then keeps to the schedule."""
    line1 = NET.direction("1", 0)
    sched = schedule(line1)
    arrivals = predict_arrivals(line1, Snap(3, 0.4, 0.0, 0.0))
    assert [a.stop_index for a in arrivals] == list(range(4, len(line1.stops)))
    assert arrivals[0].stop_id == line1.stops[4].stop_id
    assert arrivals[0].eta_s == pytest.approx(0.6 * sched.run_s[3])
    assert arrivals[1].eta_s == pytest.approx(0.6 * sched.run_s[3] + DEFAULT_TIMING.dwell_s + sched.run_s[4])
    last = len(line1.stops) - 1
    assert arrivals[-1].eta_s == pytest.approx(
        0.6 * sched.run_s[3] + DEFAULT_TIMING.dwell_s + scheduled_time_s(line1, 4, last)
    )


def test_predicted_arrivals_at_a_stop_match_the_schedule() -> None:
    """A tram leaving stop 5 arrives at each later stop at the scheduled time from stop 5."""
    line5 = NET.direction("5", 1)
    for arrival in predict_arrivals(line5, Snap(5, 0.0, line5.stops[5].distance_m, 0.0)):
        assert arrival.eta_s == pytest.approx(scheduled_time_s(line5, 5, arrival.stop_index))


def test_delay_and_fix_time_shift_every_arrival() -> None:
    """A 90 s delay and a fix time of 1000 s move every arrival by exactly 1090 s."""
    line3 = NET.direction("3", 0)
    position = line3.snap(*line3.point_at(4321.0))
    plain = predict_arrivals(line3, position)
    shifted = predict_arrivals(line3, position, delay_s=90.0, t0_s=1000.0)
    assert [s.eta_s - p.eta_s for p, s in zip(plain, shifted, strict=True)] == pytest.approx([1090.0] * len(plain))


def test_at_the_terminus_only_the_last_stop_remains() -> None:
    """A tram at its last stop has one arrival left, now."""
    line1 = NET.direction("1", 0)
    end = line1.destination
    arrivals = predict_arrivals(line1, line1.snap(end.lat, end.lon))
    assert [(a.stop_index, a.eta_s) for a in arrivals] == [(len(line1.stops) - 1, 0.0)]


def test_prediction_refuses_a_position_off_the_line() -> None:
    """A snap result whose stop index is not on this line-direction is an error."""
    line1 = NET.direction("1", 0)
    with pytest.raises(ValueError, match="not on line 1"):
        predict_arrivals(line1, Snap(len(line1.stops) - 1, 0.0, 0.0, 0.0))


@settings(max_examples=300, deadline=None)
@given(
    index=st.integers(0, len(DIRECTIONS) - 1),
    share=st.floats(0.0, 1.0),
    delay=st.floats(-600.0, 3600.0),
)
def test_predicted_arrivals_increase_along_the_line(index: int, share: float, delay: float) -> None:
    """Wherever the tram is, later stops are reached later, the next one no sooner than the delay, and never
    sooner than driving the distance at open-track speed."""
    line = DIRECTIONS[index]
    distance = share * line.length_m
    position = line.snap(*line.point_at(distance), hint_m=distance)
    arrivals = predict_arrivals(line, position, delay_s=delay)
    assert arrivals, "a tram always has at least its last stop ahead"
    assert arrivals[0].stop_index == position.last_stop_index + 1
    assert arrivals[0].eta_s >= delay
    assert all(b.eta_s > a.eta_s for a, b in itertools.pairwise(arrivals))
    for arrival in arrivals:
        ahead = line.stops[arrival.stop_index].distance_m - position.distance_m
        assert arrival.eta_s - delay >= ahead * 3.6 / DEFAULT_TIMING.open_track_speed_kmh - 1e-6


# --- road units -----------------------------------------------------------------------------------------------


def test_router_satisfies_the_road_router_protocol() -> None:
    """StraightLineRouter is a RoadRouter, so a routing engine can replace it behind the same interface."""
    router: RoadRouter = StraightLineRouter()
    assert router.travel_time_s(51.48, 11.97, 51.48, 11.97, "police_car") == 0.0


def test_road_time_is_distance_times_detour_over_speed() -> None:
    """Marktplatz to Hauptbahnhof by police car: haversine x 1.35 at 40 km/h; on foot: x 1.25 at 5 km/h."""
    router = StraightLineRouter()
    a, b = (51.483369, 11.969345), (51.478269, 11.985676)
    crow = haversine_m(*a, *b)
    assert router.travel_time_s(*a, *b, "police_car") == pytest.approx(crow * 1.35 / (40 / 3.6))
    assert router.travel_time_s(*a, *b, "on_foot") == pytest.approx(crow * 1.25 / (5 / 3.6))


def test_faster_unit_types_arrive_sooner() -> None:
    """Over the same trip a police car is faster than an Ordnungsamt car, which is faster than walking."""
    router = StraightLineRouter()
    times = [router.travel_time_s(51.48, 11.97, 51.50, 11.93, unit) for unit in UNIT_TYPES]
    assert times == sorted(times)
    assert times[0] < times[1] < times[2]


def test_profiles_are_configurable_and_unknown_types_refused() -> None:
    """A router built with other profiles uses them; a unit type without a profile raises a clear error."""
    router = StraightLineRouter({"on_foot": RoadProfile(speed_kmh=3.6, detour_factor=1.0)})
    assert router.travel_time_s(51.0, 12.0, 51.001, 12.0, "on_foot") == pytest.approx(111.195, rel=1e-4)
    with pytest.raises(ValueError, match="no road profile for unit type 'police_car'"):
        router.travel_time_s(51.0, 12.0, 51.001, 12.0, "police_car")
    assert set(DEFAULT_ROAD_PROFILES) == set(UNIT_TYPES)


coords = st.tuples(st.floats(51.25, 51.56), st.floats(11.82, 12.14))


@given(a=coords, b=coords, unit=st.sampled_from(UNIT_TYPES))
def test_road_time_is_symmetric(a: tuple[float, float], b: tuple[float, float], unit: UnitType) -> None:
    """Going from a to b takes as long as from b to a, and is never negative."""
    router = StraightLineRouter()
    there = router.travel_time_s(*a, *b, unit)
    assert there == pytest.approx(router.travel_time_s(*b, *a, unit), rel=1e-9, abs=1e-9)
    assert there >= 0.0


@given(
    start=coords,
    bearing=st.floats(0, 2 * math.pi),
    near=st.floats(0, 20_000),
    far=st.floats(0, 20_000),
    unit=st.sampled_from(UNIT_TYPES),
)
def test_road_time_rises_with_distance(
    start: tuple[float, float], bearing: float, near: float, far: float, unit: UnitType
) -> None:
    """Along one bearing from one start, a further destination never takes less time."""
    near, far = sorted((near, far))

    def towards(metres: float) -> tuple[float, float]:
        return (
            start[0] + metres * math.cos(bearing) / 111_195,
            start[1] + metres * math.sin(bearing) / (111_195 * math.cos(math.radians(start[0]))),
        )

    router = StraightLineRouter()
    assert router.travel_time_s(*start, *towards(near), unit) <= router.travel_time_s(*start, *towards(far), unit)
