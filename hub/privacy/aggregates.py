"""Aggregates for prevention work: incidents per fixed 500 m cell, ISO week and coarse category (the top level;
residents' reports of unsafe places and broken lighting apart), small counts suppressed (with the complement rule
for city-wide totals), victim-sensitive offences city-wide only; and city-wide per hour-of-week band (``BANDS``: four
hours of local time, weekday or weekend), never per cell, victim-sensitive offences not at all, with the same rules
and no band figure that could be differenced against the cells (``table``). A week is
frozen by its first publication; late arrivals go into corrections over those incidents alone, and figures that
fall below the threshold are retracted, so nothing published can be differenced into a suppressed count
(``plan_week``). Built from the analytics domain's shares, so the aggregator never sees person-level data;
``hub.jobs.aggregates`` publishes them to ``share.praevention.aggregates`` and keeps what it published in PostgreSQL.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, model_validator

from hub.errors import ConfigError
from hub.privacy.transform import snap_to_grid
from hub.schemas import HUB_EVENT_NAMESPACE, CloudEvent, top_level

__all__ = [
    "AGGREGATE_KIND",
    "AGGREGATE_SOURCE",
    "AGGREGATE_TYPE",
    "BANDS",
    "BAND_HOURS",
    "GRID_M",
    "LOCAL_TIME",
    "MIN_COUNT",
    "PLACE_REPORT_CODES",
    "SENSITIVE_CODES",
    "Aggregate",
    "Cell",
    "Counted",
    "Plan",
    "WeekState",
    "aggregate",
    "aggregate_events",
    "area_key",
    "band_of",
    "category_of",
    "cell_of",
    "countable",
    "iso_week",
    "plan_week",
    "table",
    "week_bounds",
]

GRID_M = 500
"""Cell edge of the published grid: one fixed geography anchored at 0°/0° (ad-hoc areas allow differencing)."""

MIN_COUNT = 5
"""A count below this is never published for a cell (k-anonymity threshold common in crime statistics)."""

PLACE_REPORT_CODES = ("SAFETY/UNSAFE_PLACE", "TECHNICAL/LIGHTING")
"""Residents' reports about a place (Open311: a place people feel unsafe at, broken lighting), counted as their own
categories rather than in their top level: the council asked for exactly these on the map, they are no offence
and name no victim, and within SAFETY or TECHNICAL they would drown among helpless persons and fallen trees."""

SENSITIVE_CODES = ("CRIME/SEXUAL", "CRIME/DOMESTIC")
"""Victim-sensitive offences (and their sub-codes): counted city-wide only, never on a cell."""

LOCAL_TIME = ZoneInfo("Europe/Berlin")
"""Weeks are Halle's calendar weeks (Monday 00:00 local time), as the people reading them count them."""

BAND_HOURS = 4
"""Hours of local time per hour-of-week band: 00-04, 04-08, ..., 20-24."""

BANDS = tuple(f"{day}:{h:02d}-{h + BAND_HOURS:02d}" for day in ("weekday", "weekend") for h in range(0, 24, BAND_HOURS))
"""The 12 hour-of-week bands, ``weekday:00-04`` (Monday to Friday) ... ``weekend:20-24`` (Saturday, Sunday), local time
of ``reported_at`` (the analytics domain has it to the hour). City-wide only: a band on a 500 m cell would be the
small-area time series the threshold is there to prevent."""

AGGREGATE_KIND = "aggregate"
AGGREGATE_TYPE = "de.halle.hub.aggregate.v1"
AGGREGATE_SOURCE = "/hub/aggregates"

_WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")
_M_PER_DEG_LAT = 111_320.0  # as hub.privacy.transform: the grid is defined by it
_STATUS_RANK = {"open": 0, "updated": 1, "closed": 2, "cancelled": 3}


class Aggregate(BaseModel):
    """One published aggregate: a cell's counts per category, the city-wide totals of one week, or the city-wide
    counts of one hour-of-week band (``area`` "band", ``band`` one of ``BANDS``), in one table (``revision`` 0: the
    week's frozen first publication; 1, 2, ...: corrections counting late arrivals only, to be added to the earlier
    tables). A retraction names the same week, area (and band) and revision, with no counts and the withdrawn
    categories in ``retracted``. Cell and city messages carry no ``band`` key at all (``payload``), exactly as
    before bands were published, so their ids and form are unchanged."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    week: str
    area: Literal["cell", "city", "band"]
    band: str | None = None  # area "band" only: one of BANDS
    cell: str | None = None  # "<grid>m:<row>:<col>"
    grid_m: int | None = None
    lat: float | None = None  # the cell's centre
    lon: float | None = None
    counts: dict[str, int]  # category -> incidents; only counts >= min_count
    suppressed: list[str] = []  # city only: categories with 1..min_count-1 incidents ("fewer than min_count")
    min_count: int
    revision: int = 0
    retracted: list[str] = []  # a retraction: these categories of (week, area, revision) are withdrawn

    @model_validator(mode="after")
    def _band_only_on_band_rows(self) -> Aggregate:
        if (self.area == "band") != (self.band is not None):
            raise ValueError("a band row names its band, and only a band row names one")
        if self.band is not None and self.band not in BANDS:
            raise ValueError(f"unknown band {self.band!r}; bands are {', '.join(BANDS)}")
        return self

    def payload(self) -> dict[str, object]:
        """The message's data as sent: the fields, without ``band`` on cell and city rows (their form before bands
        existed, so a reader of those still reads them and their ids do not change)."""
        data = self.model_dump(mode="json")
        if self.band is None:
            del data["band"]
        return data


def area_key(agg: Aggregate) -> str:
    """What a figure is keyed by besides week, revision and category: the cell id, ``city``, or ``band:<band>``."""
    if agg.area == "band":
        return f"band:{agg.band}"
    return agg.cell or "city"


@dataclass(frozen=True)
class Cell:
    """A cell of the fixed grid: its id and centre."""

    id: str
    lat: float
    lon: float


def cell_of(lat: float, lon: float, metres: int = GRID_M) -> Cell:
    """The grid cell holding (lat, lon): the same fixed grid as ``snap_to_grid`` (rows of ``metres`` latitude,
    columns ``metres`` wide at the row's centre)."""
    d_lat = metres / _M_PER_DEG_LAT
    row = math.floor(lat / d_lat)
    centre_lat, centre_lon = snap_to_grid(lat, lon, metres)
    d_lon = metres / (_M_PER_DEG_LAT * max(math.cos(math.radians((row + 0.5) * d_lat)), 0.01))
    col = math.floor(lon / d_lon)
    return Cell(f"{metres}m:{row}:{col}", centre_lat, centre_lon)


def week_bounds(week: str) -> tuple[datetime, datetime]:
    """Start (Monday 00:00 local time) and end of an ISO week written ``2026-W47``; ``ConfigError`` if malformed."""
    match = _WEEK_RE.match(week)
    if match is None:
        raise ConfigError(f"week {week!r} is not an ISO week like 2026-W47")
    try:
        monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError as exc:
        raise ConfigError(f"week {week!r} does not exist: {exc}") from None
    start = datetime(monday.year, monday.month, monday.day, tzinfo=LOCAL_TIME)
    nxt = monday + timedelta(days=7)
    return start, datetime(nxt.year, nxt.month, nxt.day, tzinfo=LOCAL_TIME)


def iso_week(moment: datetime) -> str:
    """The ISO week (local time in Halle) of ``moment``, e.g. ``2026-W47``."""
    year, week, _ = moment.astimezone(LOCAL_TIME).isocalendar()
    return f"{year}-W{week:02d}"


def category_of(type_code: str) -> str:
    """The published category of a type code: its top level, or one of ``PLACE_REPORT_CODES`` (or a sub-code)."""
    for code in PLACE_REPORT_CODES:
        if type_code == code or type_code.startswith(code + "/"):
            return code
    return top_level(type_code)


def band_of(moment: datetime) -> str:
    """The hour-of-week band (``BANDS``) of ``moment`` in Halle's local time."""
    local = moment.astimezone(LOCAL_TIME)
    start = local.hour // BAND_HOURS * BAND_HOURS
    return f"{'weekday' if local.weekday() < 5 else 'weekend'}:{start:02d}-{start + BAND_HOURS:02d}"


def _is_sensitive(type_code: str) -> bool:
    return any(type_code == code or type_code.startswith(code + "/") for code in SENSITIVE_CODES)


def _latest_per_incident(shares: Iterable[CloudEvent]) -> list[CloudEvent]:
    """The last report of every incident (updates share the pseudonymised incident id), redeliveries once."""
    latest: dict[str, tuple[tuple[datetime, int, str], CloudEvent]] = {}
    for share in shares:
        if share.hubkind != "incident" or share.hubrecipient != "analytics":
            continue
        data = share.data
        rank = (share.time, _STATUS_RANK.get(str(data.get("status")), 0), share.id)
        incident = str(data.get("incident_id"))
        if incident not in latest or rank > latest[incident][0]:
            latest[incident] = (rank, share)
    return [share for _, share in latest.values()]


@dataclass(frozen=True)
class Counted:
    """One incident as a week's table counts it: its analytics id, coarse category, cell (None: city-wide only,
    because it has no position or is victim-sensitive) and hour-of-week band (None: victim-sensitive, in no band;
    or counted before bands were published)."""

    incident: str
    category: str
    cell: str | None
    band: str | None = None


def countable(
    shares: Iterable[CloudEvent], week: str, *, grid_m: int = GRID_M
) -> tuple[dict[str, Counted], dict[str, Cell]]:
    """The incidents ``week`` counts now, by analytics incident id, and the cells they lie in.

    Counted: the last report of each incident whose mode is ``actual`` and which was not cancelled, in the week of
    its ``reported_at``. Category: ``category_of`` the type code. Victim-sensitive offences and incidents without a
    position are on no cell; victim-sensitive offences are in no band either, the others in the band of their
    ``reported_at``.
    """
    week_bounds(week)  # refuses a malformed week
    incidents: dict[str, Counted] = {}
    cells: dict[str, Cell] = {}
    for share in _latest_per_incident(shares):
        data = share.data
        if data.get("mode") != "actual" or data.get("status") == "cancelled":
            continue
        reported = datetime.fromisoformat(str(data["reported_at"]))
        if iso_week(reported) != week:
            continue
        type_code = str(data["type_code"])
        location = data.get("location")
        sensitive = _is_sensitive(type_code)
        cell_id = None
        if not sensitive and isinstance(location, dict):
            cell = cell_of(float(location["lat"]), float(location["lon"]), grid_m)
            cells[cell.id] = cell
            cell_id = cell.id
        incident = str(data.get("incident_id"))
        band = None if sensitive else band_of(reported)
        incidents[incident] = Counted(incident, category_of(type_code), cell_id, band)
    return incidents, cells


def table(
    incidents: Iterable[Counted],
    cells: Mapping[str, Cell],
    week: str,
    *,
    revision: int = 0,
    grid_m: int = GRID_M,
    min_count: int = MIN_COUNT,
) -> list[Aggregate]:
    """One table of counts over ``incidents``: per cell and category, city-wide per category, and city-wide per
    hour-of-week band and category.

    A cell's category count below ``min_count`` is left out; so is, by the complement rule, the smallest published
    cell of a category while the city-wide count minus the published cells (what is on no published cell) is
    between 1 and ``min_count`` - 1, since that difference would otherwise be a small count. Cells without any
    count left are not published; city-wide counts below ``min_count`` are published as "suppressed". Bands follow
    the same two rules (a band's count below ``min_count`` left out; city-wide minus the published bands 0 or at
    least ``min_count``, victim-sensitive offences being in no band), and then one more: bands and cells are two
    partitions of the same incidents, so a band of a category is left out too while the table's figures of that
    category taken together would pin fewer than ``min_count`` incidents (``_isolating_cut``; e.g. a band minus the
    cells whose incidents all fall in it). Cells are never suppressed for a band's sake.
    """
    if min_count < MIN_COUNT:
        raise ConfigError(f"min_count must be at least {MIN_COUNT}, got {min_count}")
    items = list(incidents)
    city: Counter[str] = Counter()
    per_cell: dict[str, Counter[str]] = {}
    per_band: dict[str, Counter[str]] = {}
    for item in items:
        city[item.category] += 1
        if item.cell is not None:
            per_cell.setdefault(item.cell, Counter())[item.category] += 1
        if item.band is not None:
            per_band.setdefault(item.band, Counter())[item.category] += 1
    kept = {cell: {cat: n for cat, n in counts.items() if n >= min_count} for cell, counts in per_cell.items()}
    bands = {band: {cat: n for cat, n in counts.items() if n >= min_count} for band, counts in per_band.items()}
    for category, total in city.items():
        _complement(kept, category, total, min_count)
        _complement(bands, category, total, min_count)
        _no_isolating_band(items, kept, bands, category, total, min_count)
    out: list[Aggregate] = []
    for cell_id in sorted(kept):
        counts = kept[cell_id]
        if counts:
            cell = cells[cell_id]
            out.append(
                Aggregate(
                    week=week,
                    area="cell",
                    cell=cell_id,
                    grid_m=grid_m,
                    lat=cell.lat,
                    lon=cell.lon,
                    counts=dict(sorted(counts.items())),
                    min_count=min_count,
                    revision=revision,
                )
            )
    out.append(
        Aggregate(
            week=week,
            area="city",
            counts={cat: n for cat, n in sorted(city.items()) if n >= min_count},
            suppressed=sorted(cat for cat, n in city.items() if 0 < n < min_count),
            min_count=min_count,
            revision=revision,
        )
    )
    for band in BANDS:
        if bands.get(band):
            out.append(
                Aggregate(
                    week=week,
                    area="band",
                    band=band,
                    counts=dict(sorted(bands[band].items())),
                    min_count=min_count,
                    revision=revision,
                )
            )
    return out


def _complement(kept: dict[str, dict[str, int]], category: str, total: int, min_count: int) -> None:
    """Suppress published areas (cells or bands) of ``category`` (smallest first) until what is on no published
    area is 0 or at least ``min_count``: city-wide minus the published areas must never be a small count."""
    while True:
        published = sorted((counts[category], area) for area, counts in kept.items() if category in counts)
        rest = total - sum(n for n, _ in published)
        if rest == 0 or rest >= min_count or not published:
            return
        del kept[published[0][1]][category]


_REST = ""  # the node of the incidents on no published cell (or in no published band)


def _no_isolating_band(
    items: Sequence[Counted],
    cells: dict[str, dict[str, int]],
    bands: dict[str, dict[str, int]],
    category: str,
    total: int,
    min_count: int,
) -> None:
    """Suppress bands of ``category`` until no linear combination of the table's figures of it (cells, bands, the
    city total) counts a set of 1 to ``min_count`` - 1 incidents; the smallest band of the offending combination
    first. With no band left the figures are the cells' and the city's, which the complement rule keeps safe."""
    if total < min_count:
        return  # nothing of the category is published
    while any(category in counts for counts in bands.values()):
        blocks: Counter[tuple[str, str]] = Counter()
        for item in items:
            if item.category != category:
                continue
            cell = item.cell if item.cell is not None and category in cells.get(item.cell, {}) else _REST
            band = item.band if item.band is not None and category in bands.get(item.band, {}) else _REST
            blocks[(cell, band)] += 1
        cut = _isolating_cut(blocks, min_count)
        if cut is None:
            return
        involved = {band for _, band in cut if band != _REST}
        candidates = involved or {b for b, counts in bands.items() if category in counts}
        _, smallest = min((bands[b][category], b) for b in candidates)
        del bands[smallest][category]


def _isolating_cut(blocks: Mapping[tuple[str, str], int], limit: int) -> list[tuple[str, str]] | None:
    """Blocks (cell, band) -> incidents, cells and bands each a partition of one category's incidents of a table
    (``_REST`` the part on no published cell, or in no published band). A combination of the published parts can
    count a set of incidents exactly iff the set is ``X``'s cells minus ``X``'s bands for a set ``X`` of parts that
    holds every cell meeting any of its bands (a combination's coefficients are levels of the parts, each block
    counted with its cell's level minus its band's; thresholds of the levels split any such set into these). That
    set is the blocks (cell in ``X``, band not in ``X``): a directed cut of the graph with an arc
    cell -> band of the block's size and an unbounded arc back. Returns the blocks of a cut of 1 to ``limit`` - 1
    incidents, None if there is none: the global minimum directed cut, by max-flow from one part of each connected
    component to every other and back, each flow stopped at ``limit``."""
    residual: dict[str, dict[str, int]] = {}
    for (cell, band), n in blocks.items():
        c, b = "c" + cell, "b" + band
        residual.setdefault(c, {})[b] = n
        residual.setdefault(b, {})[c] = limit  # "unbounded": a flow stopped at limit never saturates it
    seen: set[str] = set()
    for first in sorted(residual):
        if first in seen:
            continue
        component = _reachable(residual, first)
        seen |= component
        for other in sorted(component - {first}):
            for source, sink in ((first, other), (other, first)):
                side = _min_cut(residual, source, sink, limit)
                if side is not None:
                    return [(c, b) for (c, b) in blocks if "c" + c in side and "b" + b not in side]
    return None


def _reachable(graph: Mapping[str, Mapping[str, int]], start: str) -> set[str]:
    found, todo = {start}, [start]
    while todo:
        for nxt, capacity in graph[todo.pop()].items():
            if capacity > 0 and nxt not in found:
                found.add(nxt)
                todo.append(nxt)
    return found


def _min_cut(capacity: Mapping[str, Mapping[str, int]], source: str, sink: str, limit: int) -> set[str] | None:
    """The source side of a minimum source-sink cut when its capacity is below ``limit``, else None."""
    residual = {node: dict(arcs) for node, arcs in capacity.items()}
    flow = 0
    while flow < limit:
        parent: dict[str, str] = {source: source}
        queue = [source]
        while queue and sink not in parent:
            node = queue.pop(0)
            for nxt, left in residual[node].items():
                if left > 0 and nxt not in parent:
                    parent[nxt] = node
                    queue.append(nxt)
        if sink not in parent:
            return _reachable(residual, source)
        path, node = [], sink
        while node != source:
            path.append((parent[node], node))
            node = parent[node]
        push = min(residual[u][v] for u, v in path)
        for u, v in path:
            residual[u][v] -= push
            residual[v][u] = residual[v].get(u, 0) + push
        flow += push
    return None


def aggregate(
    shares: Iterable[CloudEvent], week: str, *, grid_m: int = GRID_M, min_count: int = MIN_COUNT
) -> list[Aggregate]:
    """The table of ``week`` over every incident countable now (``countable``, ``table``): what a week's first
    publication holds. ``plan_week`` decides what is published when the week was published before."""
    incidents, cells = countable(shares, week, grid_m=grid_m)
    return table(incidents.values(), cells, week, grid_m=grid_m, min_count=min_count)


@dataclass(frozen=True)
class WeekState:
    """What was published of a week before: every message (tables and retractions) and which revision counted
    which incident, as it was counted then."""

    published: tuple[Aggregate, ...] = ()
    counted: Mapping[str, tuple[int, Counted]] = field(default_factory=dict)

    @property
    def next_revision(self) -> int:
        return max((a.revision for a in self.published), default=-1) + 1


@dataclass(frozen=True)
class Plan:
    """What to publish of a week now: a table (the frozen first one, or a correction of late arrivals; cells, the
    city, bands), the retractions of published figures (of cells, the city or bands) that fell below the threshold,
    the incidents the new table counts, and the late arrivals held back because their table would show nothing."""

    tables: tuple[Aggregate, ...]
    retractions: tuple[Aggregate, ...]
    counted: tuple[tuple[int, Counted], ...]
    held_back: int

    @property
    def messages(self) -> tuple[Aggregate, ...]:
        return self.tables + self.retractions


def plan_week(
    incidents: Mapping[str, Counted],
    cells: Mapping[str, Cell],
    week: str,
    state: WeekState,
    *,
    grid_m: int = GRID_M,
    min_count: int = MIN_COUNT,
) -> Plan:
    """What to publish of ``week`` given what is countable now (``countable``) and what was published before.

    A week is frozen by its first publication (revision 0): its figures are never published again with other
    values. Incidents that arrive later form a correction (revision 1, 2, ...), a table over those incidents only,
    suppressed on its own like any table; it is published once it shows at least one city-wide count, and until
    then its incidents wait. Tables over disjoint sets of incidents cannot be differenced against each other. A
    published figure whose incidents, as they are now (cancelled, reclassified, moved), fall below ``min_count`` is
    retracted: a message naming it, with no number.
    """
    revision = state.next_revision
    new: list[Aggregate] = []
    counted: list[tuple[int, Counted]] = []
    late = [item for key, item in sorted(incidents.items()) if key not in state.counted]
    held_back = 0
    if revision == 0 or late:
        candidate = table(late, cells, week, revision=revision, grid_m=grid_m, min_count=min_count)
        if revision == 0 or any(a.counts for a in candidate):
            new, counted = candidate, [(revision, item) for item in late]
        else:
            held_back = len(late)
    retractions = _retractions(incidents, state, min_count)
    return Plan(tuple(new), tuple(retractions), tuple(counted), held_back)


def _retractions(incidents: Mapping[str, Counted], state: WeekState, min_count: int) -> list[Aggregate]:
    """Retractions of the published figures whose incidents now number fewer than ``min_count``."""
    now: Counter[tuple[int, str, str]] = Counter()
    for key, (revision, counted) in state.counted.items():
        item = incidents.get(key)
        if item is None:
            continue  # cancelled, an exercise now, or moved to another week: no longer counts
        category = item.category
        if category in PLACE_REPORT_CODES and counted.category == top_level(category):
            category = counted.category  # counted before place reports were apart: the same incident, not moved
        now[(revision, "city", category)] += 1
        if item.cell is not None:
            now[(revision, item.cell, category)] += 1
        if item.band is not None:  # as it is now: an incident whose hour was corrected moves to its new band
            now[(revision, f"band:{item.band}", category)] += 1
    gone = {(a.revision, area_key(a), cat) for a in state.published for cat in a.retracted}
    out: list[Aggregate] = []
    for agg in state.published:
        area = area_key(agg)
        fallen = [
            c for c in agg.counts if now[(agg.revision, area, c)] < min_count and (agg.revision, area, c) not in gone
        ]
        if fallen:
            out.append(agg.model_copy(update={"counts": {}, "suppressed": [], "retracted": sorted(fallen)}))
    return out


def aggregate_events(aggregates: Sequence[Aggregate]) -> list[tuple[bytes, CloudEvent]]:
    """(Kafka key, CloudEvent) per aggregate for ``share.praevention.aggregates``. The id is a UUIDv5 of the whole
    message (week, area, revision, counts, retractions): sending a message again gives the same id, so consumers
    and the register stay idempotent. Nothing supersedes: tables of one week add up, retractions withdraw. Keyed
    (and ``subject``) by ``area_key``: the cell id, ``city`` or ``band:<band>``."""
    events = []
    for agg in aggregates:
        area = area_key(agg)
        data = agg.payload()
        name = json.dumps(["aggregate", data], sort_keys=True, separators=(",", ":"))
        _, end = week_bounds(agg.week)
        event = CloudEvent(
            id=str(uuid.uuid5(HUB_EVENT_NAMESPACE, name)),
            source=AGGREGATE_SOURCE,
            type=AGGREGATE_TYPE,
            time=end.astimezone(UTC),
            subject=area,
            data=data,
            hubkind=AGGREGATE_KIND,
            hubrecipient="praevention",
            hubsourceid=f"{agg.week}/{area}/{agg.revision}",
        )
        events.append((area.encode("utf-8"), event))
    return events
