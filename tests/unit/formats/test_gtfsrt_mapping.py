"""GTFS-RT on the normaliser side: vehicle positions, trip updates and alerts to canonical events, and refusals
that name the feed's field."""

from __future__ import annotations

import struct
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from google.transit import gtfs_realtime_pb2 as pb
from hypothesis import example, given
from hypothesis import strategies as st

from hub.errors import InvalidEventError
from hub.formats.gtfsrt import AlertsFormat, TripUpdatesFormat, VehiclePositionsFormat
from hub.formats.gtfsrt.feed import GtfsRtFormat
from hub.formats.gtfsrt.fields import float32
from hub.network.gtfs_static import GtfsStatic, Route
from hub.schemas import TransitDisruption, TripUpdate, VehiclePosition

T0 = 1_764_000_000  # 2025-11-24T16:00:00Z
AT_T0 = datetime(2025, 11, 24, 16, 0, tzinfo=UTC)
GTFS = GtfsStatic(
    agencies={},
    stops={},
    routes={
        "HAT___5": Route("HAT___5", "5", "", 0),
        "HAB___21": Route("HAB___21", "21", "", 3),
        "LONG": Route("LONG", "", "Hauptbahnhof - Kröllwitz - Heide", 3),
    },
)
VP, TU, AL = VehiclePositionsFormat(GTFS), TripUpdatesFormat(GTFS), AlertsFormat(GTFS)


def _map(fmt: GtfsRtFormat, entity: pb.FeedEntity, header_time: int | None = T0) -> list[Any]:
    header = pb.FeedHeader(gtfs_realtime_version="2.0")
    if header_time is not None:
        header.timestamp = header_time
    feed = pb.FeedMessage(header=header, entity=[entity])
    [record] = fmt.split(feed.SerializePartialToString())
    return fmt.to_canonical(record.value)


def _one(fmt: GtfsRtFormat, entity: pb.FeedEntity, header_time: int | None = T0) -> Any:
    [event] = _map(fmt, entity, header_time)
    return event


def _refusal(fmt: GtfsRtFormat, entity: pb.FeedEntity, header_time: int | None = T0) -> InvalidEventError:
    with pytest.raises(InvalidEventError) as info:
        _map(fmt, entity, header_time)
    return info.value


# -- vehicle positions ----------------------------------------------------------------------------------------------


def _vehicle(**fields: Any) -> pb.FeedEntity:
    vp = pb.VehiclePosition(
        vehicle=pb.VehicleDescriptor(id="veh-654", label="654"),
        position=pb.Position(latitude=51.482772, longitude=11.969338),
        trip=pb.TripDescriptor(trip_id="trip-1", route_id="HAT___5"),
        timestamp=T0 - 5,
    )
    for name, value in fields.items():
        if value is None:
            vp.ClearField(name)
        elif isinstance(value, dict):
            getattr(vp, name).CopyFrom(type(getattr(vp, name))(**value))
        else:
            setattr(vp, name, value)
    return pb.FeedEntity(id="e1", vehicle=vp)


def _position(entity: pb.FeedEntity, header_time: int | None = T0) -> VehiclePosition:
    record = _one(VP, entity, header_time)
    assert record.topic == "canon.vehicle-position"
    payload = VehiclePosition.model_validate(record.event.data)
    assert record.key == payload.vehicle.encode()
    return payload


def test_vehicle_position_maps() -> None:
    """A full position maps: car number from the label, line name from GTFS static, float32 values as short decimals."""
    entity = _vehicle(position={"latitude": 51.5, "longitude": 11.969338, "bearing": 92.5, "speed": 8.3})
    entity.vehicle.trip.direction_id = 1
    record = _one(VP, entity)
    position = VehiclePosition.model_validate(record.event.data)
    assert position == VehiclePosition(
        vehicle="654",
        line="5",
        direction="1",
        trip_id="trip-1",
        lat=51.5,
        lon=11.969338,
        bearing=92.5,
        speed_mps=8.3,
        observed_at=AT_T0 - timedelta(seconds=5),
    )
    assert record.event.source == "/havag/gtfsrt/vehicle-positions"
    assert record.event.time == AT_T0 - timedelta(seconds=5)


@pytest.mark.parametrize(
    ("label", "vehicle_id", "expected"),
    [("654", "veh-654", "654"), ("", "veh-654", "veh-654"), ("a label far too long for a car", "655", "655")],
)
def test_car_number_is_the_label_else_the_id(label: str, vehicle_id: str, expected: str) -> None:
    """The car number is the label when set (and short enough to be one), else the vehicle id."""
    assert _position(_vehicle(vehicle={"id": vehicle_id, "label": label})).vehicle == expected


def test_vehicle_without_car_number_is_refused() -> None:
    """A position with neither label nor id cannot be told apart from others and is refused."""
    error = _refusal(VP, _vehicle(vehicle=None))
    assert error.code == "schema_violation"
    assert error.reason.startswith("vehicle.vehicle: neither label nor id")


@pytest.mark.parametrize(
    ("route_id", "line"),
    [("HAT___5", "5"), ("S7", "S7"), ("de:vvs:vvs-20-11:", None), ("LONG", "LONG"), ("", None)],
)
def test_line_from_route(route_id: str, line: str | None) -> None:
    """Line: the GTFS static short name; else the route id when it fits a line name (16 chars); else none."""
    assert _position(_vehicle(trip={"trip_id": "trip-1", "route_id": route_id})).line == line


def test_line_from_the_shipped_havag_data_by_default() -> None:
    """Formats built without GTFS data use the shipped HAVAG routes: HAT___5 is tram line 5."""
    record = _one(VehiclePositionsFormat(), _vehicle(trip={"route_id": "HAT___5"}))
    assert record.event.data["line"] == "5"


@pytest.mark.parametrize(
    ("status", "current", "following"),
    [
        (pb.VehiclePosition.STOPPED_AT, "de:15002:5232", None),
        (pb.VehiclePosition.IN_TRANSIT_TO, None, "de:15002:5232"),
        (pb.VehiclePosition.INCOMING_AT, None, "de:15002:5232"),
        (None, None, "de:15002:5232"),
    ],
)
def test_stop_dhid_by_current_status(status: int | None, current: str | None, following: str | None) -> None:
    """stop_id is the current stop when STOPPED_AT and the next one otherwise (IN_TRANSIT_TO is the default)."""
    entity = _vehicle(stop_id="de:15002:5232", current_status=status)
    position = _position(entity)
    assert (position.current_stop_dhid, position.next_stop_dhid) == (current, following)


def test_stop_that_is_no_dhid_is_left_out() -> None:
    """A feed-local stop id is not a DHID and is not put into the DHID fields."""
    position = _position(_vehicle(stop_id="70242", current_status=pb.VehiclePosition.STOPPED_AT))
    assert (position.current_stop_dhid, position.next_stop_dhid) == (None, None)


def test_time_falls_back_to_the_feed_time() -> None:
    """Without vehicle.timestamp the header time is the observation time; with neither the record is refused."""
    assert _position(_vehicle(timestamp=None)).observed_at == AT_T0
    error = _refusal(VP, _vehicle(timestamp=None), header_time=None)
    assert "neither vehicle.timestamp nor header.timestamp" in error.reason


def test_time_in_milliseconds_is_refused() -> None:
    """A vehicle timestamp in milliseconds is refused naming vehicle.timestamp."""
    error = _refusal(VP, _vehicle(timestamp=(T0 - 5) * 1000))
    assert error.reason.startswith("vehicle.timestamp: ")
    assert "milliseconds" in error.reason


@pytest.mark.parametrize(
    ("position", "reason"),
    [
        ({"latitude": 100.0, "longitude": 11.9}, "vehicle.position.latitude is out of range (-90 to 90)"),
        ({"latitude": 51.4, "longitude": -181.0}, "vehicle.position.longitude is out of range (-180 to 180)"),
        ({"latitude": 0.0, "longitude": 11.9}, "vehicle.position.latitude is exactly 0"),
        ({"latitude": 0.0, "longitude": 0.0}, "vehicle.position.latitude is exactly 0"),
        ({"latitude": 90.0, "longitude": 180.0}, "vehicle.position.latitude is 90, the edge of its range"),
        ({"latitude": 51.4, "longitude": -180.0}, "vehicle.position.longitude is -180, the edge of its range"),
        ({"latitude": float("nan"), "longitude": 11.9}, "vehicle.position.latitude is not a finite number"),
        ({"latitude": 3.4025e38, "longitude": 11.9}, "vehicle.position.latitude is out of range"),
        ({"latitude": 51.4, "longitude": 11.9, "bearing": 400.0}, "vehicle.position.bearing: Input should be less"),
        ({"latitude": 51.4, "longitude": 11.9, "speed": -3.0}, "vehicle.position.speed: Input should be greater"),
    ],
)
def test_bad_position_is_refused_naming_the_field(position: dict[str, float], reason: str) -> None:
    """Positions out of range, at "null island" or not a number are refused with the feed's field name."""
    error = _refusal(VP, _vehicle(position=position))
    assert error.code == "schema_violation"
    assert reason in error.reason


def test_missing_position_is_refused() -> None:
    """A vehicle entity without a position says nothing the router can use and is refused."""
    assert _refusal(VP, _vehicle(position=None)).reason.startswith("vehicle.position is missing")


def test_missing_required_coordinate_is_refused() -> None:
    """A position without its required longitude (a producer bug) is refused naming it."""
    entity = _vehicle()
    entity.vehicle.position.ClearField("longitude")
    assert _refusal(VP, entity).reason == "vehicle.position.longitude is missing (required)"


@given(
    lat=st.floats(min_value=-89.9, max_value=89.9).filter(lambda x: abs(x) > 1e-3),
    lon=st.floats(min_value=-179.9, max_value=179.9).filter(lambda x: abs(x) > 1e-3),
    label=st.text(st.characters(categories=("L", "N", "P", "S"), max_codepoint=0x2FF), min_size=1, max_size=16),
    seconds=st.integers(min_value=946_684_800, max_value=4_102_444_799),
    bearing=st.none() | st.floats(min_value=0, max_value=360),
    entity_id=st.text(
        st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=40
    ),  # no NUL: refused
)
def test_generated_valid_positions_always_map_with_stable_ids(
    lat: float, lon: float, label: str, seconds: int, bearing: float | None, entity_id: str
) -> None:
    """Any valid vehicle position maps to one event, and mapping it again gives the same event id and bytes."""
    entity = _vehicle(vehicle={"label": label}, timestamp=seconds, position={"latitude": lat, "longitude": lon})
    if bearing is not None:
        entity.vehicle.position.bearing = bearing
    entity.id = entity_id
    first, second = _map(VP, entity), _map(VP, entity)
    assert len(first) == 1
    assert first[0].event.id == second[0].event.id
    assert first[0].value() == second[0].value()
    assert first[0].event.data["vehicle"] == label
    assert abs(first[0].event.data["lat"] - lat) < 1e-4


# -- trip updates ---------------------------------------------------------------------------------------------------


def _stop(sequence: int | None, stop_id: str | None, arrival: int | dict[str, int] | None = None, **fields: Any) -> Any:
    """A stop time update; ``arrival`` (and ``departure`` in ``fields``) is a time or a StopTimeEvent's fields."""
    update = pb.TripUpdate.StopTimeUpdate()
    if sequence is not None:
        update.stop_sequence = sequence
    if stop_id is not None:
        update.stop_id = stop_id
    for name, value in {"arrival": arrival, **fields}.items():
        if isinstance(value, int) and name in ("arrival", "departure"):
            getattr(update, name).time = value
        elif isinstance(value, dict):
            getattr(update, name).CopyFrom(pb.TripUpdate.StopTimeEvent(**value))
        elif value is not None:
            setattr(update, name, value)
    return update


def _trip(*updates: Any, **trip: Any) -> pb.FeedEntity:
    descriptor = pb.TripDescriptor(**{"trip_id": "trip-1", "route_id": "HAT___5", **trip})
    return pb.FeedEntity(
        id="t1",
        trip_update=pb.TripUpdate(trip=descriptor, stop_time_update=list(updates), timestamp=T0 - 10),
    )


def _update(entity: pb.FeedEntity) -> TripUpdate:
    record = _one(TU, entity)
    assert record.topic == "canon.trip-update"
    return TripUpdate.model_validate(record.event.data)


def test_trip_update_maps_delays_and_times() -> None:
    """Delays, predicted times, DHIDs, skipped stops, the vehicle and the service day all map."""
    entity = _trip(
        _stop(1, "de:15002:5232", {"time": T0 + 60, "delay": 120}, departure=T0 + 90),
        _stop(2, "70242", None, schedule_relationship=pb.TripUpdate.StopTimeUpdate.SKIPPED),
        _stop(3, "de:15002:5177:1:2", {"time": T0 + 300, "delay": -30}),
        start_date="20251124",
        direction_id=0,
    )
    entity.trip_update.vehicle.label = "654"
    entity.trip_update.delay = 120
    update = _update(entity)
    assert (update.trip_id, update.line, update.direction, update.start_date) == ("trip-1", "5", "0", "20251124")
    assert (update.vehicle, update.delay_s, update.observed_at) == ("654", 120, AT_T0 - timedelta(seconds=10))
    first, skipped, third = update.stop_updates
    assert (first.stop_dhid, first.arrival_delay_s, first.arrival_time) == (
        "de:15002:5232",
        120,
        AT_T0 + timedelta(seconds=60),
    )
    assert first.departure_time == AT_T0 + timedelta(seconds=90)
    assert (skipped.stop_id, skipped.stop_dhid, skipped.schedule_relationship) == ("70242", None, "skipped")
    assert (third.stop_dhid, third.arrival_delay_s) == ("de:15002:5177:1:2", -30)


def test_stop_update_without_times_is_kept() -> None:
    """An update with only a delay, or with empty arrival/departure (valid in older feeds), maps without times."""
    entity = _trip(_stop(3, None, {"delay": 5}), _stop(10, None, departure={}))
    first, second = _update(entity).stop_updates
    assert (first.arrival_delay_s, first.arrival_time) == (5, None)
    assert (second.departure_time, second.departure_delay_s) == (None, None)


@pytest.mark.parametrize(
    ("relationship", "expected"),
    [(pb.TripDescriptor.CANCELED, "canceled"), (pb.TripDescriptor.ADDED, "added"), (pb.TripDescriptor.NEW, "new")],
)
def test_trip_schedule_relationship(relationship: int, expected: str) -> None:
    """Cancelled and added trips keep their relationship in the canonical event."""
    assert _update(_trip(schedule_relationship=relationship)).schedule_relationship == expected


def test_trip_without_trip_id_is_refused() -> None:
    """The canonical trip update is keyed on the trip id; one without it is refused naming the field."""
    error = _refusal(TU, _trip(trip_id=""))
    assert error.reason.startswith("trip_update.trip.trip_id is missing")


@pytest.mark.parametrize(
    "start_date", ["AAAABBCC", "20010000", "2023-01-01", "\uff12\uff10\uff12\uff15\uff11\uff11\uff12\uff14"]
)
def test_bad_service_day_is_refused(start_date: str) -> None:
    """A start date that is no YYYYMMDD calendar date would match the wrong run of the trip and is refused."""
    assert (
        _refusal(TU, _trip(start_date=start_date)).reason == "trip_update.trip.start_date: not a date in YYYYMMDD form"
    )


def test_stop_updates_out_of_trip_order_are_refused() -> None:
    """Stop sequences that do not rise contradict the order of the updates; the record is refused."""
    error = _refusal(TU, _trip(_stop(21, "a", T0), _stop(20, "b", T0 + 60)))
    assert error.reason == "trip_update.stop_time_update[1].stop_sequence: 20 after 21; updates must be in trip order"


def test_times_running_backwards_are_refused() -> None:
    """A prediction that arrives at a later stop well before the earlier one is refused naming the update."""
    error = _refusal(TU, _trip(_stop(1, "a", T0 + 600), _stop(2, "b", T0 + 300)))
    assert error.reason.startswith("trip_update.stop_time_update[1].arrival.time: 300 s earlier")


def test_small_backward_step_is_tolerated() -> None:
    """A step back of up to a minute (a delay not carried on, seen in real feeds) is within prediction noise."""
    entity = _trip(_stop(1, "a", T0 + 600, departure=T0 + 660), _stop(2, "b", T0 + 610))
    assert len(_update(entity).stop_updates) == 2


def test_stop_update_naming_no_stop_is_refused() -> None:
    """An update with neither stop_sequence nor stop_id applies to no stop and is refused."""
    error = _refusal(TU, _trip(_stop(1, "a", T0), _stop(None, None, T0 + 60)))
    assert (
        error.reason == "trip_update.stop_time_update[1]: neither stop_sequence nor stop_id is set, so it names no stop"
    )


def test_stop_time_in_milliseconds_is_refused() -> None:
    """A predicted departure in milliseconds is refused naming that departure."""
    error = _refusal(TU, _trip(_stop(1, "a", departure=T0 * 1000)))
    assert error.reason.startswith("trip_update.stop_time_update[0].departure.time: ")


def test_model_limits_are_reported_with_feed_field_names() -> None:
    """Canonical model limits (a stop id over 128 chars) are reported with the feed's path and index."""
    error = _refusal(TU, _trip(_stop(1, "a", T0), _stop(2, "x" * 200, T0 + 60)))
    assert error.reason.startswith("trip_update.stop_time_update[1].stop_id: String should have at most 128")


# -- alerts ---------------------------------------------------------------------------------------------------------


def _text(*translations: tuple[str, str]) -> pb.TranslatedString:
    return pb.TranslatedString(
        translation=[pb.TranslatedString.Translation(text=t, language=lang) for t, lang in translations]
    )


def _alert(*periods: tuple[int | None, int | None], **fields: Any) -> pb.FeedEntity:
    alert = pb.Alert(header_text=_text(("Umleitung Linie 5", "de")))
    for start, end in periods:
        period = alert.active_period.add()
        if start is not None:
            period.start = start
        if end is not None:
            period.end = end
    for name, value in fields.items():
        if isinstance(value, pb.TranslatedString):
            getattr(alert, name).CopyFrom(value)
        elif isinstance(value, list):
            getattr(alert, name).extend(value)
        else:
            setattr(alert, name, value)
    return pb.FeedEntity(id="a1", alert=alert)


def _disruption(entity: pb.FeedEntity) -> TransitDisruption:
    record = _one(AL, entity)
    assert record.topic == "canon.transit-disruption"
    assert record.event.time == AT_T0
    return TransitDisruption.model_validate(record.event.data)


def test_alert_maps_lines_stops_and_codes() -> None:
    """Informed entities give line names (via GTFS static) and stop DHIDs; cause, effect and severity map by name."""
    informed = [
        pb.EntitySelector(route_id="HAT___5"),
        pb.EntitySelector(route_id="HAB___21", stop_id="de:15002:5232"),
        pb.EntitySelector(trip=pb.TripDescriptor(trip_id="x", route_id="HAT___5")),
        pb.EntitySelector(stop_id="16230"),
        pb.EntitySelector(agency_id="00333"),
    ]
    entity = _alert(
        (T0 - 3600, T0 + 3600),
        informed_entity=informed,
        cause=pb.Alert.POLICE_ACTIVITY,
        effect=pb.Alert.DETOUR,
        severity_level=pb.Alert.SEVERE,
    )
    disruption = _disruption(entity)
    assert disruption == TransitDisruption(
        disruption_id="a1",
        lines=["5", "21"],
        stop_dhids=["de:15002:5232"],
        cause="police_activity",
        effect="detour",
        severity="severe",
        summary="Umleitung Linie 5",
        valid_from=AT_T0 - timedelta(hours=1),
        valid_to=AT_T0 + timedelta(hours=1),
        status="open",
    )


def test_alert_codes_default_and_newer_causes() -> None:
    """Unset codes are unknown; SPECIAL_EVENT, newer than the canonical list, is other."""
    disruption = _disruption(_alert(cause=pb.Alert.SPECIAL_EVENT))
    assert (disruption.cause, disruption.effect, disruption.severity) == ("other", "unknown", "unknown")


def test_summary_prefers_german_and_plain_text() -> None:
    """The summary is the German translation, HTML reduced to text; without a header the description is used."""
    both = _alert(header_text=_text(("Diversion", "en"), ("Umleitung &amp; Ersatzverkehr", "de-DE")))
    assert _disruption(both).summary == "Umleitung &amp; Ersatzverkehr"
    html = _alert(
        header_text=pb.TranslatedString(), description_text=_text(("<p>Linie&nbsp;5<br/>f&auml;hrt</p>", "de"))
    )
    assert _disruption(html).summary == "Linie 5 fährt"
    untranslated = _alert(header_text=_text(("Diversion", "en"), ("Umleitung", "")))
    assert _disruption(untranslated).summary == "Umleitung"


def test_long_summary_is_cut_to_the_model_limit() -> None:
    """A header longer than the canonical 1000 characters is shortened with an ellipsis, not refused."""
    summary = _disruption(_alert(header_text=_text(("x" * 1500, "de")))).summary
    assert len(summary) == 1000
    assert summary.endswith("…")


def test_alert_without_text_is_refused() -> None:
    """An alert without header or description has nothing to tell passengers or operators and is refused."""
    error = _refusal(AL, _alert(header_text=pb.TranslatedString()))
    assert error.reason.startswith("alert.header_text is missing")


@pytest.mark.parametrize(
    ("periods", "valid_from", "valid_to", "status"),
    [
        ((), AT_T0, None, "open"),
        (((T0 - 600, None),), AT_T0 - timedelta(minutes=10), None, "open"),
        (((T0 - 7200, T0 - 3600),), AT_T0 - timedelta(hours=2), AT_T0 - timedelta(hours=1), "closed"),
        (((T0 + 60, T0 + 120), (T0 - 60, T0)), AT_T0 - timedelta(minutes=1), AT_T0 + timedelta(minutes=2), "open"),
        (((None, T0 + 60),), AT_T0, AT_T0 + timedelta(minutes=1), "open"),
        (((None, T0 - 60),), AT_T0 - timedelta(minutes=1), AT_T0 - timedelta(minutes=1), "closed"),
    ],
)
def test_active_periods(
    periods: tuple[tuple[int | None, int | None], ...], valid_from: datetime, valid_to: datetime | None, status: str
) -> None:
    """Active periods collapse into one span; no period means active from the feed time on; past alerts are closed."""
    disruption = _disruption(_alert(*periods))
    assert (disruption.valid_from, disruption.valid_to, disruption.status) == (valid_from, valid_to, status)


def test_period_ending_before_it_starts_is_refused() -> None:
    """An active period whose end precedes its start is refused naming the period."""
    assert _refusal(AL, _alert((T0, T0 - 60))).reason == "alert.active_period[0]: end is before start"


def test_alert_without_feed_time_is_refused() -> None:
    """Alerts have no timestamp of their own; without the header's they cannot be versioned and are refused."""
    error = _refusal(AL, _alert(), header_time=None)
    assert error.reason.startswith("header.timestamp is missing")


# -- field helpers --------------------------------------------------------------------------------------------------


@given(st.floats(width=32, allow_nan=False))
@example(3.4025001647762064e38)  # rounds past the float32 maximum on the way
def test_float32_gives_a_short_decimal_of_the_same_float32(value: float) -> None:
    """Coordinates are written as the shortest decimal that still is the feed's exact float32 value."""
    short = float32(value)
    assert struct.pack("<f", short) == struct.pack("<f", value)
    assert len(repr(short)) <= len(repr(value))
