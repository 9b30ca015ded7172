"""Published aggregates for the report tests: incidents of several weeks on a few cells of Halle's grid and in the
hour-of-week bands (evenings and weekend nights busier), published week by week with the real planner
(``plan_week``), with the incidents each published figure counts."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from hub.privacy.aggregates import BANDS, Aggregate, Cell, Counted, WeekState, area_key, cell_of, plan_week

WEEKS = ("2026-W44", "2026-W45", "2026-W46", "2026-W47")
MARKT = (51.48277, 11.96934)
#: A block of cells around the Marktplatz (busy: a hot spot), a few cells elsewhere (quiet).
HOT = [cell_of(MARKT[0] + 0.0045 * dr, MARKT[1] + 0.0072 * dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1)]
QUIET = [cell_of(lat, lon) for lat in (51.455, 51.51) for lon in (11.925, 12.01)]  # 3 km away
CELLS: Mapping[str, Cell] = {c.id: c for c in [*HOT, *QUIET]}
CATEGORIES = ("CRIME", "PUBLIC_ORDER", "SAFETY/UNSAFE_PLACE", "TECHNICAL/LIGHTING")
#: How likely each band of ``BANDS`` is: weekday afternoons and evenings, weekend nights.
BAND_WEIGHTS = (1, 1, 3, 4, 6, 5, 4, 1, 1, 2, 3, 5)


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
    hours = random.Random(seed + 1_000)  # apart, so the cells' counts are what they were before bands

    def band() -> str:
        return hours.choices(BANDS, BAND_WEIGHTS)[0]

    scene = Scene()
    for week in weeks:
        incidents: dict[str, Counted] = {}
        for cell in CELLS.values():
            busy = cell in HOT
            for category in CATEGORIES:
                for _ in range(rng.randint(3, 14) if busy else rng.randint(0, 6)):
                    key = f"{week}-{len(incidents)}"
                    incidents[key] = Counted(key, category, cell.id, band())
        for n in range(rng.randint(1, 4)):  # city-wide only: victim-sensitive (in no band) or without a position
            key = f"{week}-city{n}"
            incidents[key] = Counted(key, "CRIME", None, band() if n % 2 else None)
        plan = plan_week(incidents, CELLS, week, WeekState())
        scene.messages.extend(plan.messages)
        scene.incidents[week] = incidents
        for agg in plan.tables:
            area = area_key(agg)
            for category in agg.counts:
                scene.members[(week, area, agg.revision, category)] = frozenset(
                    i.incident
                    for _, i in plan.counted
                    if i.category == category
                    and (area == "city" or i.cell == area or (agg.band is not None and i.band == agg.band))
                )
    return scene
