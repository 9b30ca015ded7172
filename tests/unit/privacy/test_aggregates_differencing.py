"""The differencing attack on the aggregates (issue 12, item 7): a consumer keeps every message it ever received of a
week, published again and again as incidents arrive, are cancelled or change, and combines all the figures (tables,
corrections, city totals) linearly. No count below the threshold that the hub suppressed may come out of it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.privacy.aggregates import MIN_COUNT, Aggregate, Cell, Counted, WeekState, cell_of, plan_week, table
from tests.helpers.differencing import Figure, recoverable

WEEK = "2026-W47"
_CELLS = [cell_of(51.48 + 0.006 * n, 11.97) for n in range(3)]
CELLS: Mapping[str, Cell] = {c.id: c for c in _CELLS}
AREAS: tuple[str | None, ...] = (*CELLS, None)  # None: an incident on no cell (no position, victim-sensitive)
CATEGORIES = ("CRIME", "SAFETY")


def _members(items: Iterable[Counted], area: str, category: str) -> Figure:
    return frozenset(i.incident for i in items if i.category == category and area in ("city", i.cell))


def _figures(tables: Sequence[Aggregate], counted: Iterable[Counted]) -> list[tuple[int, Figure]]:
    """Every number in ``tables`` with the set of incidents it counts (each checked against its number)."""
    items = list(counted)
    out = []
    for agg in tables:
        for category, n in agg.counts.items():
            members = _members(items, agg.cell or "city", category)
            assert len(members) == n, f"{agg.cell or 'city'} {category}: published {n}, counts {len(members)}"
            out.append((n, members))
    return out


def _small(incidents: Mapping[str, Counted]) -> list[Figure]:
    """The counts the hub must keep secret right now: every cell and city-wide category with 1..k-1 incidents."""
    items = list(incidents.values())
    secrets = []
    for area in [*CELLS, "city"]:
        for category in CATEGORIES:
            members = _members(items, area, category)
            if 0 < len(members) < MIN_COUNT:
                secrets.append(members)
    return secrets


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
            case ("arrive", area, category):
                self.arrived += 1
                key = f"i{self.arrived}"
                self.incidents[key] = Counted(key, str(category), area if isinstance(area, str) else None)
            case ("cancel", pick):
                if self.incidents:
                    del self.incidents[sorted(self.incidents)[int(str(pick)) % len(self.incidents)]]
            case ("change", pick, area, category):
                if self.incidents:
                    key = sorted(self.incidents)[int(str(pick)) % len(self.incidents)]
                    self.incidents[key] = Counted(key, str(category), area if isinstance(area, str) else None)
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
_OPS = st.lists(
    st.one_of(
        st.tuples(st.just("arrive"), _AREA, _CATEGORY),
        st.tuples(st.just("arrive"), _AREA, _CATEGORY),
        st.tuples(st.just("arrive"), _AREA, _CATEGORY),
        st.tuples(st.just("cancel"), st.integers(0, 10_000)),
        st.tuples(st.just("change"), st.integers(0, 10_000), _AREA, _CATEGORY),
        st.tuples(st.just("publish")),
    ),
    min_size=1,
    max_size=150,
)


@settings(max_examples=300, deadline=None)
@given(_OPS)
def test_no_suppressed_count_can_be_differenced_out(ops: list[tuple[object, ...]]) -> None:
    """Whatever the order of arrivals, cancellations, changes and publications, no count the hub kept back (a cell's
    or a city-wide category's 1..4 incidents at any publication) is a linear combination of what it published."""
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
        world.apply(("arrive", cell, "CRIME"))
    for _ in range(10):
        world.apply(("arrive", other, "CRIME"))
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
        world.apply(("arrive", cell, "CRIME"))
    world.publish()
    for _ in range(3):
        world.apply(("arrive", cell, "CRIME"))
    plan = plan_week(world.incidents, CELLS, WEEK, world.state)
    assert (plan.tables, plan.held_back) == ((), 3)
    world.publish()
    for _ in range(2):
        world.apply(("arrive", cell, "CRIME"))
    world.publish()
    tables = [a for a in world.state.published if not a.retracted]
    assert [(a.revision, a.area, a.counts) for a in tables] == [
        (0, "cell", {"CRIME": 6}),
        (0, "city", {"CRIME": 6}),
        (1, "cell", {"CRIME": 5}),
        (1, "city", {"CRIME": 5}),
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
