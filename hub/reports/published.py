"""What the prevention domain received, as figures: every published count of ``share.praevention.aggregates`` (one
week, one cell, the city or an hour-of-week band, one revision, one category) that no retraction withdrew. The
reports add these figures and nothing else, so every number they show is a sum of published numbers and none can be
differenced into a count the aggregator kept back (docs/hotspots.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from hub.errors import ConfigError
from hub.privacy.aggregates import Aggregate, Cell, area_key, iso_week, week_bounds

__all__ = ["Figure", "Period", "Published", "parse_week", "published", "weeks_before"]

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_BAND = "band:"


@dataclass(frozen=True, order=True)
class Figure:
    """One published number: ``count`` incidents of ``category`` in ``area`` (a cell id, ``city``, or
    ``band:<band>`` for an hour-of-week band city-wide) in ``week``, in table ``revision`` (0 the frozen week, 1.. its
    corrections)."""

    week: str
    area: str
    revision: int
    category: str
    count: int

    @property
    def band(self) -> str | None:
        """The hour-of-week band of a band figure (``hub.privacy.aggregates.BANDS``), else None."""
        return self.area.removeprefix(_BAND) if self.area.startswith(_BAND) else None

    @property
    def on_cell(self) -> bool:
        return self.area != "city" and not self.area.startswith(_BAND)


@dataclass(frozen=True)
class Published:
    """The standing figures of some weeks and the centres of the cells they name."""

    figures: tuple[Figure, ...]
    cells: dict[str, Cell]
    suppressed: dict[str, tuple[str, ...]]  # week -> city-wide categories published as "fewer than the threshold"

    def cell_figures(self, weeks: Iterable[str], categories: Iterable[str]) -> dict[str, list[Figure]]:
        """Per cell, its figures of ``weeks`` and ``categories``."""
        wanted_weeks, wanted = set(weeks), set(categories)
        out: dict[str, list[Figure]] = {}
        for figure in self.figures:
            if figure.on_cell and figure.week in wanted_weeks and figure.category in wanted:
                out.setdefault(figure.area, []).append(figure)
        return out

    def band_figures(self, weeks: Iterable[str], categories: Iterable[str]) -> dict[str, list[Figure]]:
        """Per hour-of-week band (``BANDS``), its city-wide figures of ``weeks`` and ``categories``."""
        wanted_weeks, wanted = set(weeks), set(categories)
        out: dict[str, list[Figure]] = {}
        for figure in self.figures:
            band = figure.band
            if band is not None and figure.week in wanted_weeks and figure.category in wanted:
                out.setdefault(band, []).append(figure)
        return out

    def categories(self) -> list[str]:
        return sorted({f.category for f in self.figures})


def published(messages: Iterable[Aggregate]) -> Published:
    """The figures of ``messages`` (tables and retractions of any weeks, in any order) that still stand: a figure
    is withdrawn by a retraction naming its week, area, revision and category. Counts below their table's
    ``min_count`` are never published; one found anyway is refused, not shown."""
    tables: list[Aggregate] = []
    withdrawn: set[tuple[str, str, int, str]] = set()
    for message in messages:
        if message.retracted:
            area = area_key(message)
            withdrawn.update((message.week, area, message.revision, cat) for cat in message.retracted)
        else:
            tables.append(message)
    figures: set[Figure] = set()
    cells: dict[str, Cell] = {}
    suppressed: dict[str, set[str]] = {}
    for table in tables:
        area = area_key(table)
        suppressed.setdefault(table.week, set()).update(table.suppressed)
        if table.cell is not None:
            if table.lat is None or table.lon is None:
                raise ConfigError(f"published cell {table.cell} of {table.week} has no centre")
            cells[table.cell] = Cell(table.cell, table.lat, table.lon)
        for category, count in table.counts.items():
            if count < table.min_count:
                raise ConfigError(
                    f"{table.week} {area} {category}: {count} is below the threshold {table.min_count}; "
                    "such a figure is never published, so this input is not what the prevention domain received"
                )
            if (table.week, area, table.revision, category) not in withdrawn:
                figures.add(Figure(table.week, area, table.revision, category, count))
    return Published(tuple(sorted(figures)), cells, {w: tuple(sorted(c)) for w, c in suppressed.items()})


@dataclass(frozen=True)
class Period:
    """Whole ISO weeks, first to last (Halle's calendar weeks, as the aggregates are published)."""

    weeks: tuple[str, ...]

    @classmethod
    def between(cls, first: str, last: str) -> Period:
        start, _ = week_bounds(first)
        end, _ = week_bounds(last)
        if end < start:
            raise ConfigError(f"the period ends ({last}) before it starts ({first})")
        weeks = []
        day = start.date()
        while day <= end.date():
            weeks.append(_week_of(day))
            day += timedelta(days=7)
        return cls(tuple(weeks))

    @property
    def first(self) -> str:
        return self.weeks[0]

    @property
    def last(self) -> str:
        return self.weeks[-1]

    def previous(self) -> Period:
        """The period of equal length just before this one."""
        start, _ = week_bounds(self.first)
        day = start.date() - timedelta(days=7 * len(self.weeks))
        return Period(tuple(_week_of(day + timedelta(days=7 * n)) for n in range(len(self.weeks))))

    def label(self) -> str:
        return self.first if len(self.weeks) == 1 else f"{self.first} to {self.last}"


def parse_week(text: str) -> str:
    """An ISO week (``2026-W47``) as given, or the week holding a date (``2026-11-18``): reports use whole weeks."""
    if _DATE_RE.match(text):
        try:
            return _week_of(date.fromisoformat(text))
        except ValueError as exc:
            raise ConfigError(f"{text!r} is not a date: {exc}") from None
    week_bounds(text)  # refuses anything else, saying how a week is written
    return text


def _week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def weeks_before(week: str, count: int) -> Sequence[str]:
    """The ``count`` weeks before ``week``, oldest first."""
    start, _ = week_bounds(week)
    return [iso_week(start - timedelta(days=7 * n)) for n in range(count, 0, -1)]
