"""The simulator's documents through the hub's own formats: GTFS-RT feeds, unit reports, driver alarms and CAP
alerts all map to canonical events with the lines, cars, stops and codes the router needs; same seed, same bytes."""

from __future__ import annotations

import json
from typing import Any

from google.transit import gtfs_realtime_pb2 as pb

from hub.formats.registry import FORMATS
from hub.network.gtfs_static import default_gtfs
from hub.schemas import CloudEvent
from hub.sim.feeds import cap_alert, driver_alarm, pushes, trip_updates_feed, vehicle_positions_feed
from hub.sim.scenario import ScenarioConfig, build_scenario

CONFIG = ScenarioConfig(duration_s=900.0, incident_rate_per_h=60.0)
SCENARIO = build_scenario(2, CONFIG)
PUSHES = pushes(SCENARIO)
FEED_T = SCENARIO.feed_time(SCENARIO.start_s + 400)
FORMAT_OF = {
    "driver-alarm": "driver-alarm",
    "polizei-cap": "cap",
    "polizei-units": "unit-report-polizei",
    "ordnungsamt-patrols": "unit-report-ordnungsamt",
}


def events(format_name: str, body: bytes, content_type: str) -> list[CloudEvent]:
    fmt = FORMATS[format_name]
    return [rec.event for record in fmt.split(body, content_type) for rec in fmt.to_canonical(record.value)]


def test_the_same_seed_gives_byte_identical_feeds_and_pushes() -> None:
    """A scenario built again from the seed renders the same feed bytes for a feed time and the same push bodies,
    in the same order at the same simulated times."""
    again = build_scenario(2, CONFIG)
    assert vehicle_positions_feed(again, FEED_T) == vehicle_positions_feed(SCENARIO, FEED_T)
    assert trip_updates_feed(again, FEED_T) == trip_updates_feed(SCENARIO, FEED_T)
    assert pushes(again) == PUSHES
    assert pushes(build_scenario(3, CONFIG)) != PUSHES


def test_vehicle_positions_map_to_canonical_positions_on_the_halle_lines() -> None:
    """Every tram becomes a VehiclePosition whose route id resolves to its line in the shipped GTFS, with its car
    number, trip, direction, position and the stop it stands at or runs to."""
    states = {s.car: s for s in SCENARIO.trams(FEED_T)}
    found = events("gtfsrt-vehicle-positions", vehicle_positions_feed(SCENARIO, FEED_T), "application/x-protobuf")
    assert len(found) == len(states)
    for event in found:
        data: dict[str, Any] = event.data
        state = states[data["vehicle"]]
        assert default_gtfs().routes[state.route_id].short_name == state.line == data["line"]
        assert data["trip_id"] == state.trip_id
        assert data["direction"] == str(state.direction)
        assert abs(data["lat"] - state.lat) < 1e-5
        assert abs(data["lon"] - state.lon) < 1e-5
        stop = data["current_stop_dhid"] if state.stopped else data["next_stop_dhid"]
        assert stop == state.stop_id
        assert event.time.timestamp() == SCENARIO.clock.posix(state.observed_s)
    assert {e.data["line"] for e in found} == set(SCENARIO.network.lines)


def test_trip_updates_carry_the_delay_and_the_arrivals_ahead() -> None:
    """Every trip in service becomes a TripUpdate with its delay and one stop update per stop ahead, in order."""
    states = {s.trip_id: s for s in SCENARIO.trams(FEED_T)}
    found = events("gtfsrt-trip-updates", trip_updates_feed(SCENARIO, FEED_T), "application/x-protobuf")
    assert {e.data["trip_id"] for e in found} == set(states)
    for event in found:
        state = states[event.data["trip_id"]]
        assert event.data["delay_s"] == state.delay_s
        assert event.data["start_date"] == "20261120"
        assert [u["stop_dhid"] for u in event.data["stop_updates"]] == [a[1] for a in state.arrivals]


def test_feed_header_is_the_publication_time_of_a_full_dataset() -> None:
    """The header says GTFS-RT 2.0, full dataset, and the feed time; entity times are at most one interval older."""
    feed = pb.FeedMessage.FromString(vehicle_positions_feed(SCENARIO, FEED_T))
    assert feed.header.gtfs_realtime_version == "2.0"
    assert feed.header.incrementality == pb.FeedHeader.FULL_DATASET
    assert feed.header.timestamp == SCENARIO.clock.posix(FEED_T)
    ages = [feed.header.timestamp - e.vehicle.timestamp for e in feed.entity]
    assert min(ages) >= 0
    assert max(ages) < CONFIG.feed_interval_s


def test_every_push_maps_without_refusal_to_its_canonical_topic() -> None:
    """All webhook bodies of the scenario pass split and to_canonical of the format their connector uses."""
    assert {p.channel for p in PUSHES} == set(FORMAT_OF)
    kinds = set()
    for push in PUSHES:
        for event in events(FORMAT_OF[push.channel], push.body, push.content_type):
            kinds.add(event.hubkind)
    assert kinds == {"incident", "unit-status"}
    times = [p.t for p in PUSHES]
    assert times == sorted(times)
    assert all(SCENARIO.start_s <= t <= SCENARIO.end_s for t in times)


def test_unit_reports_are_batched_per_agency_with_call_sign_status_and_lip_location() -> None:
    """Each unit report push holds one agency's reports of one batch, each with status digit and LIP location."""
    for push in PUSHES:
        if push.channel not in ("polizei-units", "ordnungsamt-patrols"):
            continue
        reports = json.loads(push.body)
        assert reports
        prefix = "Leo Halle " if push.channel == "polizei-units" else "Stadt Halle "
        for report in reports:
            assert report["unit"].startswith(prefix)
            assert set(report["location"]) >= {"lat", "lon", "position_error_m", "time_elapsed_s"}
            assert (report["status"] in (3, 4)) == ("incident_ref" in report)


def test_a_driver_alarm_names_vehicle_line_run_stops_position_and_clears_down_later() -> None:
    """The raise carries vehicle, line, run, last and next stop, position and time; the clear-down repeats the id
    with its own later time and the raise time; both map to one incident, open then closed."""
    incident = next(i for i in SCENARIO.incidents if i.channel == "driver-alarm")
    assert incident.tram is not None
    raised = json.loads(driver_alarm(SCENARIO, incident, "raised"))
    assert raised["vehicle"] == incident.tram.car
    assert raised["line"] == incident.tram.line
    assert raised["run"] == incident.tram.run
    assert raised["run"].startswith(f"{incident.tram.line}-")
    assert raised["last_stop"] == incident.tram.last_stop_id
    assert raised["next_stop"] == incident.tram.next_stop_id
    assert raised["time"] == SCENARIO.clock.iso(incident.t)
    cleared = json.loads(driver_alarm(SCENARIO, incident, "cleared"))
    assert cleared["alarm_id"] == raised["alarm_id"]
    assert cleared["raised_at"] == raised["time"]
    [opened] = events("driver-alarm", json.dumps(raised).encode(), "application/json")
    [closed] = events("driver-alarm", json.dumps(cleared).encode(), "application/json")
    assert opened.data["incident_id"] == closed.data["incident_id"] == incident.incident_ref
    assert (opened.data["status"], closed.data["status"]) == ("open", "closed")
    assert opened.data["stop_dhid"] == incident.tram.next_stop_id
    assert opened.data["type_code"] == incident.event.type_code


def test_cap_alerts_name_the_tram_or_the_stop_and_the_type_code() -> None:
    """A CAP incident on a tram carries its car, line and next stop; one at a stop carries the stop; both carry
    the hub type code and a location, and the incident id units report as their assignment."""
    for incident in SCENARIO.incidents:
        if incident.channel != "cap":
            continue
        [event] = events("cap", cap_alert(SCENARIO, incident), "application/xml")
        data = event.data
        assert data["incident_id"] == incident.incident_ref
        assert data["type_code"] == incident.event.type_code
        assert abs(data["location"]["lat"] - incident.lat) < 1e-5
        if incident.tram is not None:
            assert (data["vehicle"], data["line"]) == (incident.tram.car, incident.tram.line)
            assert data["stop_dhid"] == incident.tram.next_stop_id
        else:
            assert incident.stop is not None
            assert data["stop_dhid"] == incident.stop.stop_id
