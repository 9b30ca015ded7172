"""The intercept recommendation on a straight synthetic line and on the Halle network: choice of unit, stop and
hold, exclusions, ranking, fixed places, and agreement with the brute-force reference."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.network.tram import LineDirection, LineStop, Snap, haversine_m, load_tram_network
from hub.network.travel import StraightLineRouter, UnitType, schedule
from hub.router import (
    InterceptParams,
    Meeting,
    PlaceIncident,
    StopAhead,
    UnitState,
    VehicleIncident,
    recommend,
    vehicle_incident,
)
from hub.router.intercept import rank_key
from hub.router.reference import recommend_brute_force
from hub.schemas.codes import ORDNUNGSAMT_STATUS_CODES, StatusCode, StatusCodeList

NOW = 10_000.0
LAT = 51.48
LON0 = 11.90
SPACING_M = 500.0
M_PER_DEG_LON = 6_371_008.8 * math.cos(math.radians(LAT)) * math.pi / 180
ROUTER = StraightLineRouter()
# Planning without turnout and margin keeps the expected times in these tests easy to read; a minimum saving of 0
# takes every hold that helps (the tests of ``min_hold_saving_s`` set it).
EXACT = InterceptParams(turnout_s=0.0, margin_s=0.0, max_hold_s=120.0, min_hold_saving_s=0.0)


def straight_line(stops: int = 12) -> LineDirection:
    """A line due east along one latitude, a stop every 500 m."""
    return LineDirection(
        "X",
        0,
        [
            LineStop(f"de:15002:9{k:03d}", f"Stop {k}", LAT, LON0 + k * SPACING_M / M_PER_DEG_LON, k * SPACING_M, ())
            for k in range(stops)
        ],
    )


LINE = straight_line()


def stop_pos(k: float) -> tuple[float, float]:
    """(lat, lon) of the point ``k`` stop spacings along the line."""
    return LAT, LON0 + k * SPACING_M / M_PER_DEG_LON


def tram_at(k: float, line: LineDirection = LINE, incident_id: str = "E1") -> VehicleIncident:
    """An incident on a tram ``k`` spacings along ``line`` (between stops ``int(k)`` and the next), fix now."""
    lat, lon = stop_pos(k)
    snap = line.snap(lat, lon)
    return vehicle_incident(incident_id, "654", line, snap, lat, lon, NOW)


def unit(
    uid: str,
    lat: float,
    lon: float,
    *,
    kind: UnitType = "police_car",
    agency: str = "polizei",
    status: int = 1,
    fix_at: float = NOW,
    dispatched: float | None = None,
) -> UnitState:
    return UnitState(uid, agency, kind, lat, lon, fix_at, status, dispatched)


def unit_at_stop(uid: str, k: float, **kw: object) -> UnitState:
    lat, lon = stop_pos(k)
    return unit(uid, lat, lon, **kw)  # type: ignore[arg-type]


def drive(u: UnitState, stop: StopAhead) -> float:
    return ROUTER.travel_time_s(u.lat, u.lon, stop.lat, stop.lon, u.unit_type)


# --- choice of stop and hold ---------------------------------------------------------------------------------


def test_unit_at_next_stop_is_chosen_with_that_stop() -> None:
    """A unit standing at the tram's next stop meets it there, without a hold, when the tram arrives."""
    incident = tram_at(2.5)
    rec = recommend(incident, [unit_at_stop("P1", 3), unit_at_stop("P2", 7)], NOW, EXACT)
    assert rec.best is not None
    assert rec.best.unit_id == "P1"
    assert rec.best.stop is not None
    assert rec.best.stop.stop_index == 3
    assert rec.best.kind == "stop"
    assert rec.best.hold_s == 0.0
    assert rec.hold is None
    assert rec.best.unit_eta_s == NOW
    assert rec.best.vehicle_eta_s == incident.stops_ahead[0].eta_s == rec.best.contact_s


def test_unit_behind_the_tram_is_sent_ahead_to_a_later_stop() -> None:
    """A car behind the tram is sent to a stop it reaches before the tram, not to where the tram was reported."""
    incident = tram_at(2.5)
    behind = unit_at_stop("P1", 2)
    rec = recommend(incident, [behind], NOW, InterceptParams(turnout_s=0.0, margin_s=0.0, max_hold_s=0.0))
    assert rec.best is not None
    assert rec.best.stop is not None
    assert rec.best.stop.stop_index > 3  # beyond the next stop, which the tram reaches first
    assert rec.best.unit_eta_s <= rec.best.vehicle_eta_s  # type: ignore[operator]
    # It is the earliest such stop: at every stop before it the tram arrives before the car.
    for stop in incident.stops_ahead:
        if stop.stop_index < rec.best.stop.stop_index:
            assert NOW + drive(behind, stop) > stop.eta_s


def test_hold_is_asked_when_it_makes_an_earlier_meeting_possible() -> None:
    """A car 20 s too late for the next stop gets a 20 s hold there instead of a much later stop without one."""
    incident = tram_at(2.5)
    behind = unit_at_stop("P1", 2)
    next_stop = incident.stops_ahead[0]
    rec = recommend(incident, [behind], NOW, EXACT)
    assert rec.best is not None
    assert rec.best.stop == next_stop
    expected_hold = NOW + drive(behind, next_stop) - next_stop.eta_s
    assert 0 < expected_hold < 120
    assert rec.best.hold_s == pytest.approx(expected_hold)
    assert rec.best.contact_s == pytest.approx(rec.best.unit_eta_s)
    assert rec.hold is not None
    assert (rec.hold.vehicle, rec.hold.stop_id, rec.hold.stop_index) == ("654", next_stop.stop_id, 3)
    request = rec.hold.to_hold_request()
    assert request.action == "hold_at_stop"
    assert request.stop_dhid == next_stop.stop_id
    assert request.max_hold_s == math.ceil(rec.best.hold_s)


def test_hold_is_never_above_the_max() -> None:
    """Where the needed hold exceeds the max, the meeting moves to a later stop and no hold over the max is asked."""
    incident = tram_at(2.5)
    behind = unit_at_stop("P1", 2)
    needed = NOW + drive(behind, incident.stops_ahead[0]) - incident.stops_ahead[0].eta_s
    params = InterceptParams(turnout_s=0.0, margin_s=0.0, max_hold_s=needed / 2)
    rec = recommend(incident, [behind], NOW, params)
    assert rec.best is not None
    assert rec.best.stop is not None
    assert rec.best.stop.stop_index > 3
    assert rec.best.hold_s <= params.max_hold_s


def test_no_hold_when_the_unit_can_be_waiting() -> None:
    """A unit that reaches the next stop before the tram is not given a hold, even where one would be allowed."""
    rec = recommend(tram_at(2.5), [unit_at_stop("P1", 3.3)], NOW, EXACT)
    assert rec.best is not None
    assert rec.best.stop is not None
    assert rec.best.stop.stop_index == 3
    assert rec.best.hold_s == 0.0
    assert rec.hold is None
    assert rec.best.unit_eta_s < rec.best.contact_s


def test_a_unit_ahead_drives_back_towards_the_tram_when_a_short_hold_allows_it() -> None:
    """A unit two stops ahead meets the tram at the next stop with a short hold, earlier than waiting where it is."""
    incident = tram_at(2.5)
    rec = recommend(incident, [unit_at_stop("P1", 5)], NOW, EXACT)
    assert rec.best is not None
    assert rec.best.stop is not None
    assert rec.best.stop.stop_index == 3
    assert 0 < rec.best.hold_s <= EXACT.max_hold_s
    assert rec.best.contact_s < incident.stops_ahead[2].eta_s  # the tram's arrival where the unit stands


def test_margin_is_covered_by_the_hold() -> None:
    """With a margin, a unit that would arrive just in time gets a hold of the margin, so a late unit still meets."""
    params = InterceptParams(turnout_s=0.0, margin_s=30.0, min_hold_saving_s=0.0)
    rec = recommend(tram_at(2.9), [unit_at_stop("P1", 3)], NOW, params)
    assert rec.best is not None
    assert rec.best.stop is not None
    assert rec.best.stop.stop_index == 3
    assert rec.best.stop.eta_s < NOW + 30.0
    assert rec.best.hold_s == pytest.approx(NOW + 30.0 - rec.best.stop.eta_s)
    assert rec.best.unit_eta_s == NOW
    assert rec.best.contact_s == pytest.approx(NOW + 30.0)


def test_margin_is_capped_by_the_max_hold() -> None:
    """Without a hold to absorb it, the margin would only push meetings later: it is capped at the max hold."""
    assert InterceptParams(margin_s=30.0, max_hold_s=10.0).planning_margin_s == 10.0
    assert InterceptParams(margin_s=30.0, max_hold_s=120.0).planning_margin_s == 30.0
    no_hold = InterceptParams(turnout_s=0.0, margin_s=30.0, max_hold_s=0.0)
    rec = recommend(tram_at(2.9), [unit_at_stop("P1", 3)], NOW, no_hold)
    assert rec.best is not None
    assert rec.best.stop is not None
    assert rec.best.stop.stop_index == 3  # the unit standing at the next stop still meets the tram there
    assert rec.best.hold_s == 0.0


def _hold_and_wait(incident: VehicleIncident, u: UnitState) -> tuple[Meeting, Meeting]:
    """The unit's best meeting taking any hold that helps, and its best meeting without a hold."""
    held = recommend(incident, [u], NOW, EXACT).best
    waiting = recommend(incident, [u], NOW, InterceptParams(turnout_s=0.0, margin_s=0.0, max_hold_s=0.0)).best
    assert held is not None
    assert waiting is not None
    return held, waiting


def test_a_hold_that_saves_less_than_the_minimum_is_not_asked() -> None:
    """A car a few seconds late for the next stop: its short hold there saves less than the minimum, so it is sent
    to the later stop where it waits for the tram, and no hold is asked."""
    incident = tram_at(2.5)
    behind = unit_at_stop("P1", 2)
    held, waiting = _hold_and_wait(incident, behind)
    assert held.stop == incident.stops_ahead[0]
    assert 0 < held.hold_s < 30  # a short hold
    saving = waiting.contact_s - held.contact_s
    assert waiting.stop is not None
    assert waiting.stop.stop_index > 3
    assert 0 < saving < 120
    params = InterceptParams(turnout_s=0.0, margin_s=0.0, max_hold_s=120.0, min_hold_saving_s=saving + 1.0)
    rec = recommend(incident, [behind], NOW, params)
    assert rec.best == waiting
    assert rec.hold is None


def test_a_hold_that_saves_at_least_the_minimum_is_asked() -> None:
    """The same car with a minimum saving at or below what the hold buys: the hold is asked at the next stop."""
    incident = tram_at(2.5)
    behind = unit_at_stop("P1", 2)
    held, waiting = _hold_and_wait(incident, behind)
    saving = waiting.contact_s - held.contact_s
    for minimum in (30.0, saving):  # at least: a saving equal to the minimum is enough
        params = InterceptParams(turnout_s=0.0, margin_s=0.0, max_hold_s=120.0, min_hold_saving_s=minimum)
        rec = recommend(incident, [behind], NOW, params)
        assert rec.best == held
        assert rec.hold is not None
        assert rec.hold.stop_index == 3
        assert rec.hold.hold_s == pytest.approx(held.hold_s)


def test_a_hold_is_weighed_against_the_terminus_when_no_stop_works_without_one() -> None:
    """A foot patrol near the last two stops reaches no stop before the tram: its hold at the last stop but one is
    weighed against meeting the tram at the terminus, where it stands anyway and no hold is asked."""
    incident = tram_at(9.5)
    walker = unit_at_stop("F1", 10.3, kind="on_foot", agency="ordnungsamt")
    held, _ = _hold_and_wait(incident, walker)
    assert held.stop is not None
    assert held.stop.stop_index == 10
    assert held.hold_s > 0
    terminus = incident.stops_ahead[-1]
    fallback = max(NOW + drive(walker, terminus), terminus.eta_s)
    saving = fallback - held.contact_s
    assert saving > 0
    strict = InterceptParams(turnout_s=0.0, margin_s=0.0, min_hold_saving_s=saving + 1.0)
    rec = recommend(incident, [walker], NOW, strict)
    assert rec.best is not None
    assert rec.best.kind == "terminus"
    assert rec.best.contact_s == pytest.approx(fallback)
    assert rec.hold is None
    lenient = InterceptParams(turnout_s=0.0, margin_s=0.0, min_hold_saving_s=saving)
    assert recommend(incident, [walker], NOW, lenient).best == held


def test_no_hold_is_asked_at_the_terminus_when_a_saving_is_required() -> None:
    """A hold at the last stop buys nothing over meeting the tram there at the end of its trip: with any minimum
    saving the unit meets it at the terminus without a hold; with none it is the old hold."""
    incident = tram_at(10.5)
    late = unit_at_stop("P1", 9.5)
    held, _ = _hold_and_wait(incident, late)
    assert held.stop == incident.stops_ahead[-1]
    assert held.hold_s > 0
    rec = recommend(incident, [late], NOW, InterceptParams(turnout_s=0.0, margin_s=0.0, min_hold_saving_s=1.0))
    assert rec.best is not None
    assert rec.best.kind == "terminus"
    assert rec.best.contact_s == held.contact_s
    assert rec.hold is None


def test_ranking_uses_the_chosen_options() -> None:
    """A unit whose hold is dropped ranks by its later contact, behind a unit that now meets the tram sooner."""
    incident = tram_at(2.5)
    behind = unit_at_stop("P1", 2)
    held, waiting = _hold_and_wait(incident, behind)
    other = unit_at_stop("P2", 3.5)  # waits at stop 4 with no hold
    params = InterceptParams(turnout_s=0.0, margin_s=0.0, min_hold_saving_s=500.0)
    rec = recommend(incident, [behind, other], NOW, params)
    assert [m.hold_s for m in rec.ranked] == [0.0, 0.0]
    assert {m.unit_id for m in rec.ranked} == {"P1", "P2"}
    assert rec == recommend_brute_force(incident, [behind, other], NOW, params)
    assert held.contact_s < waiting.contact_s


def test_turnout_delays_the_unit() -> None:
    """The unit sets off ``turnout_s`` after the decision; its ETA says so."""
    rec = recommend(tram_at(2.5), [unit_at_stop("P1", 6)], NOW, InterceptParams(turnout_s=45.0, margin_s=0.0))
    assert rec.best is not None
    assert rec.best.stop is not None
    assert rec.best.unit_eta_s == pytest.approx(NOW + 45.0 + rec.best.drive_s)
    assert rec.best.drive_s == drive(unit_at_stop("P1", 6), rec.best.stop)


def test_unreachable_stops_fall_back_to_the_terminus() -> None:
    """A foot patrol far behind a tram meets it at its terminus, with no hold asked."""
    incident = tram_at(1.5)
    walker = unit_at_stop("F1", 0, kind="on_foot", agency="ordnungsamt")
    rec = recommend(incident, [walker], NOW, EXACT)
    assert rec.best is not None
    assert rec.best.kind == "terminus"
    assert rec.best.stop == incident.stops_ahead[-1]
    assert rec.best.hold_s == 0.0
    assert rec.hold is None
    assert rec.best.contact_s > incident.stops_ahead[-1].eta_s + EXACT.max_hold_s


def test_terminus_meetings_rank_after_every_stop_meeting() -> None:
    """A unit that can meet the tram at a stop ranks before any unit that only reaches the terminus."""
    incident = tram_at(1.5)
    units = [unit_at_stop("F1", 0, kind="on_foot", agency="ordnungsamt"), unit_at_stop("P1", 10)]
    rec = recommend(incident, units, NOW, EXACT)
    assert [m.unit_id for m in rec.ranked] == ["P1", "F1"]
    assert [m.kind for m in rec.ranked] == ["stop", "terminus"]


def test_vehicle_with_no_stop_ahead_is_a_place() -> None:
    """An incident on a tram standing at its terminus ranks units by their arrival at the tram."""
    lat, lon = stop_pos(11)
    incident = VehicleIncident("E1", "654", "X", 0, lat, lon, Snap(10, 1.0, 5500.0, 0.0), ())
    rec = recommend(incident, [unit_at_stop("P1", 9), unit_at_stop("P2", 10)], NOW, EXACT)
    assert rec.best is not None
    assert rec.best.kind == "place"
    assert rec.best.unit_id == "P2"
    assert rec.hold is None


# --- who may be proposed -------------------------------------------------------------------------------------


def test_stale_unavailable_unknown_and_recently_dispatched_units_are_never_proposed() -> None:
    """Units at the ideal spot are skipped when stale, unavailable, unknown or recently proposed, each with why."""
    incident = tram_at(2.5)
    params = InterceptParams(max_position_age_s=60.0, recent_dispatch_s=300.0)
    units = [
        unit_at_stop("STALE", 3, fix_at=NOW - 61),
        unit_at_stop("BUSY", 3, status=3),
        unit_at_stop("UNKNOWN", 3, status=9),  # not in the police list
        unit_at_stop("RECENT", 3, dispatched=NOW - 299),
        unit_at_stop("OK", 8),
    ]
    rec = recommend(incident, units, NOW, params)
    assert [m.unit_id for m in rec.ranked] == ["OK"]
    assert {(e.unit_id, e.reason) for e in rec.excluded} == {
        ("STALE", "stale_position"),
        ("BUSY", "unavailable"),
        ("UNKNOWN", "unknown_status"),
        ("RECENT", "recently_dispatched"),
    }


def test_limits_are_inclusive_of_fresh_positions_and_expired_dispatches() -> None:
    """A fix exactly at the max age still counts, and a dispatch exactly the window ago no longer blocks."""
    params = InterceptParams(max_position_age_s=60.0, recent_dispatch_s=300.0)
    units = [unit_at_stop("A", 3, fix_at=NOW - 60), unit_at_stop("B", 4, dispatched=NOW - 300)]
    rec = recommend(tram_at(2.5), units, NOW, params)
    assert {m.unit_id for m in rec.ranked} == {"A", "B"}
    assert rec.excluded == ()


def test_availability_comes_from_the_agency_code_list() -> None:
    """Replacing an agency's code list changes who is available: the digits are data, not code."""
    lenient = StatusCodeList(agency="polizei", codes=(StatusCode(digit=3, meaning="en route", available=True),))
    units = [unit_at_stop("P3", 3, status=3), unit_at_stop("O1", 6, agency="ordnungsamt", kind="ordnungsamt_car")]
    default = recommend(tram_at(2.5), units, NOW, EXACT)
    custom = recommend(
        tram_at(2.5),
        units,
        NOW,
        InterceptParams(
            turnout_s=0.0, margin_s=0.0, status_codes={"polizei": lenient, "ordnungsamt": ORDNUNGSAMT_STATUS_CODES}
        ),
    )
    assert [m.unit_id for m in default.ranked] == ["O1"]
    assert custom.best is not None
    assert custom.best.unit_id == "P3"


def test_no_eligible_unit_gives_no_recommendation() -> None:
    """With every unit excluded there is no best unit, no hold and no time to contact."""
    rec = recommend(tram_at(2.5), [unit_at_stop("BUSY", 3, status=4)], NOW, EXACT)
    assert rec.best is None
    assert rec.runners_up == ()
    assert rec.hold is None
    assert rec.time_to_contact_s is None


# --- ranking -------------------------------------------------------------------------------------------------


def test_ranking_and_runners_up_order() -> None:
    """Units rank by time of contact; the runners-up follow the best in that order and stop at ``runners_up``."""
    incident = tram_at(2.5)
    units = [unit_at_stop(f"P{k}", k) for k in (9, 5, 7, 4, 6)]
    rec = recommend(incident, units, NOW, InterceptParams(turnout_s=0.0, margin_s=0.0, max_hold_s=0.0, runners_up=2))
    assert [m.unit_id for m in rec.ranked] == ["P4", "P5", "P6"]
    contacts = [m.contact_s for m in rec.ranked]
    assert contacts == sorted(contacts)
    assert rec.time_to_contact_s == pytest.approx(incident.stops_ahead[1].eta_s - NOW)


def test_ties_prefer_shorter_drive_then_call_sign() -> None:
    """Units meeting the tram at the same stop tie on contact; the shorter drive wins, then the call sign."""
    incident = tram_at(2.5)
    lat, lon = stop_pos(5)
    near = unit("B-NEAR", lat + 0.001, lon)
    far = unit("A-FAR", lat + 0.003, lon)
    twin_a, twin_b = unit("T-A", lat - 0.002, lon), unit("T-B", lat - 0.002, lon)
    no_hold = InterceptParams(turnout_s=0.0, margin_s=0.0, max_hold_s=0.0)
    rec = recommend(incident, [far, twin_b, near, twin_a], NOW, no_hold)
    assert [m.unit_id for m in rec.ranked] == ["B-NEAR", "T-A", "T-B", "A-FAR"]
    assert {m.contact_s for m in rec.ranked} == {incident.stops_ahead[1].eta_s}


def test_rank_key_orders_contact_then_hold_then_drive_then_call_sign() -> None:
    """The ranking key: earlier contact first; at equal contact less hold; then shorter drive; then call sign."""
    stop = tram_at(2.5).stops_ahead[0]

    def meeting(uid: str, contact: float, hold: float, drive_s: float) -> Meeting:
        return Meeting(uid, "polizei", "police_car", "stop", stop, drive_s, contact - hold, stop.eta_s, hold, contact)

    meetings = [
        meeting("Z", 100.0, 0.0, 50.0),
        meeting("Y", 100.0, 10.0, 5.0),
        meeting("X", 90.0, 30.0, 80.0),
        meeting("B", 100.0, 0.0, 40.0),
        meeting("A", 100.0, 0.0, 40.0),
    ]
    assert [m.unit_id for m in sorted(meetings, key=rank_key)] == ["X", "A", "B", "Z", "Y"]


def test_place_incident_ranks_units_by_arrival() -> None:
    """At a fixed place, units rank by arrival time: a nearby foot patrol can beat a distant car."""
    lat, lon = stop_pos(5)
    units = [
        unit("CAR-FAR", lat, lon + 0.03),
        unit("FOOT-NEAR", lat + 0.0005, lon, kind="on_foot", agency="ordnungsamt"),
        unit("CAR-MID", lat, lon + 0.01),
        unit("OA-CAR", lat, lon - 0.012, kind="ordnungsamt_car", agency="ordnungsamt"),
    ]
    rec = recommend(PlaceIncident("E9", lat, lon), units, NOW, EXACT)
    expected = sorted(units, key=lambda u: ROUTER.travel_time_s(u.lat, u.lon, lat, lon, u.unit_type))
    assert [m.unit_id for m in rec.ranked] == [u.unit_id for u in expected]
    assert all(m.kind == "place" and m.stop is None and m.hold_s == 0.0 for m in rec.ranked)
    assert rec.hold is None
    assert [m.unit_eta_s for m in rec.ranked] == sorted(m.unit_eta_s for m in rec.ranked)


def test_recommendation_is_deterministic_and_independent_of_unit_order() -> None:
    """The same inputs give the same result, and shuffling the units changes nothing but the exclusion order."""
    incident, units = halle_case(random.Random(7), 120)
    first = recommend(incident, units, NOW)
    assert recommend(incident, units, NOW) == first
    shuffled = list(units)
    random.Random(3).shuffle(shuffled)
    again = recommend(incident, shuffled, NOW)
    assert again.ranked == first.ranked
    assert again.hold == first.hold
    assert sorted(again.excluded, key=str) == sorted(first.excluded, key=str)


# --- inputs and parameters -----------------------------------------------------------------------------------


def test_vehicle_incident_predicts_arrivals_from_the_fix() -> None:
    """The stops ahead start after the snapped position and their times count from the fix time."""
    incident = tram_at(2.5)
    plan = schedule(LINE)
    assert [s.stop_index for s in incident.stops_ahead] == list(range(3, 12))
    assert incident.stops_ahead[0].eta_s == pytest.approx(NOW + 0.5 * plan.run_s[2])
    assert incident.stops_ahead[1].eta_s - incident.stops_ahead[0].eta_s == pytest.approx(
        plan.arrive_s[4] - plan.arrive_s[3]
    )


def test_vehicle_incident_refuses_stops_out_of_order() -> None:
    """The search relies on rising arrival times, so an incident with them out of order is refused."""
    a = StopAhead(3, "de:15002:1", "A", LAT, LON0, NOW + 60)
    b = StopAhead(4, "de:15002:2", "B", LAT, LON0, NOW + 30)
    with pytest.raises(ValueError, match="in order"):
        VehicleIncident("E1", "654", "X", 0, LAT, LON0, Snap(2, 0.5, 1.0, 0.0), (a, b))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_hold_s": -1.0}, "must not be negative"),
        ({"max_position_age_s": 0.0}, "max position age"),
        ({"recent_dispatch_s": -1.0}, "dispatch window"),
        ({"runners_up": -1}, "runners_up"),
        ({"turnout_s": -5.0}, "must not be negative"),
        ({"margin_s": -5.0}, "must not be negative"),
        ({"crow_speed_kmh": {"police_car": 0.0}}, "crow speeds"),
        ({"min_hold_saving_s": -1.0}, "min_hold_saving_s must not be negative"),
        ({"min_hold_saving_s": math.nan}, "min_hold_saving_s must not be negative"),
    ],
)
def test_params_refuse_impossible_values(kwargs: dict[str, object], message: str) -> None:
    """Negative times, a zero max age, negative runners-up and non-positive speed bounds are configuration errors."""
    with pytest.raises(ValueError, match=message):
        InterceptParams(**kwargs)  # type: ignore[arg-type]


# --- properties, and agreement with the brute-force reference ------------------------------------------------

NET = load_tram_network()
DIRECTIONS = [d for line in NET.lines.values() for d in line.directions]
KINDS: list[tuple[UnitType, str]] = [
    ("police_car", "polizei"),
    ("ordnungsamt_car", "ordnungsamt"),
    ("on_foot", "ordnungsamt"),
    ("on_foot", "polizei"),
]


def halle_case(rng: random.Random, n_units: int, spread_deg: float = 0.06) -> tuple[VehicleIncident, list[UnitState]]:
    """A tram somewhere on a random Halle line and ``n_units`` units around the city, some ineligible."""
    direction = rng.choice(DIRECTIONS)
    k = rng.randrange(len(direction.stops) - 1)
    a, b = direction.stops[k], direction.stops[k + 1]
    f = rng.random()
    lat, lon = a.lat + f * (b.lat - a.lat), a.lon + f * (b.lon - a.lon)
    snap = direction.snap(lat, lon, hint_m=a.distance_m + f * (b.distance_m - a.distance_m))
    incident = vehicle_incident("E1", "654", direction, snap, lat, lon, NOW - rng.uniform(0, 20))
    units = []
    for n in range(n_units):
        kind, agency = rng.choice(KINDS)
        units.append(
            UnitState(
                f"U{n:03d}",
                agency,
                kind,
                lat + rng.uniform(-spread_deg, spread_deg),
                lon + rng.uniform(-spread_deg, spread_deg) * 1.6,
                NOW - rng.choice((0.0, 10.0, 50.0, 500.0)),
                rng.choice((1, 1, 1, 2, 3, 4, 6)),
                rng.choice((None, None, None, NOW - 100.0)),
            )
        )
    return incident, units


case_params = st.builds(
    InterceptParams,
    max_hold_s=st.sampled_from([0.0, 30.0, 120.0, 300.0]),
    runners_up=st.integers(0, 5),
    turnout_s=st.sampled_from([0.0, 30.0]),
    margin_s=st.sampled_from([0.0, 15.0, 60.0]),
    min_hold_saving_s=st.sampled_from([0.0, 30.0, 90.0, 600.0]),
)


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32), n_units=st.integers(0, 60), params=case_params, wide=st.booleans())
def test_pruned_search_equals_brute_force(seed: int, n_units: int, params: InterceptParams, wide: bool) -> None:
    """The pruned search equals trying every unit at every stop, with units city-wide or half a degree away."""
    incident, units = halle_case(random.Random(seed), n_units, 0.5 if wide else 0.06)
    assert recommend(incident, units, NOW, params) == recommend_brute_force(incident, units, NOW, params)


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32), n_units=st.integers(1, 60), params=case_params)
def test_meetings_are_feasible_and_ranked(seed: int, n_units: int, params: InterceptParams) -> None:
    """Best contact <= every runner-up's; unit ETA <= vehicle ETA + hold; hold <= max; no excluded unit proposed."""
    incident, units = halle_case(random.Random(seed), n_units)
    rec = recommend(incident, units, NOW, params)
    excluded = {e.unit_id for e in rec.excluded}
    if rec.best is None:
        assert len(excluded) == len(units)
        return
    assert len(rec.runners_up) <= params.runners_up
    for runner in rec.runners_up:
        assert rec.best.contact_s <= runner.contact_s
    for m in rec.ranked:
        assert m.unit_id not in excluded
        assert 0.0 <= m.hold_s <= params.max_hold_s
        assert m.vehicle_eta_s is not None
        if m.kind == "stop":
            assert m.unit_eta_s <= m.vehicle_eta_s + m.hold_s + 1e-6
            assert m.contact_s == pytest.approx(m.vehicle_eta_s + m.hold_s)
        assert m.contact_s >= m.unit_eta_s - 1e-6  # contact is never before the unit is there


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32), params=case_params)
def test_a_hold_is_only_asked_when_no_stop_without_one_is_as_early(seed: int, params: InterceptParams) -> None:
    """If the best meeting needs a hold, every stop the unit reaches without one has the vehicle there at least
    ``min_hold_saving_s`` later (and later at all), and so does the terminus when no stop works without a hold."""
    incident, units = halle_case(random.Random(seed), 40)
    rec = recommend(incident, units, NOW, params)
    if rec.best is None or rec.best.hold_s == 0.0:
        return
    best = rec.best
    u = next(u for u in units if u.unit_id == best.unit_id)
    ready = NOW + params.turnout_s + params.planning_margin_s
    waits = []
    for stop in incident.stops_ahead:
        planned = ready + ROUTER.travel_time_s(u.lat, u.lon, stop.lat, stop.lon, u.unit_type)
        if planned <= stop.eta_s:
            waits.append(stop.eta_s)
            assert stop.eta_s > best.contact_s
            assert stop.eta_s - best.contact_s >= params.min_hold_saving_s
    if not waits:
        end = incident.stops_ahead[-1]
        fallback = max(ready + ROUTER.travel_time_s(u.lat, u.lon, end.lat, end.lon, u.unit_type), end.eta_s)
        assert fallback - best.contact_s >= params.min_hold_saving_s


class GridRouter:
    """A router the pruning knows nothing about: city-block distance at 30 km/h for every unit type."""

    def travel_time_s(
        self, from_lat: float, from_lon: float, to_lat: float, to_lon: float, unit_type: UnitType
    ) -> float:
        ns = haversine_m(from_lat, from_lon, to_lat, from_lon)
        ew = haversine_m(to_lat, from_lon, to_lat, to_lon)
        return (ns + ew) * 3.6 / 30.0


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32), n_units=st.integers(0, 40))
def test_any_router_gives_the_brute_force_result(seed: int, n_units: int) -> None:
    """With a router that is not the straight-line one, no bound is assumed and the result still matches."""
    incident, units = halle_case(random.Random(seed), n_units)
    params = InterceptParams(router=GridRouter())
    assert params.crow_speed_mps == {}
    assert recommend(incident, units, NOW, params) == recommend_brute_force(incident, units, NOW, params)


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 2**32), n_units=st.integers(0, 40))
def test_place_ranking_equals_brute_force(seed: int, n_units: int) -> None:
    """For a fixed place, the pruned ranking by arrival equals ranking every unit."""
    rng = random.Random(seed)
    incident, units = halle_case(rng, n_units)
    place = PlaceIncident("E2", incident.lat, incident.lon)
    assert recommend(place, units, NOW) == recommend_brute_force(place, units, NOW)
