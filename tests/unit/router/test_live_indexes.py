"""The live state's indexes (issue 13): a trip update finds the vehicles on its trip and a position finds the trip
naming its vehicle without a pass over the fleet or every trip, and the answers are what those passes gave."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.network.tram import load_tram_network
from hub.router.frozen import FrozenMap
from hub.router.live import LiveConfig, LiveState, apply_trip_update, apply_vehicle_position, forget_old
from hub.schemas.transit import TripUpdate, VehiclePosition

NETWORK = load_tram_network()
CONFIG = LiveConfig(network=NETWORK, forget_trip_after_s=50.0, forget_vehicle_after_s=80.0)
LINE5 = NETWORK.direction("5", 0)
T0 = 1_780_000_000.0
VEHICLES = ("654", "655", "656")
TRIPS = ("T1", "T2", "T3", "T4")


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def scanned_trip_for(state: LiveState, vehicle: str) -> TripUpdate | None:
    """The first trip naming ``vehicle``, by a pass over every trip (as the router did)."""
    return next((trip for trip in state.trips.values() if trip.vehicle == vehicle), None)


def check_indexes(state: LiveState) -> None:
    """The indexes say what passes over the vehicles and trips say."""
    for trip_id in TRIPS:
        on_trip = {v.vehicle for v in state.vehicles.values() if v.trip_id == trip_id}
        assert set(state.vehicles_on_trip.get(trip_id, frozenset())) == on_trip
    assert all(state.vehicles_on_trip.values())  # no empty entries left behind
    for vehicle in VEHICLES:
        expected = tuple(t for t, trip in state.trips.items() if trip.vehicle == vehicle)
        assert state.trips_of_vehicle.get(vehicle, ()) == expected
        first = state.trips_of_vehicle.get(vehicle, ())
        assert (state.trips[first[0]] if first else None) == scanned_trip_for(state, vehicle)


operation = st.one_of(
    st.tuples(st.just("position"), st.sampled_from(VEHICLES), st.sampled_from([*TRIPS, None]), st.floats(500, 9_000)),
    st.tuples(st.just("trip"), st.sampled_from(TRIPS), st.sampled_from([*VEHICLES, None]), st.integers(-60, 600)),
    st.tuples(st.just("forget")),
    st.tuples(st.just("rebuild")),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(operation, min_size=1, max_size=40))
def test_the_indexes_follow_every_change(operations: list[tuple[object, ...]]) -> None:
    """Positions that change trips, trip updates that change vehicles, trips and vehicles forgotten, a state
    rebuilt from its maps (a restart): after each, the indexes answer what a pass over the maps answers, and a
    trip update re-predicts exactly the vehicles on its trip or named by it."""
    state = LiveState()
    t = T0
    for op in operations:
        t += 7.0
        kind = op[0]
        if kind == "position":
            vehicle, trip_id, metres = op[1], op[2], op[3]
            lat, lon = LINE5.point_at(metres)  # type: ignore[arg-type]
            event = VehiclePosition(
                vehicle=vehicle,  # type: ignore[arg-type]
                line="5",
                direction=LINE5.destination.stop_id,
                trip_id=trip_id,  # type: ignore[arg-type]
                lat=lat,
                lon=lon,
                observed_at=at(t),
            )
            state = apply_vehicle_position(state, event, CONFIG)
        elif kind == "trip":
            trip_id, vehicle, delay = op[1], op[2], op[3]
            update = TripUpdate(trip_id=trip_id, vehicle=vehicle, delay_s=delay, observed_at=at(t))  # type: ignore[arg-type]
            before = state
            state = apply_trip_update(state, update, CONFIG)
            concerned = {
                v.vehicle
                for v in before.vehicles.values()
                if v.trip_id == trip_id or (vehicle and v.vehicle == vehicle)
            }
            changed = {k for k in state.vehicles if state.vehicles[k] is not before.vehicles.get(k)}
            predicted = {k for k in concerned if before.vehicles[k].snap is not None}
            assert changed == predicted
        elif kind == "forget":
            state = forget_old(state, t, CONFIG)
        else:
            state = LiveState(
                vehicles=FrozenMap(dict(state.vehicles)),
                units=FrozenMap(dict(state.units)),
                trips=FrozenMap(dict(state.trips)),
            )
        check_indexes(state)


def test_a_position_without_trip_id_takes_the_trip_naming_its_vehicle() -> None:
    """A feed whose positions carry no trip id: the trip update naming the vehicle is found from the index."""
    state = apply_trip_update(
        LiveState(), TripUpdate(trip_id="T9", vehicle="654", delay_s=30, observed_at=at(T0)), CONFIG
    )
    lat, lon = LINE5.point_at(3_000)
    event = VehiclePosition(vehicle="654", line="5", lat=lat, lon=lon, observed_at=at(T0 + 5))
    state = apply_vehicle_position(state, event, CONFIG)
    assert state.trips_of_vehicle["654"] == ("T9",)
    assert state.vehicles["654"].trip_id is None


def test_a_trip_handed_to_another_vehicle_keeps_its_place_among_that_vehicles_trips() -> None:
    """T1 named tram 654, T2 tram 655; then T1 names 655 too: 655's first trip is T1 (the order of the trips), as
    the pass over every trip found it."""
    state = LiveState()
    for n, (trip_id, vehicle) in enumerate([("T1", "654"), ("T2", "655"), ("T1", "655")]):
        update = TripUpdate(trip_id=trip_id, vehicle=vehicle, observed_at=at(T0 + n))
        state = apply_trip_update(state, update, CONFIG)
    assert state.trips_of_vehicle["655"] == ("T1", "T2")
    assert "654" not in state.trips_of_vehicle
    check_indexes(state)
