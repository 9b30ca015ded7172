"""Live state: vehicles snapped to line and direction with arrivals ahead, trip updates adding delay ahead, unit
status with availability and assignment, the recommender's inputs, and that state never goes backwards in time."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.network.tram import load_tram_network
from hub.network.travel import predict_arrivals
from hub.router import recommend
from hub.router.live import (
    LiveConfig,
    LiveState,
    apply_trip_update,
    apply_unit_status,
    apply_vehicle_position,
    incident_view,
    mark_dispatched,
)
from hub.router.model import PlaceIncident, VehicleIncident
from hub.schemas.incident import Incident
from hub.schemas.transit import StopTimeUpdate, TripUpdate, VehiclePosition
from hub.schemas.units import GeoFix, UnitStatus

NETWORK = load_tram_network()
CONFIG = LiveConfig(network=NETWORK)
LINE5 = NETWORK.direction("5", 0)
T0 = 1_780_000_000.0


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def position(
    distance_m: float,
    t: float,
    *,
    vehicle: str = "654",
    line: str | None = "5",
    direction: str | None = None,
    trip_id: str | None = None,
    delay_s: int | None = None,
) -> VehiclePosition:
    lat, lon = LINE5.point_at(distance_m)
    return VehiclePosition(
        vehicle=vehicle,
        line=line,
        direction=direction,
        trip_id=trip_id,
        lat=lat,
        lon=lon,
        observed_at=at(t),
        delay_s=delay_s,
    )


def unit(
    call_sign: str, digit: int, t: float, *, lat: float | None = 51.48, lon: float = 11.97, **kw: object
) -> UnitStatus:
    fix = GeoFix(lat=lat, lon=lon) if lat is not None else None
    return UnitStatus.model_validate(
        {"agency": "polizei", "unit": call_sign, "status_code": digit, "position": fix, "observed_at": at(t), **kw}
    )


def incident(**kw: object) -> Incident:
    data: dict[str, object] = {
        "incident_id": "E1",
        "mode": "actual",
        "origin": "driver_alarm",
        "type_code": "TRANSIT/DRIVER_ALARM",
        "priority": 1,
        "status": "open",
        "reported_at": at(T0),
        "confidentiality": "restricted",
        "legal_basis": "SOG LSA § 27",
        "retention_class": "standard",
    }
    data.update(kw)
    return Incident.model_validate(data)


def test_position_snaps_to_the_destination_direction_with_arrivals() -> None:
    """A position with the trip's destination is snapped to that direction, with one arrival per stop ahead."""
    destination = LINE5.destination.stop_id
    state = apply_vehicle_position(LiveState(), position(2_000, T0, direction=destination), CONFIG)
    held = state.vehicles["654"]
    assert held.direction is LINE5
    assert held.snap is not None
    assert abs(held.snap.distance_m - 2_000) < 1
    expected = predict_arrivals(LINE5, held.snap, t0_s=T0)
    assert [a.stop_id for a in held.arrivals] == [a.stop_id for a in expected]
    assert [a.eta_s for a in held.arrivals] == pytest.approx([a.eta_s for a in expected])


def test_destination_sign_text_picks_the_direction() -> None:
    """A destination given as the sign's stop name (any case) picks the direction ending there."""
    event = position(2_000, T0, direction="halle (saale), kröllwitz")
    held = apply_vehicle_position(LiveState(), event, CONFIG).vehicles["654"]
    assert held.direction is NETWORK.direction("5", 1)


def test_direction_from_movement_when_the_feed_gives_none() -> None:
    """Without a destination, the first report stays unsnapped and movement along the line then tells direction."""
    state = apply_vehicle_position(LiveState(), position(2_000, T0), CONFIG)
    assert state.vehicles["654"].direction is None
    backwards = apply_vehicle_position(state, position(1_800, T0 + 20), CONFIG).vehicles["654"]
    assert backwards.direction is NETWORK.direction("5", 1)
    forwards = apply_vehicle_position(state, position(2_200, T0 + 20), CONFIG).vehicles["654"]
    assert forwards.direction is LINE5


def test_unknown_line_is_kept_unsnapped() -> None:
    """A bus line the tram network does not know keeps its raw position without snap or arrivals."""
    held = apply_vehicle_position(LiveState(), position(2_000, T0, line="21", direction="x"), CONFIG).vehicles["654"]
    assert held.snap is None
    assert held.direction is None
    assert held.arrivals == ()
    assert held.line == "21"


def test_older_position_is_ignored() -> None:
    """A position report older than (or as old as) the one held leaves the state unchanged."""
    destination = LINE5.destination.stop_id
    state = apply_vehicle_position(LiveState(), position(3_000, T0, direction=destination), CONFIG)
    assert apply_vehicle_position(state, position(2_000, T0 - 10, direction=destination), CONFIG) is state
    assert apply_vehicle_position(state, position(2_000, T0, direction=destination), CONFIG) is state


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 30_000), st.integers(0, 10_000)), min_size=1, max_size=25))
def test_vehicle_state_never_goes_backwards(reports: list[tuple[float, int]]) -> None:
    """Whatever order reports arrive in, the state holds the newest one seen so far."""
    state = LiveState()
    newest = -1.0
    for distance, offset in reports:
        state = apply_vehicle_position(state, position(distance, T0 + offset), CONFIG)
        newest = max(newest, T0 + offset)
        assert state.vehicles["654"].observed_at_s == newest


def test_trip_update_adds_only_the_delay_ahead() -> None:
    """A stop's feed delay beyond the position's current delay shifts that stop and the ones after it."""
    destination = LINE5.destination.stop_id
    state = apply_vehicle_position(
        LiveState(), position(2_000, T0, direction=destination, trip_id="T1", delay_s=60), CONFIG
    )
    before = state.vehicles["654"].arrivals
    third = before[2]
    update = TripUpdate(
        trip_id="T1",
        observed_at=at(T0 + 5),
        stop_updates=[StopTimeUpdate(stop_dhid=third.stop_id, arrival_delay_s=180)],
    )
    after = apply_trip_update(state, update, CONFIG).vehicles["654"].arrivals
    assert [a.eta_s for a in after[:2]] == pytest.approx([a.eta_s for a in before[:2]])
    # 180 s of delay at the third stop, of which 60 s the position already shows: 120 s more from there on.
    assert [a.eta_s - b.eta_s for a, b in zip(after[2:], before[2:], strict=True)] == pytest.approx(
        [120.0] * (len(before) - 2)
    )


def test_trip_update_absolute_time_replaces_the_model_and_keeps_order() -> None:
    """An absolute arrival time from the feed replaces the model's for its stop; arrivals never decrease."""
    destination = LINE5.destination.stop_id
    state = apply_vehicle_position(LiveState(), position(2_000, T0, direction=destination, trip_id="T1"), CONFIG)
    second = state.vehicles["654"].arrivals[1]
    update = TripUpdate(
        trip_id="T1",
        observed_at=at(T0 + 5),
        stop_updates=[StopTimeUpdate(stop_dhid=second.stop_id, arrival_time=at(second.eta_s + 400))],
    )
    after = apply_trip_update(state, update, CONFIG).vehicles["654"].arrivals
    assert after[1].eta_s == pytest.approx(second.eta_s + 400)
    assert all(b.eta_s >= a.eta_s for a, b in itertools.pairwise(after))


def test_older_trip_update_is_ignored() -> None:
    """A trip update not newer than the one held is dropped."""
    newer = TripUpdate(trip_id="T1", observed_at=at(T0 + 10), delay_s=30)
    state = apply_trip_update(LiveState(), newer, CONFIG)
    assert apply_trip_update(state, TripUpdate(trip_id="T1", observed_at=at(T0), delay_s=90), CONFIG) is state


def test_unit_status_availability_position_and_assignment() -> None:
    """A unit's digit gives availability from its agency's list; status 3 with a reference assigns it."""
    state = apply_unit_status(LiveState(), unit("POL-1", 1, T0), CONFIG)
    entry = state.units["POL-1"]
    assert entry.available is True
    assert entry.fix_at_s == T0
    assert entry.unit_type == "police_car"
    state = apply_unit_status(state, unit("POL-1", 3, T0 + 10, incident_ref="E1"), CONFIG)
    assert state.units["POL-1"].available is False
    assert state.units["POL-1"].incident_ref == "E1"
    state = apply_unit_status(state, unit("POL-1", 4, T0 + 20, lat=None), CONFIG)
    assert state.units["POL-1"].incident_ref == "E1"  # kept across a 4 report without the reference
    assert state.units["POL-1"].fix_at_s == T0 + 10  # no position in the report: the last fix stays
    state = apply_unit_status(state, unit("POL-1", 1, T0 + 30), CONFIG)
    assert state.units["POL-1"].incident_ref is None


def test_request_to_talk_keeps_the_status_but_counts_as_heard() -> None:
    """A request to talk (0) keeps the previous status digit and assignment but refreshes when the unit was heard."""
    state = apply_unit_status(LiveState(), unit("POL-1", 3, T0, incident_ref="E1"), CONFIG)
    state = apply_unit_status(state, unit("POL-1", 0, T0 + 50), CONFIG)
    entry = state.units["POL-1"]
    assert (entry.status_code, entry.status_at_s, entry.incident_ref) == (3, T0, "E1")
    assert entry.last_heard_s == T0 + 50


def test_older_unit_report_and_older_fix_are_ignored() -> None:
    """A unit report older than the one held changes nothing; a newer report with an older fix keeps the newer fix."""
    state = apply_unit_status(LiveState(), unit("POL-1", 1, T0, lat=51.40), CONFIG)
    assert apply_unit_status(state, unit("POL-1", 6, T0 - 5), CONFIG) is state
    aged = unit("POL-1", 2, T0 + 10, lat=51.50).model_copy(
        update={"position": GeoFix(lat=51.50, lon=11.97, fix_age_s=60)}
    )
    entry = apply_unit_status(state, aged, CONFIG).units["POL-1"]
    assert entry.status_code == 2
    assert entry.lat == 51.40


def test_incident_view_feeds_recommend() -> None:
    """An incident on a tracked tram becomes a VehicleIncident with the units, and recommend names a unit."""
    destination = LINE5.destination.stop_id
    state = apply_vehicle_position(LiveState(), position(3_000, T0, direction=destination), CONFIG)
    lat, lon = LINE5.point_at(4_500)
    state = apply_unit_status(state, unit("POL-1", 1, T0, lat=lat, lon=lon), CONFIG)
    state = apply_unit_status(state, unit("POL-2", 6, T0, lat=lat, lon=lon), CONFIG)
    where, units = incident_view(state, incident(vehicle="654", line="5"), T0 + 5, CONFIG)
    assert isinstance(where, VehicleIncident)
    assert where.line == "5"
    assert {u.unit_id for u in units} == {"POL-1", "POL-2"}
    result = recommend(where, list(units), T0 + 5)
    assert result.best is not None
    assert result.best.unit_id == "POL-1"


def test_incident_view_drops_stops_already_passed() -> None:
    """Stops whose predicted arrival lies before now are no longer offered as stops ahead."""
    destination = LINE5.destination.stop_id
    state = apply_vehicle_position(LiveState(), position(3_000, T0, direction=destination), CONFIG)
    first = state.vehicles["654"].arrivals[0]
    where, _ = incident_view(state, incident(vehicle="654"), first.eta_s + 1, CONFIG)
    assert isinstance(where, VehicleIncident)
    assert all(s.eta_s >= first.eta_s + 1 for s in where.stops_ahead)
    assert first.stop_id not in [s.stop_id for s in where.stops_ahead]


def test_incident_view_places_unsnapped_vehicle_location_and_stop() -> None:
    """Unsnapped vehicles, incident locations and known stops become place incidents; nothing known gives None."""
    state = apply_vehicle_position(LiveState(), position(2_000, T0, line="21"), CONFIG)
    where, _ = incident_view(state, incident(vehicle="654"), T0, CONFIG)
    assert isinstance(where, PlaceIncident)
    assert where.lat == state.vehicles["654"].lat
    located = incident(location={"lat": 51.5, "lon": 11.9, "uncertainty_m": 50})
    assert incident_view(state, located, T0, CONFIG)[0] == PlaceIncident("E1", 51.5, 11.9)
    stop = LINE5.stops[5]
    at_stop, _ = incident_view(state, incident(stop_dhid=stop.stop_id), T0, CONFIG)
    assert isinstance(at_stop, PlaceIncident)
    assert (at_stop.lat, at_stop.lon) == (NETWORK.stops()[stop.stop_id].lat, NETWORK.stops()[stop.stop_id].lon)
    assert incident_view(state, incident(), T0, CONFIG)[0] is None


def test_mark_dispatched_reaches_the_recommender_input() -> None:
    """A unit marked as dispatched carries that time into its UnitState."""
    state = apply_unit_status(LiveState(), unit("POL-1", 1, T0), CONFIG)
    state = mark_dispatched(state, "POL-1", T0 + 3)
    _, units = incident_view(state, incident(), T0 + 4, CONFIG)
    assert units[0].last_dispatched_at_s == T0 + 3


def test_incident_view_units_follow_every_state_old_and_new() -> None:
    """The units ``incident_view`` hands on are kept per units map (issue 13): a new report shows at once, and an
    older state still shows its own units."""
    one = apply_unit_status(LiveState(), unit("POL-1", 1, T0), CONFIG)
    two = apply_unit_status(one, unit("POL-2", 1, T0), CONFIG)
    three = apply_unit_status(two, unit("POL-1", 6, T0 + 10), CONFIG)
    here = incident(location={"lat": 51.48, "lon": 11.97, "uncertainty_m": 50})
    for _ in range(2):  # asked twice: the kept answer is the same answer
        assert [u.unit_id for u in incident_view(one, here, T0 + 20, CONFIG)[1]] == ["POL-1"]
        assert {(u.unit_id, u.status_code) for u in incident_view(three, here, T0 + 20, CONFIG)[1]} == {
            ("POL-1", 6),
            ("POL-2", 1),
        }
        assert {u.unit_id for u in incident_view(two, here, T0 + 20, CONFIG)[1]} == {"POL-1", "POL-2"}


@settings(max_examples=40, deadline=None)
@given(
    metres=st.floats(min_value=0.0, max_value=LINE5.length_m - 1.0), delay=st.one_of(st.none(), st.integers(-60, 600))
)
def test_arrivals_without_stop_updates_are_the_models(metres: float, delay: int | None) -> None:
    """A vehicle whose trip has no stop updates (the common case, which takes a shortcut since issue 13) gets the
    same arrivals as through the full adjustment, here made to run by an update for a stop the line does not serve."""
    lat, lon = LINE5.point_at(metres)
    position = VehiclePosition(
        vehicle="1", line="5", direction=LINE5.destination.stop_id, lat=lat, lon=lon, observed_at=at(T0), delay_s=delay
    )
    config = LiveConfig(network=NETWORK)
    plain = apply_vehicle_position(LiveState(), position, config).vehicles["1"]
    elsewhere = StopTimeUpdate(stop_dhid="de:99999:1", arrival_delay_s=120)
    trip = TripUpdate(trip_id="T1", vehicle="1", stop_updates=[elsewhere], observed_at=at(T0 - 1))
    full = apply_vehicle_position(apply_trip_update(LiveState(), trip, config), position, config).vehicles["1"]
    assert plain.arrivals
    assert plain.arrivals == full.arrivals
