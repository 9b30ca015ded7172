"""Hot cells, place reports and patrol planning from published aggregates: the pure core of ``hub report``.

Input is what the prevention domain received (``hub.reports.published``), never an incident. Hot cells are the
cells whose Getis-Ord Gi* z-score (PySAL ``esda``, binary weights, the cell itself included) is significantly
positive after Benjamini-Hochberg correction over all cells of the study area and that have a published figure
themselves (a cell with none only borders a hot spot); neighbours are the cells whose centres lie within
``NEIGHBOUR_BAND_M`` (on the fixed 500 m grid: the eight around it, queen contiguity). A cell without a published
figure counts 0: it had fewer than the threshold in every week, or none (docs/hotspots.md).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from hub.errors import ConfigError
from hub.network.tram import haversine_m
from hub.privacy.aggregates import BAND_HOURS, BANDS, GRID_M, MIN_COUNT, PLACE_REPORT_CODES, Cell, cell_of, week_bounds
from hub.reports.published import Figure, Period, Published, weeks_before
from hub.schemas.codes import INCIDENT_TOP_LEVELS

__all__ = [
    "ALPHA",
    "NEIGHBOUR_BAND_M",
    "PATROL_BANDS",
    "PATROL_LOOKBACK_WEEKS",
    "PATROL_REPORTS",
    "PLACE_REPORTS",
    "BandCount",
    "CellResult",
    "HotCells",
    "HotspotReport",
    "PatrolCell",
    "Place",
    "PlaceCount",
    "PlannedEvent",
    "WeekRow",
    "band_label",
    "band_profile",
    "build_report",
    "gi_star",
    "hot_cells",
    "incident_categories",
    "neighbours",
    "patrol_plan",
    "study_area",
]

ALPHA = 0.05
"""Significance level of a hot cell, on Benjamini-Hochberg adjusted p-values (false discovery rate 5 %)."""

NEIGHBOUR_BAND_M = 800.0
"""Cells whose centres are at most this far apart are neighbours: on the 500 m grid the eight cells around one
(diagonal ~707 m; columns of adjacent rows are offset by under 100 m), never a cell two steps away (1000 m)."""

PATROL_LOOKBACK_WEEKS = 4
"""Patrol planning for a week looks at the published weeks just before it."""

PLACE_REPORTS: Mapping[str, str] = {
    "SAFETY/UNSAFE_PLACE": "Angsträume / unsafe places: residents' reports (Open311) of places they feel unsafe at",
    "TECHNICAL/LIGHTING": "Beleuchtung / lighting: residents' reports (Open311) of broken street or stop lighting",
}
"""The published categories that are residents' reports about a place, not incidents
(``hub.privacy.aggregates.PLACE_REPORT_CODES``): shown beside the hot cells, never in them."""

PATROL_REPORTS = ("SAFETY/UNSAFE_PLACE",)
"""The place reports that call for presence (unsafe places); broken lighting calls for a repair, not a patrol."""

PATROL_BANDS = 2
"""The patrol plan names this many hour-of-week bands per cell: the busiest of the city-wide profile."""

_NEAR_PLACE_M = 600.0


@dataclass(frozen=True)
class Place:
    """A named point to call a cell by (a tram stop): readers know "Marktplatz", not ``500m:11437:1662``."""

    name: str
    lat: float
    lon: float


@dataclass(frozen=True)
class PlannedEvent:
    """A planned event (concert, market) that needs presence: where and when, its size, and a title where the
    reader may see one. ``hub report`` reads them as the analytics domain may (``hub.reports.planned``): no title,
    the position on the 250 m grid, the hours."""

    title: str | None  # None: withheld (the policy gives analytics no text of an event)
    lat: float
    lon: float
    start: datetime
    end: datetime
    attendance: int | None = None  # people expected, where the organiser said

    @property
    def cell(self) -> str:
        return cell_of(self.lat, self.lon).id

    @property
    def label(self) -> str:
        """The title, or (withheld) "event" with its size: what the report and the patrol plan name it by."""
        if self.title is not None:
            return self.title
        size = f", ~{self.attendance:,} expected / erwartet" if self.attendance is not None else ""
        return f"Veranstaltung / event{size}"


def incident_categories(published: Published) -> list[str]:
    """The published categories that are incidents, not residents' reports about places."""
    return [c for c in published.categories() if c not in PLACE_REPORTS]


def study_area(
    points: Iterable[tuple[float, float]], extra: Iterable[Cell] = (), margin_m: float = GRID_M
) -> list[Cell]:
    """Every grid cell of the box around ``points`` (the tram stops) widened by ``margin_m``, and the ``extra``
    cells (every published cell, so none is left out). Fixed geography: the cells are the published grid's."""
    pts = list(points)
    if not pts:
        raise ConfigError("the study area needs at least one point")
    lats = [p[0] for p in pts]
    lons = [p[1] for p in pts]
    d_lat = margin_m / 111_320.0
    d_lon = margin_m / (111_320.0 * math.cos(math.radians(sum(lats) / len(lats))))
    south, north = min(lats) - d_lat, max(lats) + d_lat
    west, east = min(lons) - d_lon, max(lons) + d_lon
    step_lat, step_lon = d_lat * GRID_M / margin_m / 3, d_lon * GRID_M / margin_m / 3  # a third of a cell
    cells: dict[str, Cell] = {}
    lat = south
    while lat <= north:
        lon = west
        while lon <= east:
            cell = cell_of(lat, lon)
            cells[cell.id] = cell
            lon += step_lon
        lat += step_lat
    for cell in extra:
        cells[cell.id] = cell
    return [cells[key] for key in sorted(cells)]


def _row(cell: Cell) -> int:
    return int(cell.id.split(":")[1])


def neighbours(cells: Sequence[Cell], band_m: float = NEIGHBOUR_BAND_M) -> dict[int, list[int]]:
    """Index -> indices of the other cells whose centres are within ``band_m``. Only the rows next to a cell's own
    are compared, so the band must stay under two cells."""
    if band_m >= 2 * GRID_M:
        raise ConfigError(f"a neighbour band of {band_m} m would reach past the adjacent rows of the {GRID_M} m grid")
    by_row: dict[int, list[int]] = {}
    for n, cell in enumerate(cells):
        by_row.setdefault(_row(cell), []).append(n)
    out: dict[int, list[int]] = {n: [] for n in range(len(cells))}
    for n, cell in enumerate(cells):
        row = _row(cell)
        for other_row in (row - 1, row, row + 1):
            for m in by_row.get(other_row, ()):
                if m != n and haversine_m(cell.lat, cell.lon, cells[m].lat, cells[m].lon) <= band_m:
                    out[n].append(m)
    return out


def gi_star(values: Sequence[float], adjacency: Mapping[int, Sequence[int]]) -> list[float]:
    """Getis-Ord Gi* z-scores (esda ``G_Local``, ``star=True``, binary weights, analytic variance, no permutation)
    of ``values`` over cells ``0..n-1`` with ``adjacency``. NaN where the variance is 0 (a cell neighbouring every
    other, or all values equal)."""
    # Imported here: esda and libpysal take seconds to import (pandas, scikit-learn), and every `hub` command,
    # each worker's start among them, builds the parser that names this module.
    from esda.getisord import G_Local
    from libpysal.weights import W

    y = np.asarray(values, dtype=float)
    if y.size == 0 or not np.any(y):
        return [0.0] * int(y.size)
    with warnings.catch_warnings():
        # libpysal warns of islands and disconnected parts (published cells outside the box): Gi* handles them.
        warnings.simplefilter("ignore", UserWarning)
        weights = W({n: list(adjacency.get(n, ())) for n in range(y.size)}, silence_warnings=True)
        result = G_Local(y, weights, transform="B", star=True, permutations=0)
    return [float(z) for z in np.asarray(result.Zs, dtype=float)]


@dataclass(frozen=True)
class CellResult:
    """One cell of the study area: its published incidents this period and the previous one (the figures summed),
    its Gi* z-score and the BH-adjusted q-value of its two-sided p-value, whether it is hot now and was before, and
    the nearest place's name (only for a cell with a figure: nobody reads the others' names)."""

    cell: Cell
    place: str
    count: int
    previous: int
    figures: tuple[Figure, ...]
    previous_figures: tuple[Figure, ...]
    z: float
    q: float
    hot: bool
    was_hot: bool
    exposure: float | None = None  # passengers or footfall in the period, where a file gave them

    @property
    def rate(self) -> float | None:
        """Incidents per 10,000 passengers (or visitors) in the period."""
        if self.exposure is None or self.exposure <= 0:
            return None
        return self.count / self.exposure * 10_000

    @property
    def trend(self) -> str:
        if self.hot and not self.was_hot:
            return "new"
        if self.hot:
            return "still"
        if self.was_hot:
            return "cooled"
        return ""


@dataclass(frozen=True)
class HotCells:
    """Gi* over every cell of the study area for one period, and the same for the previous period."""

    categories: tuple[str, ...]
    cells: tuple[CellResult, ...]
    alpha: float = ALPHA
    band_m: float = NEIGHBOUR_BAND_M

    @property
    def hot(self) -> list[CellResult]:
        return sorted((c for c in self.cells if c.hot), key=lambda c: (-c.z, c.cell.id))

    def top(self, n: int) -> list[CellResult]:
        """The top places: the hot cells first, then the other cells with a published figure, each by count."""
        ranked = sorted((c for c in self.cells if c.count), key=lambda c: (not c.hot, -c.count, -c.z, c.cell.id))
        return ranked[:n]


def _significance(z: Sequence[float], alpha: float) -> tuple[list[float], list[bool]]:
    """BH-adjusted q-values of two-sided normal p-values, and which cells are hot (q <= alpha, z > 0)."""
    from scipy.stats import false_discovery_control, norm  # as in gi_star: imported when used

    zs = np.nan_to_num(np.asarray(z, dtype=float), nan=0.0)
    if zs.size == 0:
        return [], []
    p = 2.0 * norm.sf(np.abs(zs))
    q = false_discovery_control(p, method="bh")
    return [float(v) for v in q], [bool(v) for v in (q <= alpha) & (zs > 0)]


def _name(cell: Cell, places: Sequence[Place]) -> str:
    best = min(places, key=lambda p: haversine_m(cell.lat, cell.lon, p.lat, p.lon), default=None)
    if best is None or haversine_m(cell.lat, cell.lon, best.lat, best.lon) > _NEAR_PLACE_M:
        return ""
    return best.name


def hot_cells(
    published: Published,
    period: Period,
    area: Sequence[Cell],
    categories: Sequence[str],
    *,
    places: Sequence[Place] = (),
    exposure: Mapping[str, float] | None = None,
    alpha: float = ALPHA,
) -> HotCells:
    """Gi* of the published incidents of ``categories`` summed per cell over ``period`` (and over the previous
    period of equal length, for the trend), across every cell of ``area``."""
    adjacency = neighbours(area)
    now = published.cell_figures(period.weeks, categories)
    before = published.cell_figures(period.previous().weeks, categories)
    counts = [sum(f.count for f in now.get(c.id, ())) for c in area]
    previous = [sum(f.count for f in before.get(c.id, ())) for c in area]
    z = gi_star(counts, adjacency)
    q, hot = _significance(z, alpha)
    _, was_hot = _significance(gi_star(previous, adjacency), alpha)
    cells = tuple(
        CellResult(
            cell=cell,
            place=_name(cell, places) if counts[n] or previous[n] else "",
            count=counts[n],
            previous=previous[n],
            figures=tuple(now.get(cell.id, ())),
            previous_figures=tuple(before.get(cell.id, ())),
            z=z[n],
            q=q[n],
            hot=hot[n] and counts[n] > 0,  # a cell with no published figure borders a hot spot; it is none
            was_hot=was_hot[n] and previous[n] > 0,
            exposure=None if exposure is None else exposure.get(cell.id),
        )
        for n, cell in enumerate(area)
    )
    return HotCells(tuple(categories), cells, alpha)


@dataclass(frozen=True)
class PlaceCount:
    """A cell's published residents' reports of one category (``PLACE_REPORTS``) this period and the previous."""

    cell: Cell
    place: str
    category: str
    count: int
    previous: int
    figures: tuple[Figure, ...]
    previous_figures: tuple[Figure, ...]


def place_reports(
    published: Published, period: Period, category: str, places: Sequence[Place] = ()
) -> list[PlaceCount]:
    """The cells with published figures of ``category`` in ``period``, most first."""
    now = published.cell_figures(period.weeks, [category])
    before = published.cell_figures(period.previous().weeks, [category])
    out = [
        PlaceCount(
            published.cells[cell],
            _name(published.cells[cell], places),
            category,
            sum(f.count for f in figures),
            sum(f.count for f in before.get(cell, ())),
            tuple(figures),
            tuple(before.get(cell, ())),
        )
        for cell, figures in now.items()
    ]
    return sorted(out, key=lambda p: (-p.count, p.cell.id))


@dataclass(frozen=True)
class WeekRow:
    """One week's city-wide published counts per category, and the categories published as "fewer than the
    threshold" (shown so, never as a number)."""

    week: str
    counts: dict[str, int]
    suppressed: tuple[str, ...]


def weekly(published: Published, weeks: Sequence[str]) -> list[WeekRow]:
    """City-wide counts per week (all revisions of a week added)."""
    rows = []
    for week in weeks:
        counts: dict[str, int] = {}
        for f in published.figures:
            if f.week == week and f.area == "city":
                counts[f.category] = counts.get(f.category, 0) + f.count
        hidden = tuple(sorted(c for c in published.suppressed.get(week, ()) if c not in counts))
        rows.append(WeekRow(week, dict(sorted(counts.items())), hidden))
    return rows


def band_label(band: str) -> str:
    """``weekday:20-24`` as a reader says it: ``Mo-Fr 20-24`` (weekend ``Sa-So``)."""
    days, hours = band.split(":")
    return f"{'Mo-Fr' if days == 'weekday' else 'Sa-So'} {hours}"


def _band_hours(band: str) -> int:
    """Hours a band covers in one week: four on five weekdays, or on the two days of the weekend."""
    return BAND_HOURS * (5 if band.startswith("weekday") else 2)


@dataclass(frozen=True)
class BandCount:
    """One hour-of-week band city-wide: its published incidents over some weeks (the figures summed; 0 and no
    figures where none was published: fewer than the threshold, or held back) and how many weeks they span."""

    band: str
    count: int
    figures: tuple[Figure, ...]
    weeks: int

    @property
    def label(self) -> str:
        return band_label(self.band)

    @property
    def weekend(self) -> bool:
        return self.band.startswith("weekend")

    @property
    def per_hour(self) -> float:
        """Published incidents per hour of the band (weekday bands cover 20 hours a week, weekend bands 8)."""
        return self.count / (_band_hours(self.band) * max(self.weeks, 1))


def band_profile(published: Published, weeks: Sequence[str], categories: Sequence[str]) -> list[BandCount]:
    """Every band of ``BANDS``, with the city-wide published figures of ``categories`` over ``weeks`` summed."""
    found = published.band_figures(weeks, categories)
    return [
        BandCount(band, sum(f.count for f in found.get(band, ())), tuple(found.get(band, ())), len(weeks))
        for band in BANDS
    ]


def _busiest_bands(
    published: Published, weeks: Sequence[str], categories: Sequence[str], mix: Mapping[str, int]
) -> tuple[str, ...]:
    """The ``PATROL_BANDS`` busiest bands for a cell whose published incidents per category are ``mix``: the
    city-wide profile of each category (published incidents per hour of each band, as shares of the category's
    whole profile) weighted by the cell's own counts; with no mix, the city-wide profile of all ``categories``.
    Cells have no hours: this is the city's time pattern for what happens in the cell, not the cell's own."""
    rates: dict[str, dict[str, float]] = {}
    for category in categories:
        per_hour = {b.band: b.per_hour for b in band_profile(published, weeks, [category])}
        total = sum(per_hour.values())
        if total > 0:
            rates[category] = {band: rate / total for band, rate in per_hour.items()}
    weights = {c: float(n) for c, n in mix.items() if c in rates}
    if weights:
        score = {band: sum(w * rates[c][band] for c, w in weights.items()) for band in BANDS}
    else:
        score = {b.band: b.per_hour for b in band_profile(published, weeks, categories)}
    ranked = sorted((band for band in BANDS if score[band] > 0), key=lambda band: (-score[band], BANDS.index(band)))
    return tuple(ranked[:PATROL_BANDS])


@dataclass(frozen=True)
class PatrolCell:
    """A cell where presence is needed in the planned week, and why."""

    cell: Cell
    place: str
    hot: bool
    incidents_per_week: float
    reports_per_week: float
    events: tuple[PlannedEvent, ...]
    bands: tuple[str, ...] = ()  # the busiest hour-of-week bands of the city-wide profile (``_busiest_bands``)

    @property
    def hours(self) -> str:
        """The bands to be present in, as a reader says them, or "—" where no band figure was published."""
        return ", ".join(band_label(b) for b in self.bands) or "—"

    @property
    def score(self) -> float:
        return self.incidents_per_week + self.reports_per_week

    @property
    def reasons(self) -> str:
        out = []
        if self.hot:
            out.append("hot cell (Gi*)")
        if self.incidents_per_week:
            out.append(f"{self.incidents_per_week:.1f} incidents/week")
        if self.reports_per_week:
            out.append(f"{self.reports_per_week:.1f} unsafe-place reports/week")
        out.extend(f"event: {e.label} ({e.start:%a %H}-{e.end:%H}h)" for e in self.events)
        return "; ".join(out)


def patrol_plan(
    published: Published,
    week: str,
    area: Sequence[Cell],
    *,
    places: Sequence[Place] = (),
    events: Sequence[PlannedEvent] = (),
    lookback: int = PATROL_LOOKBACK_WEEKS,
    top: int = 10,
) -> list[PatrolCell]:
    """The cells for the Ordnungsamt's presence in ``week``: hot cells of the ``lookback`` published weeks before it
    first, then cells with a planned event in the week, then by published incidents and unsafe-place reports per
    week. Each with the busiest hour-of-week bands of the city-wide band profile of those weeks, weighted by the
    cell's published incident categories (``_busiest_bands``): cells have no hours (docs/hotspots.md)."""
    period = Period(tuple(weeks_before(week, lookback)))
    incidents = incident_categories(published)
    cells = {c.id: c for c in area} | published.cells
    analysis = hot_cells(published, period, [cells[k] for k in sorted(cells)], incidents, places=places)
    hot = {c.cell.id for c in analysis.cells if c.hot}
    inc = published.cell_figures(period.weeks, incidents)
    rep = published.cell_figures(period.weeks, list(PATROL_REPORTS))
    start, end = week_bounds(week)
    in_week = [e for e in events if e.start < end and e.end > start]
    by_cell: dict[str, list[PlannedEvent]] = {}
    for event in in_week:
        by_cell.setdefault(event.cell, []).append(event)
    candidates = set(hot) | set(inc) | set(rep) | set(by_cell)
    out = []
    for cell_id in candidates:
        event_at = by_cell.get(cell_id, [])
        cell = cells.get(cell_id) or cell_of(event_at[0].lat, event_at[0].lon)
        mix: dict[str, int] = {}
        for f in inc.get(cell_id, ()):
            mix[f.category] = mix.get(f.category, 0) + f.count
        out.append(
            PatrolCell(
                cell,
                _name(cell, places),
                cell_id in hot,
                sum(f.count for f in inc.get(cell_id, ())) / lookback,
                sum(f.count for f in rep.get(cell_id, ())) / lookback,
                tuple(by_cell.get(cell_id, ())),
                _busiest_bands(published, period.weeks, incidents, mix),
            )
        )
    out.sort(key=lambda p: (not p.hot, not p.events, -p.score, p.cell.id))
    return out[:top]


@dataclass(frozen=True)
class HotspotReport:
    """Everything ``hub report hotspots`` shows, computed from published aggregates alone."""

    period: Period
    hot: HotCells
    reports: dict[str, list[PlaceCount]]
    weeks: list[WeekRow]
    bands: list[BandCount]  # every band of BANDS over the period, the hot-cell categories summed
    patrol_week: str
    patrol: list[PatrolCell]
    events: tuple[PlannedEvent, ...]
    min_count: int = MIN_COUNT
    exposure_given: bool = False


def build_report(
    published: Published,
    period: Period,
    area: Sequence[Cell],
    *,
    categories: Sequence[str] | None = None,
    places: Sequence[Place] = (),
    exposure: Mapping[str, float] | None = None,
    events: Sequence[PlannedEvent] = (),
    patrol_week: str,
) -> HotspotReport:
    """The whole report: hot cells of ``categories`` (default: every incident category published), the place
    reports per cell, the city-wide weekly series of the period and the one before, the city-wide hour-of-week
    bands of the period (the same categories), and the patrol plan."""
    chosen = list(categories) if categories else incident_categories(published)
    unknown = sorted(set(chosen) - set(INCIDENT_TOP_LEVELS) - set(PLACE_REPORT_CODES))
    if unknown:
        known = ", ".join([*INCIDENT_TOP_LEVELS, *PLACE_REPORT_CODES])
        raise ConfigError(f"unknown categor{'y' if len(unknown) == 1 else 'ies'} {', '.join(unknown)}; known: {known}")
    full_area = {c.id: c for c in area} | published.cells
    cells = [full_area[k] for k in sorted(full_area)]
    hot = hot_cells(published, period, cells, chosen, places=places, exposure=exposure)
    reports = {cat: place_reports(published, period, cat, places) for cat in PLACE_REPORTS}
    weeks = weekly(published, (*period.previous().weeks, *period.weeks))
    bands = band_profile(published, period.weeks, chosen)
    patrol = patrol_plan(published, patrol_week, cells, places=places, events=events)
    return HotspotReport(
        period=period,
        hot=hot,
        reports=reports,
        weeks=weeks,
        bands=bands,
        patrol_week=patrol_week,
        patrol=patrol,
        events=tuple(events),
        exposure_given=exposure is not None,
    )
