"""The differencing attack on the aggregates (issue 12, item 7): a consumer keeps every message it ever received of a
week, published again and again as incidents arrive, are cancelled or change, and combines all the figures (tables,
corrections, city totals, hour-of-week bands) linearly. No count below the threshold that the hub kept back may come
out of it: not a cell's, a band's or the city's, nor the incidents of one cell in one band (bands and cells are two
partitions of the same incidents; issue 16)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.privacy import aggregates as aggregates_module
from hub.privacy.aggregates import (
    MIN_COUNT,
    Aggregate,
    Cell,
    Counted,
    WeekState,
    area_key,
    cell_of,
    plan_week,
    table,
)
from tests.helpers.differencing import Figure, recoverable, small_groups

WEEK = "2026-W47"
_CELLS = [cell_of(51.48 + 0.006 * n, 11.97) for n in range(3)]
CELLS: Mapping[str, Cell] = {c.id: c for c in _CELLS}
AREAS: tuple[str | None, ...] = (*CELLS, None)  # None: an incident on no cell (no position, victim-sensitive)
BANDS: tuple[str | None, ...] = ("weekday:20-24", "weekend:00-04", "weekday:08-12", None)  # None: victim-sensitive
CATEGORIES = ("CRIME", "SAFETY")
NIGHT, WEEKEND, MORNING = "weekday:20-24", "weekend:00-04", "weekday:08-12"


def _incident(key: str, area: object, category: object, band: object) -> Counted:
    """An incident of the world: a victim-sensitive one (no band) is on no cell either."""
    if band is None:
        return Counted(key, str(category), None, None)
    return Counted(key, str(category), area if isinstance(area, str) else None, str(band))


def _members(items: Iterable[Counted], area: str, category: str) -> Figure:
    """The incidents a figure of ``area`` (a cell, ``city`` or ``band:<band>``) and ``category`` counts."""
    if area.startswith("band:"):
        band = area.removeprefix("band:")
        return frozenset(i.incident for i in items if i.category == category and i.band == band)
    return frozenset(i.incident for i in items if i.category == category and area in ("city", i.cell))


def _figures(tables: Sequence[Aggregate], counted: Iterable[Counted]) -> list[tuple[int, Figure]]:
    """Every number in ``tables`` with the set of incidents it counts (each checked against its number)."""
    items = list(counted)
    out = []
    for agg in tables:
        for category, n in agg.counts.items():
            members = _members(items, area_key(agg), category)
            assert len(members) == n, f"{area_key(agg)} {category}: published {n}, counts {len(members)}"
            out.append((n, members))
    return out


def _small(incidents: Mapping[str, Counted]) -> list[Figure]:
    """The counts the hub must keep secret right now: every cell's, band's and city-wide category's with 1..k-1
    incidents, and every cell's (or the incidents on no cell) within one band (``small_groups``)."""
    return small_groups(incidents.values(), MIN_COUNT)


@dataclass
class World:
    """The incidents of one week as they are now, and what a consumer has received so far."""

    incidents: dict[str, Counted] = field(default_factory=dict)
    arrived: int = 0
    state: WeekState = field(default_factory=WeekState)
    published: list[Figure] = field(default_factory=list)
    secrets: list[Figure] = field(default_factory=list)

    def apply(self, op: tuple[object, ...]) -> None:
        match op:
            case ("arrive", area, category, band):
                self.arrived += 1
                key = f"i{self.arrived}"
                self.incidents[key] = _incident(key, area, category, band)
            case ("arrive", area, category, band, many):  # a batch: a busy cell at one hour of the week
                for _ in range(int(str(many))):
                    self.apply(("arrive", area, category, band))
            case ("cancel", pick):
                if self.incidents:
                    del self.incidents[sorted(self.incidents)[int(str(pick)) % len(self.incidents)]]
            case ("change", pick, area, category, band):  # reclassified, moved, or its hour corrected
                if self.incidents:
                    key = sorted(self.incidents)[int(str(pick)) % len(self.incidents)]
                    self.incidents[key] = _incident(key, area, category, band)
            case ("publish",):
                self.publish()

    def publish(self) -> None:
        """One run of the publisher: the consumer gets its messages; the secrets of this moment are noted."""
        plan = plan_week(self.incidents, CELLS, WEEK, self.state)
        for agg in plan.messages:
            assert all(n >= MIN_COUNT for n in agg.counts.values()), "a published count below the threshold"
        self.published += [f for _, f in _figures(plan.tables, [item for _, item in plan.counted])]
        counted = dict(self.state.counted)
        for revision, item in plan.counted:
            assert item.incident not in counted, "an incident counted in two tables of one week"
            counted[item.incident] = (revision, item)
        self.state = WeekState(self.state.published + plan.messages, counted)
        self.secrets += _small(self.incidents)


_AREA = st.sampled_from(AREAS)
_CATEGORY = st.sampled_from(CATEGORIES)
_BAND = st.sampled_from(BANDS)
_OPS = st.lists(
    st.one_of(
        st.tuples(st.just("arrive"), _AREA, _CATEGORY, _BAND),
        st.tuples(st.just("arrive"), _AREA, _CATEGORY, _BAND),
        st.tuples(st.just("arrive"), _AREA, _CATEGORY, _BAND, st.integers(2, 6)),
        st.tuples(st.just("cancel"), st.integers(0, 10_000)),
        st.tuples(st.just("change"), st.integers(0, 10_000), _AREA, _CATEGORY, _BAND),
        st.tuples(st.just("publish")),
    ),
    min_size=1,
    max_size=150,
)


@settings(max_examples=300, deadline=None)
@given(_OPS)
def test_no_suppressed_count_can_be_differenced_out(ops: list[tuple[object, ...]]) -> None:
    """Whatever the order of arrivals, cancellations, changes and publications, no count the hub kept back (a cell's,
    a band's or a city-wide category's 1..4 incidents at any publication, or a cell's within one band) is a linear
    combination of what it published: cells, bands and city totals of every table together."""
    world = World()
    for op in [*ops, ("publish",)]:
        world.apply(op)
    assert recoverable(world.published, world.secrets) == []


def test_the_attacker_finds_the_issue_example_on_a_publisher_that_republishes() -> None:
    """The detector has teeth: republishing the whole week (the old publisher, even with the complement rule) after
    one of five incidents in a cell is cancelled gives the cell's 4 away through the city total."""
    cell, other = list(CELLS)[:2]
    incidents = {f"a{n}": Counted(f"a{n}", "CRIME", cell) for n in range(5)}
    incidents |= {f"b{n}": Counted(f"b{n}", "CRIME", other) for n in range(10)}
    first = _figures(table(incidents.values(), CELLS, WEEK), incidents.values())
    del incidents["a0"]
    second = _figures(table(incidents.values(), CELLS, WEEK), incidents.values())
    secrets = _small(incidents)
    assert [len(s) for s in secrets] == [4]
    assert recoverable([f for _, f in first + second], secrets) == secrets


def test_the_frozen_week_withstands_the_issue_example() -> None:
    """The same story on the hub's publisher: the week stays as first published, the cell is retracted (no number)
    and the city total is not published again, so the 4 cannot be recovered."""
    cell, other = list(CELLS)[:2]
    world = World()
    for _ in range(5):
        world.apply(("arrive", cell, "CRIME", NIGHT))
    for _ in range(10):
        world.apply(("arrive", other, "CRIME", NIGHT))
    world.publish()
    world.apply(("cancel", 0))
    world.publish()
    retracted = [a for a in world.state.published if a.retracted]
    assert [(a.cell, a.retracted, a.revision) for a in retracted] == [(cell, ["CRIME"], 0)]
    assert [len(s) for s in world.secrets] == [4]
    assert recoverable(world.published, world.secrets) == []


def test_late_arrivals_are_a_correction_once_it_shows_a_count() -> None:
    """Three late incidents wait (their table would show nothing); with two more they are published as revision 1,
    counting only those five, never the frozen figures again."""
    cell = next(iter(CELLS))
    world = World()
    for _ in range(6):
        world.apply(("arrive", cell, "CRIME", NIGHT))
    world.publish()
    for _ in range(3):
        world.apply(("arrive", cell, "CRIME", NIGHT))
    plan = plan_week(world.incidents, CELLS, WEEK, world.state)
    assert (plan.tables, plan.held_back) == ((), 3)
    world.publish()
    for _ in range(2):
        world.apply(("arrive", cell, "CRIME", NIGHT))
    world.publish()
    tables = [a for a in world.state.published if not a.retracted]
    assert [(a.revision, a.area, a.counts) for a in tables] == [
        (0, "cell", {"CRIME": 6}),
        (0, "city", {"CRIME": 6}),
        (0, "band", {"CRIME": 6}),
        (1, "cell", {"CRIME": 5}),
        (1, "city", {"CRIME": 5}),
        (1, "band", {"CRIME": 5}),  # the correction's own band row
    ]


def test_complement_rule_hides_a_second_cell() -> None:
    """City-wide 17 crimes: 10 and 5 on two cells, 2 on a third. Publishing both cells would leave 2 as the
    difference, so the smaller published cell is suppressed too and 7 remain unplaced."""
    a, b, c = list(CELLS)
    items = [Counted(f"x{n}", "CRIME", a) for n in range(10)]
    items += [Counted(f"y{n}", "CRIME", b) for n in range(5)]
    items += [Counted(f"z{n}", "CRIME", c) for n in range(2)]
    aggs = table(items, CELLS, WEEK)
    assert [(x.cell, x.counts) for x in aggs] == [(a, {"CRIME": 10}), (None, {"CRIME": 17})]


def _three_cells(night_c: int, morning_c: int) -> list[Counted]:
    """Cell a: 5 at night; cell b: 5 in the morning; cell c: ``night_c`` at night and ``morning_c`` in the morning."""
    a, b, c = list(CELLS)
    items = [Counted(f"a{n}", "CRIME", a, NIGHT) for n in range(5)]
    items += [Counted(f"b{n}", "CRIME", b, MORNING) for n in range(5)]
    items += [Counted(f"c{n}", "CRIME", c, NIGHT) for n in range(night_c)]
    items += [Counted(f"d{n}", "CRIME", c, MORNING) for n in range(morning_c)]
    return items


def _no_isolation_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(aggregates_module, "_no_isolating_band", lambda *args: None)


def test_bands_minus_cells_would_isolate_a_cells_night_without_the_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/hotspots.md's warning: cell a's 5 all at night, b's 5 all in the morning, c's 3 at night and 2 in the
    morning. Threshold and complement rule alone publish both bands (8 and 7), and night minus cell a is cell c's 3
    at night (morning minus cell b its 2 in the morning). The attacker finds them; the hub's table holds the bands
    back instead and leaves the cells as they were."""
    items = _three_cells(3, 2)
    secrets = small_groups(items, MIN_COUNT)
    night_c, morning_c = frozenset(f"c{n}" for n in range(3)), frozenset(f"d{n}" for n in range(2))
    assert {night_c, morning_c} <= set(secrets)
    with monkeypatch.context() as patched:
        _no_isolation_rule(patched)
        naive = table(items, CELLS, WEEK)
    assert sorted((a.band, a.counts["CRIME"]) for a in naive if a.area == "band") == [(MORNING, 7), (NIGHT, 8)]
    # night - a = c's 3 at night; morning - b = c's 2 in the morning
    assert set(recoverable([f for _, f in _figures(naive, items)], secrets)) == {night_c, morning_c}
    aggs = table(items, CELLS, WEEK)
    assert [a for a in aggs if a.area == "band"] == []
    assert [(a.area, a.counts) for a in aggs if a.area != "band"] == [(a.area, a.counts) for a in naive[:4]]
    assert recoverable([f for _, f in _figures(aggs, items)], secrets) == []


def test_bands_would_give_a_kept_back_cell_away_without_the_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cell a's 5 at night, cell c's 3 at night (kept back: below 5), 3 without a position and cell b's 5 in the
    morning: every band and the complement pass (night 8, morning 8; 6 on no published cell), yet night minus cell
    a is cell c's kept-back 3."""
    a, b, c = list(CELLS)
    items = [Counted(f"a{n}", "CRIME", a, NIGHT) for n in range(5)]
    items += [Counted(f"c{n}", "CRIME", c, NIGHT) for n in range(3)]
    items += [Counted(f"u{n}", "CRIME", None, MORNING) for n in range(3)]
    items += [Counted(f"b{n}", "CRIME", b, MORNING) for n in range(5)]
    kept_back = frozenset(f"c{n}" for n in range(3))
    with monkeypatch.context() as patched:
        _no_isolation_rule(patched)
        naive = table(items, CELLS, WEEK)
    assert recoverable([f for _, f in _figures(naive, items)], [kept_back]) == [kept_back]
    aggs = table(items, CELLS, WEEK)
    assert recoverable([f for _, f in _figures(aggs, items)], small_groups(items, MIN_COUNT)) == []
    assert {x.cell for x in aggs if x.area == "cell"} == {a, b}  # the cells are not touched for the bands' sake


def test_bands_that_isolate_nothing_are_published() -> None:
    """The same three cells with cell c's 5 and 5: every combination counts 5 or more, so both bands stand."""
    aggs = table(_three_cells(5, 5), CELLS, WEEK)
    assert sorted((a.band, a.counts) for a in aggs if a.area == "band") == [
        (MORNING, {"CRIME": 10}),
        (NIGHT, {"CRIME": 10}),
    ]


def test_a_corrected_hour_retracts_the_band_it_left() -> None:
    """Five incidents at night published (revision 0); one's hour is corrected to the morning: the night band now
    counts 4 and is retracted, keyed by its revision and band; the cell and the city keep their figures (the
    incident is still in the cell and the week), and the morning gets no figure."""
    cell = next(iter(CELLS))
    world = World()
    for _ in range(5):
        world.apply(("arrive", cell, "CRIME", NIGHT))
    world.publish()
    world.apply(("change", 0, cell, "CRIME", MORNING))
    plan = plan_week(world.incidents, CELLS, WEEK, world.state)
    assert plan.tables == ()
    assert [(a.area, a.band, a.revision, a.retracted, a.counts) for a in plan.retractions] == [
        ("band", NIGHT, 0, ["CRIME"], {})
    ]
    world.publish()
    assert recoverable(world.published, world.secrets) == []
    again = plan_week(world.incidents, CELLS, WEEK, world.state)
    assert again.retractions == ()  # retracted once
