"""Aggregates for prevention work: incidents per fixed 500 m cell, ISO week and coarse category, small counts
suppressed, victim-sensitive offences city-wide only. Built from the analytics domain's shares, so the aggregator
never sees person-level data; ``hub.jobs.aggregates`` publishes them to ``share.praevention.aggregates``.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from hub.errors import ConfigError
from hub.privacy.transform import snap_to_grid
from hub.schemas import HUB_EVENT_NAMESPACE, CloudEvent, top_level

__all__ = [
    "AGGREGATE_KIND",
    "AGGREGATE_SOURCE",
    "AGGREGATE_TYPE",
    "GRID_M",
    "LOCAL_TIME",
    "MIN_COUNT",
    "SENSITIVE_CODES",
    "Aggregate",
    "Cell",
    "aggregate",
    "aggregate_events",
    "cell_of",
    "iso_week",
    "week_bounds",
]

GRID_M = 500
"""Cell edge of the published grid: one fixed geography anchored at 0°/0° (ad-hoc areas allow differencing)."""

MIN_COUNT = 5
"""A count below this is never published for a cell (k-anonymity threshold common in crime statistics)."""

SENSITIVE_CODES = ("CRIME/SEXUAL", "CRIME/DOMESTIC")
"""Victim-sensitive offences (and their sub-codes): counted city-wide only, never on a cell."""

LOCAL_TIME = ZoneInfo("Europe/Berlin")
"""Weeks are Halle's calendar weeks (Monday 00:00 local time), as the people reading them count them."""

AGGREGATE_KIND = "aggregate"
AGGREGATE_TYPE = "de.halle.hub.aggregate.v1"
AGGREGATE_SOURCE = "/hub/aggregates"

_WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")
_M_PER_DEG_LAT = 111_320.0  # as hub.privacy.transform: the grid is defined by it
_STATUS_RANK = {"open": 0, "updated": 1, "closed": 2, "cancelled": 3}


class Aggregate(BaseModel):
    """One published aggregate: a cell's counts per category, or the city-wide totals of one week."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    week: str
    area: Literal["cell", "city"]
    cell: str | None = None  # "<grid>m:<row>:<col>"
    grid_m: int | None = None
    lat: float | None = None  # the cell's centre
    lon: float | None = None
    counts: dict[str, int]  # category -> incidents; only counts >= min_count
    suppressed: list[str] = []  # city only: categories with 1..min_count-1 incidents ("fewer than min_count")
    min_count: int


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


def aggregate(
    shares: Iterable[CloudEvent], week: str, *, grid_m: int = GRID_M, min_count: int = MIN_COUNT
) -> list[Aggregate]:
    """Counts of ``week``'s real incidents per cell and category, and city-wide, from analytics incident shares.

    Counted: the last report of each incident whose mode is ``actual`` and which was not cancelled, in the week of
    its ``reported_at``. Category: the top-level type code. A cell's category count below ``min_count`` is left
    out, cells without any count left are not published, and victim-sensitive offences never reach a cell (they
    count in the city-wide totals). City-wide counts below ``min_count`` are published as "suppressed".
    """
    week_bounds(week)  # refuses a malformed week
    if min_count < MIN_COUNT:
        raise ConfigError(f"min_count must be at least {MIN_COUNT}, got {min_count}")
    city: Counter[str] = Counter()
    cells: dict[str, tuple[Cell, Counter[str]]] = {}
    for share in _latest_per_incident(shares):
        data = share.data
        if data.get("mode") != "actual" or data.get("status") == "cancelled":
            continue
        reported = datetime.fromisoformat(str(data["reported_at"]))
        if iso_week(reported) != week:
            continue
        type_code = str(data["type_code"])
        category = top_level(type_code)
        city[category] += 1
        location = data.get("location")
        if _is_sensitive(type_code) or not isinstance(location, dict):
            continue
        cell = cell_of(float(location["lat"]), float(location["lon"]), grid_m)
        cells.setdefault(cell.id, (cell, Counter()))[1][category] += 1
    out: list[Aggregate] = []
    for cell, counts in sorted(cells.values(), key=lambda item: item[0].id):
        kept = {cat: n for cat, n in sorted(counts.items()) if n >= min_count}
        if kept:
            out.append(
                Aggregate(
                    week=week,
                    area="cell",
                    cell=cell.id,
                    grid_m=grid_m,
                    lat=cell.lat,
                    lon=cell.lon,
                    counts=kept,
                    min_count=min_count,
                )
            )
    out.append(
        Aggregate(
            week=week,
            area="city",
            counts={cat: n for cat, n in sorted(city.items()) if n >= min_count},
            suppressed=sorted(cat for cat, n in city.items() if 0 < n < min_count),
            min_count=min_count,
        )
    )
    return out


def aggregate_events(aggregates: Sequence[Aggregate]) -> list[tuple[bytes, CloudEvent]]:
    """(Kafka key, CloudEvent) per aggregate for ``share.praevention.aggregates``. The id is a UUIDv5 of week, area
    and counts: publishing a week again unchanged gives the same ids (consumers and the register stay idempotent);
    a later run with other counts gives new ones, which supersede the earlier by week and area."""
    events = []
    for agg in aggregates:
        area = agg.cell or "city"
        name = json.dumps(["aggregate", agg.model_dump(mode="json")], sort_keys=True, separators=(",", ":"))
        _, end = week_bounds(agg.week)
        event = CloudEvent(
            id=str(uuid.uuid5(HUB_EVENT_NAMESPACE, name)),
            source=AGGREGATE_SOURCE,
            type=AGGREGATE_TYPE,
            time=end.astimezone(UTC),
            subject=area,
            data=agg.model_dump(mode="json"),
            hubkind=AGGREGATE_KIND,
            hubrecipient="praevention",
            hubsourceid=f"{agg.week}/{area}",
        )
        events.append((area.encode("utf-8"), event))
    return events
