"""Published aggregates for the report tests: incidents of several weeks on a few cells of Halle's grid, published
week by week with the real planner (``plan_week``), with the incidents each published figure counts."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from hub.privacy.aggregates import Aggregate, Cell, Counted, WeekState, cell_of, plan_week

WEEKS = ("2026-W44", "2026-W45", "2026-W46", "2026-W47")
MARKT = (51.48277, 11.96934)
#: A block of cells around the Marktplatz (busy: a hot spot), a few cells elsewhere (quiet).
HOT = [cell_of(MARKT[0] + 0.0045 * dr, MARKT[1] + 0.0072 * dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1)]
QUIET = [cell_of(lat, lon) for lat in (51.455, 51.51) for lon in (11.925, 12.01)]  # 3 km away
CELLS: Mapping[str, Cell] = {c.id: c for c in [*HOT, *QUIET]}
CATEGORIES = ("CRIME", "PUBLIC_ORDER", "SAFETY/UNSAFE_PLACE", "TECHNICAL/LIGHTING")


@dataclass
class Scene:
    """What was published of each week, and which incidents each published figure counts."""

    messages: list[Aggregate] = field(default_factory=list)
    members: dict[tuple[str, str, int, str], frozenset[str]] = field(default_factory=dict)
    incidents: dict[str, dict[str, Counted]] = field(default_factory=dict)  # week -> incidents

    def figure_members(self, week: str, area: str, revision: int, category: str) -> frozenset[str]:
        return self.members[(week, area, revision, category)]


def build(seed: int = 1, weeks: Sequence[str] = WEEKS) -> Scene:
    """Random counts per week, cell and category (many below the threshold), published by the real planner."""
    rng = random.Random(seed)
    scene = Scene()
    for week in weeks:
        incidents: dict[str, Counted] = {}
        for cell in CELLS.values():
            busy = cell in HOT
            for category in CATEGORIES:
                for _ in range(rng.randint(3, 14) if busy else rng.randint(0, 6)):
                    key = f"{week}-{len(incidents)}"
                    incidents[key] = Counted(key, category, cell.id)
        for n in range(rng.randint(1, 4)):  # victim-sensitive or without position: city-wide only
            incidents[f"{week}-city{n}"] = Counted(f"{week}-city{n}", "CRIME", None)
        plan = plan_week(incidents, CELLS, week, WeekState())
        scene.messages.extend(plan.messages)
        scene.incidents[week] = incidents
        for agg in plan.tables:
            area = agg.cell or "city"
            for category in agg.counts:
                scene.members[(week, area, agg.revision, category)] = frozenset(
                    i.incident for _, i in plan.counted if i.category == category and (area == "city" or i.cell == area)
                )
    return scene
