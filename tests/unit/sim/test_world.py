"""The seeded world model: trams on every line with headways and delays, trips in time and space, the follower
rule the evaluation uses, and unit snapshots."""

from __future__ import annotations

import itertools
import math
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.network.tram import LineDirection, LineStop, haversine_m
from hub.sim.world import TramTrip, WorldConfig, build_world, offset_position

WORLD = build_world(11)
NOON = 12 * 3600.0


def test_same_seed_same_world_and_other_seed_other_world() -> None:
    """Two worlds from one seed are identical, trip for trip and unit for unit; another seed differs."""
    again = build_world(11)
    assert again.trips == WORLD.trips
    assert again.units_at(NOON, "k") == WORLD.units_at(NOON, "k")
    other = build_world(12)
    assert other.trips != WORLD.trips
    assert other.units_at(NOON, "k") != WORLD.units_at(NOON, "k")
    assert WORLD.units_at(NOON, "k") != WORLD.units_at(NOON, "j")


def test_every_line_runs_both_directions_at_noon() -> None:
    """At noon every tram line of the network has trams in service in both directions."""
    running = {(t.direction.line, t.direction.direction) for t in WORLD.trams_at(NOON)}
    assert running == {(name, d) for name in WORLD.network.lines for d in (0, 1)}


def test_trips_follow_a_headway_from_the_config() -> None:
    """Consecutive trips of one line-direction leave one configured headway apart, plus their start delays."""
    cfg = WORLD.config
    by_direction: dict[tuple[str, int], list[TramTrip]] = {}
    for trip in WORLD.trips:
        by_direction.setdefault((trip.direction.line, trip.direction.direction), []).append(trip)
    low, high = cfg.start_delay_s
    for trips in by_direction.values():
        gaps = [b.start_s - a.start_s for a, b in itertools.pairwise(trips)]
        assert all(min(cfg.headways_s) - (high - low) <= g <= max(cfg.headways_s) + (high - low) for g in gaps)


def test_trip_times_rise_and_dwell_lies_in_the_configured_range() -> None:
    """Arrivals and departures rise along each trip; intermediate dwells stay within the configured range."""
    lo, hi = WORLD.config.dwell_s
    for trip in WORLD.trips[:200]:
        assert len(trip.arrive_s) == len(trip.depart_s) == len(trip.direction.stops)
        for k in range(len(trip.arrive_s) - 1):
            assert trip.depart_s[k] < trip.arrive_s[k + 1]
            if k > 0:
                assert lo <= trip.depart_s[k] - trip.arrive_s[k] <= hi


def test_trams_at_lists_exactly_the_trips_in_service() -> None:
    """``trams_at`` returns the trips that have left their first stop and not reached their last."""
    t = NOON + 123.0
    assert {trip.trip_id for trip in WORLD.trams_at(t)} == {trip.trip_id for trip in WORLD.trips if trip.in_service(t)}


def test_position_follows_the_trip_through_stops() -> None:
    """At a stop's arrival the tram is at that stop; between stops its distance rises with time."""
    trip = WORLD.trams_at(NOON)[0]
    stops = trip.direction.stops
    for k in range(1, len(stops)):
        assert trip.distance_at(trip.arrive_s[k]) == pytest.approx(stops[k].distance_m)
    times = [trip.start_s + f * (trip.end_s - trip.start_s) for f in (0.0, 0.1, 0.3, 0.5, 0.9, 1.0)]
    distances = [trip.distance_at(t) for t in times]
    assert distances == sorted(distances)
    lat, lon = trip.position_at(trip.arrive_s[3])
    assert haversine_m(lat, lon, stops[3].lat, stops[3].lon) < 0.5


def test_hold_shifts_only_what_follows() -> None:
    """Holding the tram at a stop delays its departure there and every later time by the same amount."""
    trip = WORLD.trams_at(NOON)[0]
    held = trip.held(4, trip.depart_s[4] + 60.0)
    assert held.arrive_s[:5] == trip.arrive_s[:5]
    assert held.depart_s[:4] == trip.depart_s[:4]
    assert held.depart_s[4] == pytest.approx(trip.depart_s[4] + 60.0)
    assert all(b == pytest.approx(a + 60.0) for a, b in zip(trip.arrive_s[5:], held.arrive_s[5:], strict=True))
    assert trip.held(4, trip.depart_s[4] - 5.0) is trip


def straight_trip() -> TramTrip:
    """Three stops 600 m apart: runs of 60 s at 10 m/s, 30 s dwell at the middle stop, leaving at t=0."""
    stops = [LineStop(f"de:15002:{k}", f"S{k}", 51.48, 11.9 + k * 0.0086, 600.0 * k, ()) for k in range(3)]
    direction = LineDirection("X", 0, stops)
    return TramTrip("x", "654", direction, (0.0, 60.0, 150.0), (0.0, 90.0, 150.0))


def test_follower_catches_a_running_tram() -> None:
    """A follower faster than the tram catches it where their distances meet, here while the tram is running."""
    trip = straight_trip()
    # The follower joins at 0 m at t=20 s (tram at 200 m) at 20 m/s: 20 (t - 20) = 10 t  ->  t = 40 s.
    assert trip.caught_s(0.0, 20.0, 20.0) == pytest.approx(40.0)


def test_follower_catches_a_tram_standing_at_a_stop() -> None:
    """A follower reaching the stop while the tram dwells there catches it on arrival."""
    trip = straight_trip()
    # Joins at 0 m at t=50 s (tram at 500 m) at 15 m/s: reaches 600 m at t=90 s, the end of the dwell.
    assert trip.caught_s(0.0, 50.0, 15.0) == pytest.approx(90.0)


def test_slow_follower_meets_the_tram_at_its_terminus() -> None:
    """A follower too slow to catch the tram on the way reaches it standing at its terminus."""
    trip = straight_trip()
    assert trip.caught_s(0.0, 10.0, 1.0) == pytest.approx(10.0 + 1200.0)


def test_follower_ahead_of_the_tram_waits_for_it() -> None:
    """A follower that joins the line ahead of the tram waits there until the tram arrives."""
    trip = straight_trip()
    assert trip.caught_s(900.0, 10.0, 20.0) == pytest.approx(90.0 + 30.0)
    assert trip.caught_s(600.0, 70.0, 20.0) == 70.0  # the tram is standing there


@settings(max_examples=200, deadline=None)
@given(index=st.integers(0, 80), at=st.floats(0.0, 1.0), speed=st.floats(2.0, 25.0), back=st.floats(0.0, 3000.0))
def test_catch_time_is_where_follower_and_tram_meet(index: int, at: float, speed: float, back: float) -> None:
    """The catch time is never before the follower starts, and there the follower has reached the tram."""
    trips = WORLD.trams_at(NOON)
    trip = trips[index % len(trips)]
    t0 = trip.start_s + at * (trip.end_s - trip.start_s)
    s0 = max(0.0, trip.distance_at(t0) - back)
    caught = trip.caught_s(s0, t0, speed)
    assert caught >= t0
    follower = min(s0 + speed * (caught - t0), trip.direction.length_m)
    assert follower >= trip.distance_at(caught) - 1e-3


def test_unit_snapshot_matches_the_config() -> None:
    """A snapshot has the configured count, mix, availability, fix ages and positions; truth lies near reports."""
    cfg = WorldConfig()
    units = [u for k in range(8) for u in WORLD.units_at(NOON, str(k))]
    assert len(units) == 8 * cfg.units
    kinds = Counter((u.state.unit_type, u.state.agency) for u in units)
    for kind, agency, share in cfg.unit_mix:
        assert kinds[(kind, agency)] / len(units) == pytest.approx(share, abs=0.04)
    free = sum(u.state.status_code in (1, 2) for u in units) / len(units)
    assert free == pytest.approx(cfg.available_share, abs=0.04)
    ages = [NOON - u.state.fix_at_s for u in units]
    assert all(0 <= a <= cfg.stale_age_s[1] for a in ages)
    assert sum(a > cfg.fix_age_s[1] for a in ages) / len(units) == pytest.approx(cfg.stale_share, abs=0.02)
    for u in units:
        assert 51.1 < u.state.lat < 51.7
        assert 11.7 < u.state.lon < 12.3
        top_speed = cfg.patrol_speed_kmh[u.state.unit_type] / 3.6
        moved = haversine_m(u.state.lat, u.state.lon, u.true_lat, u.true_lon)
        assert moved <= top_speed * (NOON - u.state.fix_at_s) + 1.0
        assert u.drive_factor > 0
    assert len({u.state.unit_id for u in WORLD.units_at(NOON, "0")}) == cfg.units


def test_offset_position_moves_by_metres() -> None:
    """Offsets in metres north and east land that far away."""
    lat, lon = offset_position(51.48, 11.97, 300.0, 400.0)
    assert haversine_m(51.48, 11.97, lat, lon) == pytest.approx(500.0, rel=1e-3)
    assert math.isclose(offset_position(51.48, 11.97, 0.0, 0.0)[0], 51.48)


@pytest.mark.parametrize(
    "kwargs",
    [{"service_end_s": 0.0}, {"headways_s": ()}, {"units": -1}, {"unit_mix": (("police_car", "polizei", 0.5),)}],
)
def test_config_refuses_impossible_values(kwargs: dict[str, object]) -> None:
    """An empty service window, no headway, a negative unit count or a mix not summing to 1 are refused."""
    with pytest.raises(ValueError, match="must"):
        WorldConfig(**kwargs)  # type: ignore[arg-type]
