"""Aggregates for prevention work: the fixed grid, weeks in local time, small-count suppression, victim-sensitive
offences kept off cells, one count per incident however often it was updated."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.errors import ConfigError
from hub.privacy.aggregates import (
    MIN_COUNT,
    Aggregate,
    Counted,
    WeekState,
    aggregate,
    aggregate_events,
    cell_of,
    countable,
    iso_week,
    plan_week,
    week_bounds,
)
from hub.privacy.keys import DomainKeys, KeyRing, SecretKey, demo_keyring
from hub.privacy.policy import DOMAINS, default_policy
from hub.privacy.pseudonym import field_keys
from hub.privacy.transform import TransformContext, for_domain, snap_to_grid
from hub.privacy.vault import vault_entries
from hub.schemas import CloudEvent, Incident, example_payload, wrap

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
    """Five unsafe-place reports counted under SAFETY by a publication before the split, and still there: no figure
    of theirs fell below the threshold, so nothing is retracted, and nothing is counted again."""
    shares = [_share("SAFETY/UNSAFE_PLACE") for _ in range(5)]
    incidents, cells = countable(shares, WEEK)
    before = {k: Counted(i.incident, "SAFETY", i.cell) for k, i in incidents.items()}
    first = plan_week(before, cells, WEEK, WeekState())
    assert [a.counts for a in first.tables] == [{"SAFETY": 5}, {"SAFETY": 5}]
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
    assert [k for k, _ in first] == [aggs[0].cell.encode() if aggs[0].cell else b"", b"city"]
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
