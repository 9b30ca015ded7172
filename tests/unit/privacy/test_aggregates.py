"""Aggregates for prevention work: the fixed grid, weeks in local time, small-count suppression, victim-sensitive
offences kept off cells, one count per incident however often it was updated; hour-of-week bands city-wide with the
same rules, and messages of the old form still read as before."""

from __future__ import annotations

import itertools
import json
import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.errors import ConfigError
from hub.privacy.aggregates import (
    AGGREGATE_SOURCE,
    BANDS,
    MIN_COUNT,
    Aggregate,
    Counted,
    WeekState,
    aggregate,
    aggregate_events,
    band_of,
    cell_of,
    countable,
    iso_week,
    plan_week,
    table,
    week_bounds,
)
from hub.privacy.keys import DomainKeys, KeyRing, SecretKey, demo_keyring
from hub.privacy.policy import DOMAINS, default_policy
from hub.privacy.pseudonym import field_keys
from hub.privacy.transform import TransformContext, for_domain, snap_to_grid
from hub.privacy.vault import vault_entries
from hub.schemas import HUB_EVENT_NAMESPACE, CloudEvent, Incident, example_payload, wrap

POLICY = default_policy()
KEYS = demo_keyring(DOMAINS)
MARKT = (51.48277, 11.96934)  # Marktplatz
STEINTOR = (51.48820, 11.97809)  # Am Steintor, about 800 m away
WEEK = "2026-W47"  # 16-22 November 2026
_ids = itertools.count()


def _share(
    type_code: str = "CRIME/ASSAULT",
    where: tuple[float, float] | None = MARKT,
    *,
    incident_id: str | None = None,
    status: str = "open",
    mode: str = "actual",
    reported_at: str = "2026-11-18T22:10:00+01:00",
    record: str | None = None,
) -> CloudEvent:
    """An analytics share made by the real transform from a canonical incident."""
    n = next(_ids)
    data: dict[str, Any] = {
        **example_payload("incident", 1),
        "incident_id": incident_id or f"PI-HAL-E-{n:07d}",
        "type_code": type_code,
        "status": status,
        "mode": mode,
        "reported_at": reported_at,
        "location": None if where is None else {"lat": where[0], "lon": where[1], "uncertainty_m": 20.0},
    }
    event = wrap(
        Incident.model_validate(data),
        source="/polizei/els",
        source_record_id=record or f"E-{n}",
        time=datetime.fromisoformat(reported_at),
    )
    share = for_domain(event, "analytics", POLICY, KEYS, context=TransformContext())
    assert share is not None
    return share


def _cells(aggs: list[Aggregate]) -> dict[str, dict[str, int]]:
    return {a.cell or "": a.counts for a in aggs if a.area == "cell"}


def _city(aggs: list[Aggregate]) -> Aggregate:
    return next(a for a in aggs if a.area == "city")


@given(st.floats(51.40, 51.55), st.floats(11.85, 12.05))
def test_cell_is_the_fixed_grid_cell(lat: float, lon: float) -> None:
    """A point's cell has the centre that snap_to_grid gives, and the cell's own centre lies in the same cell."""
    cell = cell_of(lat, lon, 500)
    assert (cell.lat, cell.lon) == snap_to_grid(lat, lon, 500)
    assert cell_of(cell.lat, cell.lon, 500).id == cell.id
    assert cell.id.startswith("500m:")


def test_nearby_points_share_a_cell_distant_ones_do_not() -> None:
    """Points a few metres apart fall in one 500 m cell; Marktplatz and Steintor (800 m) in two."""
    assert cell_of(*MARKT).id == cell_of(MARKT[0] + 0.00002, MARKT[1] + 0.00002).id
    assert cell_of(*MARKT).id != cell_of(*STEINTOR).id


def test_small_counts_are_suppressed_per_cell_and_city_wide() -> None:
    """Five assaults at Marktplatz are published; four nuisances there are not, and show city-wide as fewer than 5."""
    shares = [_share("CRIME/ASSAULT") for _ in range(5)] + [_share("PUBLIC_ORDER/NUISANCE") for _ in range(4)]
    aggs = aggregate(shares, WEEK)
    assert _cells(aggs) == {cell_of(*snap_to_grid(*MARKT, 250)).id: {"CRIME": 5}}
    city = _city(aggs)
    assert city.counts == {"CRIME": 5}
    assert city.suppressed == ["PUBLIC_ORDER"]


def test_a_cell_with_only_small_counts_is_not_published() -> None:
    """Four incidents at Steintor leave no trace on the map, not even an empty cell."""
    aggs = aggregate([_share("CRIME/THEFT", STEINTOR) for _ in range(4)], WEEK)
    assert _cells(aggs) == {}
    assert _city(aggs).suppressed == ["CRIME"]


def test_victim_sensitive_offences_never_reach_a_cell() -> None:
    """Six sexual offences and six domestic-violence cases at one place count city-wide only."""
    shares = [_share("CRIME/SEXUAL") for _ in range(6)] + [_share("CRIME/DOMESTIC/REPEAT") for _ in range(6)]
    aggs = aggregate(shares, WEEK)
    assert _cells(aggs) == {}
    assert _city(aggs).counts == {"CRIME": 12}


def test_each_incident_counts_once_in_its_last_state() -> None:
    """Updates of one incident count once; a cancelled incident, an exercise or another week not at all."""
    shares = []
    for n in range(5):
        shares.append(_share(incident_id=f"PI-HAL-E-9{n}", status="open", record=f"a{n}"))
        shares.append(_share(incident_id=f"PI-HAL-E-9{n}", status="closed", record=f"b{n}"))
    shares.append(_share(incident_id="PI-HAL-E-77", status="open", record="c1"))
    shares.append(_share(incident_id="PI-HAL-E-77", status="cancelled", record="c2"))
    shares.append(_share(mode="exercise"))
    shares.append(_share(reported_at="2026-11-25T10:00:00+01:00"))
    shares += shares[:2]  # redelivered
    aggs = aggregate(shares, WEEK)
    assert _city(aggs).counts == {"CRIME": 5}
    assert list(_cells(aggs).values()) == [{"CRIME": 5}]


def test_unsafe_places_and_lighting_are_categories_of_their_own() -> None:
    """Residents' reports of unsafe places and broken lighting (Open311) are counted apart from the rest of SAFETY
    and TECHNICAL, through the analytics transform: the council's map needs them on their own."""
    shares = [_share("SAFETY/UNSAFE_PLACE") for _ in range(5)] + [_share("TECHNICAL/LIGHTING") for _ in range(6)]
    shares += [_share("SAFETY/HELPLESS_PERSON") for _ in range(5)] + [_share("TECHNICAL") for _ in range(5)]
    aggs = aggregate(shares, WEEK)
    expected = {"SAFETY": 5, "SAFETY/UNSAFE_PLACE": 5, "TECHNICAL": 5, "TECHNICAL/LIGHTING": 6}
    assert list(_cells(aggs).values()) == [expected]
    assert _city(aggs).counts == expected


def test_a_week_counted_before_place_reports_were_apart_is_not_retracted() -> None:
    """Five unsafe-place reports counted under SAFETY by a publication before the split (and before bands), and still
    there: no figure of theirs fell below the threshold, so nothing is retracted, and nothing is counted again; the
    week gets no band figures afterwards either (its incidents are counted)."""
    shares = [_share("SAFETY/UNSAFE_PLACE") for _ in range(5)]
    incidents, cells = countable(shares, WEEK)
    before = {k: Counted(i.incident, "SAFETY", i.cell) for k, i in incidents.items()}
    first = plan_week(before, cells, WEEK, WeekState())
    assert [a.counts for a in first.tables] == [{"SAFETY": 5}, {"SAFETY": 5}]  # cell, city: before bands too
    state = WeekState(first.messages, {i.incident: (0, i) for _, i in first.counted})
    again = plan_week(incidents, cells, WEEK, state)
    assert (again.tables, again.retractions, again.held_back) == ((), (), 0)


def test_incidents_without_a_position_count_city_wide() -> None:
    """An incident without a location cannot be on a cell but counts in the week's totals."""
    aggs = aggregate([_share("SAFETY/HELPLESS_PERSON", None) for _ in range(5)], WEEK)
    assert _cells(aggs) == {}
    assert _city(aggs).counts == {"SAFETY": 5}


def test_only_analytics_incident_shares_are_read() -> None:
    """A share for another domain (which could hold more detail) is ignored, whatever it says."""
    event = wrap(
        Incident.model_validate({**example_payload("incident", 1), "reported_at": "2026-11-18T22:10:00+01:00"}),
        source="/polizei/els",
        source_record_id="x",
        time=datetime(2026, 11, 18, tzinfo=UTC),
    )
    # A driver alarm: HAVAG's purpose filter admits it (the Ordnungsamt's does not).
    havag = for_domain(event, "havag", POLICY, KEYS, context=TransformContext(scrubber=lambda t: ""))
    assert havag is not None
    assert _city(aggregate([havag] * 6, WEEK)).counts == {}


def test_weeks_are_halle_local_weeks() -> None:
    """Sunday 23:30 UTC in November is Monday 00:30 in Halle: the next week. Bounds are local midnights."""
    assert iso_week(datetime(2026, 11, 22, 22, 59, tzinfo=UTC)) == "2026-W47"
    assert iso_week(datetime(2026, 11, 22, 23, 30, tzinfo=UTC)) == "2026-W48"
    start, end = week_bounds(WEEK)
    assert start.isoformat() == "2026-11-16T00:00:00+01:00"
    assert end.isoformat() == "2026-11-23T00:00:00+01:00"


@pytest.mark.parametrize("week", ["2026-47", "2026-W7", "2026-W54", "W47"])
def test_malformed_week_refused(week: str) -> None:
    """A week that is not written YYYY-Www, or does not exist, is refused with a message naming it."""
    with pytest.raises(ConfigError, match=week):
        week_bounds(week)


def test_threshold_cannot_go_below_five() -> None:
    """The suppression threshold may be raised but not lowered under the published minimum."""
    with pytest.raises(ConfigError, match="at least 5"):
        aggregate([], WEEK, min_count=MIN_COUNT - 1)


def test_aggregate_events_are_stable_and_addressed_to_praevention() -> None:
    """The messages validate as CloudEvents for praevention, keyed by cell; the same counts give the same ids."""
    aggs = aggregate([_share() for _ in range(5)], WEEK)
    first = aggregate_events(aggs)
    again = aggregate_events(aggregate([_share() for _ in range(5)], WEEK))
    assert [e.id for _, e in first] == [e.id for _, e in again]
    assert [k for k, _ in first] == [aggs[0].cell.encode() if aggs[0].cell else b"", b"city", b"band:weekday:20-24"]
    for _, event in first:
        assert CloudEvent.from_bytes(event.to_bytes()) == event
        assert event.hubrecipient == "praevention"
        assert Aggregate.model_validate(event.data) in aggs
    more = aggregate_events(aggregate([_share() for _ in range(6)], WEEK))
    assert {e.id for _, e in more}.isdisjoint({e.id for _, e in first})


def _ring(analytics_kid: str, analytics_secret: bytes) -> KeyRing:
    """The demo keys, with analytics' own key replaced and a fixed analytics id key."""
    demo = demo_keyring(DOMAINS)
    rings = [demo.for_domain(d) for d in DOMAINS if d != "analytics"]
    rings.append(DomainKeys("analytics", SecretKey(analytics_kid, analytics_secret)))
    rings.append(DomainKeys("analytics_ids", SecretKey("ids1", b"\x11" * 32)))
    return KeyRing(rings)


def test_key_rotation_keeps_analytics_incident_ids_and_counts() -> None:
    """Five incidents shared before a rotation of the analytics key and updated after it keep their analytics id
    (made under the long-lived id key), so the week counts five, not ten; the vault holds the same pseudonym."""
    before, after = _ring("k1", b"\x01" * 32), _ring("k2", b"\x02" * 32)
    shares, vault = [], []
    for n in range(5):
        for status, ring in (("open", before), ("closed", after)):
            data = {
                **example_payload("incident", 1),
                "incident_id": f"PI-HAL-E-5{n}",
                "status": status,
                "reported_at": "2026-11-18T22:10:00+01:00",
            }
            event = wrap(
                Incident.model_validate(data),
                source="/polizei/els",
                source_record_id=f"R-{n}-{status}",
                time=datetime(2026, 11, 18, 21, 10, tzinfo=UTC),
            )
            share = for_domain(event, "analytics", POLICY, ring, context=TransformContext())
            assert share is not None
            shares.append(share)
            plan = POLICY.domain("analytics").plan("incident")
            assert plan is not None
            key = ring.for_domain("analytics").active
            vault += vault_entries(
                event, "analytics", plan, key, "standard", datetime.now(UTC), field_keys(ring, "analytics")
            )
    ids = [s.data["incident_id"] for s in shares]
    assert ids[0::2] == ids[1::2]
    assert all(i.startswith("ps1.ids1.") for i in ids)
    assert {s.hubsourceid.split(".")[1] for s in shares} == {"k1", "k2"}  # the rest still rotates
    assert set(ids) <= {v.pseudonym for v in vault if v.field == "incident.incident_id"}
    assert _city(aggregate(shares, WEEK)).counts == {"TRANSIT": 5}


def _bands(aggs: list[Aggregate]) -> dict[str, dict[str, int]]:
    return {a.band or "": a.counts for a in aggs if a.area == "band"}


def test_bands_are_four_hours_of_local_time_weekdays_and_weekend_apart() -> None:
    """Twelve bands; a moment's band is its hour in Halle (summer or winter time) and whether it is Saturday or
    Sunday there."""
    assert len(BANDS) == 12
    assert (BANDS[0], BANDS[-1]) == ("weekday:00-04", "weekend:20-24")
    assert band_of(datetime.fromisoformat("2026-11-18T22:10:00+01:00")) == "weekday:20-24"  # Wednesday
    assert band_of(datetime.fromisoformat("2026-11-20T23:59:00+01:00")) == "weekday:20-24"  # Friday night
    assert band_of(datetime.fromisoformat("2026-11-21T00:00:00+01:00")) == "weekend:00-04"  # Saturday
    assert band_of(datetime(2026, 11, 22, 23, 30, tzinfo=UTC)) == "weekday:00-04"  # Monday 00:30 in Halle
    assert band_of(datetime(2026, 7, 4, 21, 30, tzinfo=UTC)) == "weekend:20-24"  # Saturday 23:30 summer time
    assert band_of(datetime(2026, 7, 6, 3, 59, tzinfo=UTC)) == "weekday:04-08"  # Monday 05:59 summer time


def test_the_band_is_that_of_the_hour_analytics_sees() -> None:
    """The analytics domain has ``reported_at`` to the hour: 19:59 counts in 16-20, 20:00 in 20-24. A victim-sensitive
    offence is in no band (and on no cell); an incident without a position has its band."""
    late = [_share(reported_at="2026-11-18T19:59:00+01:00") for _ in range(5)]
    night = [_share(reported_at="2026-11-18T20:00:00+01:00") for _ in range(6)]
    sexual = [_share("CRIME/SEXUAL", reported_at="2026-11-18T20:30:00+01:00")]
    nowhere = [_share("SAFETY/HELPLESS_PERSON", None, reported_at="2026-11-21T03:00:00+01:00")]
    incidents, _ = countable(late + night + sexual + nowhere, WEEK)
    bands = Counter((i.band, i.cell is not None) for i in incidents.values())
    assert bands == {
        ("weekday:16-20", True): 5,
        ("weekday:20-24", True): 6,
        (None, False): 1,
        ("weekend:00-04", False): 1,
    }


def test_bands_are_city_wide_with_the_threshold() -> None:
    """Three assaults at night at Marktplatz and three at Steintor, four in the morning at Marktplatz and five at
    Steintor: both bands are published city-wide (6 and 9) and no band row names a cell. Of the first ten alone,
    the morning's 4 is below the threshold and the night's 6 would leave it as the rest, so neither is."""
    shares = [_share(where=MARKT) for _ in range(3)] + [_share(where=STEINTOR) for _ in range(3)]
    shares += [_share(reported_at="2026-11-18T09:00:00+01:00") for _ in range(4)]
    shares += [_share(reported_at="2026-11-18T10:00:00+01:00", where=STEINTOR) for _ in range(5)]
    aggs = aggregate(shares, WEEK)
    assert _bands(aggs) == {"weekday:20-24": {"CRIME": 6}, "weekday:08-12": {"CRIME": 9}}
    assert all(a.cell is None and a.lat is None for a in aggs if a.area == "band")
    assert _city(aggs).counts == {"CRIME": 15}
    four = aggregate(shares[:10], WEEK)
    assert _bands(four) == {}  # 6 at night would leave 4 in the morning: the complement rule holds the 6 back


def test_victim_sensitive_offences_are_in_no_band_and_the_complement_covers_them() -> None:
    """Six thefts at night and five sexual offences that night: the band shows the 6 thefts (city-wide 11: the rest,
    5, may stand); with two sexual offences instead the band would tell the city total's 2 apart, so it is held
    back."""
    thefts = [_share("CRIME/THEFT", STEINTOR) for _ in range(3)] + [_share("CRIME/THEFT") for _ in range(3)]
    five = [_share("CRIME/SEXUAL") for _ in range(5)]
    aggs = aggregate(thefts + five, WEEK)
    assert _bands(aggs) == {"weekday:20-24": {"CRIME": 6}}
    assert _city(aggs).counts == {"CRIME": 11}
    aggs = aggregate(thefts + five[:2], WEEK)
    assert _bands(aggs) == {}
    assert _city(aggs).counts == {"CRIME": 8}


def test_bands_have_the_complement_rule_per_category() -> None:
    """Per category over the bands: CRIME 5 at night and 6 in the morning and 2 in the afternoon (13): publishing
    both would leave 2, so the smaller band (5) is held back, 8 remain in no published band; SAFETY's 5 stand."""
    a, b = cell_of(*MARKT), cell_of(*STEINTOR)
    cells = {a.id: a, b.id: b}
    items = [Counted(f"n{k}", "CRIME", a.id, "weekday:20-24") for k in range(5)]
    items += [Counted(f"m{k}", "CRIME", b.id, "weekday:08-12") for k in range(6)]
    items += [Counted(f"t{k}", "CRIME", None, "weekday:12-16") for k in range(2)]
    items += [Counted(f"s{k}", "SAFETY", None, "weekend:00-04") for k in range(5)]
    aggs = table(items, cells, WEEK)
    assert _bands(aggs) == {"weekday:08-12": {"CRIME": 6}, "weekend:00-04": {"SAFETY": 5}}


def test_old_messages_read_as_before_and_keep_their_ids() -> None:
    """A cell or city message has no ``band`` key, as before bands were published: a message of that form (as stored
    in ``aggregate_messages`` then) still validates, and the same figures get the same id as they had."""
    old = {
        "week": WEEK, "area": "cell", "cell": "500m:11436:1659", "grid_m": 500, "lat": 51.4834, "lon": 11.9685,
        "counts": {"CRIME": 5}, "suppressed": [], "min_count": 5, "revision": 0, "retracted": [],
    }  # fmt: skip
    agg = Aggregate.model_validate(old)
    assert agg.band is None
    [(key, event)] = aggregate_events([agg])
    assert (key, event.subject) == (b"500m:11436:1659", "500m:11436:1659")
    assert event.data == old
    name = json.dumps(["aggregate", old], sort_keys=True, separators=(",", ":"))
    assert event.id == str(uuid.uuid5(HUB_EVENT_NAMESPACE, name))
    assert event.source == AGGREGATE_SOURCE


def test_band_rows_name_a_known_band_and_only_band_rows_do() -> None:
    band = Aggregate(week=WEEK, area="band", band="weekend:00-04", counts={"CRIME": 5}, min_count=5)
    [(key, event)] = aggregate_events([band])
    assert (key, event.subject, event.hubsourceid) == (
        b"band:weekend:00-04",
        "band:weekend:00-04",
        f"{WEEK}/band:weekend:00-04/0",
    )
    assert Aggregate.model_validate(event.data) == band
    with pytest.raises(ValueError, match="band row"):
        Aggregate(week=WEEK, area="city", band="weekend:00-04", counts={}, min_count=5)
    with pytest.raises(ValueError, match="band row"):
        Aggregate(week=WEEK, area="band", counts={}, min_count=5)
    with pytest.raises(ValueError, match="unknown band"):
        Aggregate(week=WEEK, area="band", band="weekend:00-06", counts={}, min_count=5)
