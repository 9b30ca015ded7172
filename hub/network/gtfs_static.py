"""GTFS static data the hub needs: agencies, stops (by DHID) and routes (route id to line name), from a folder or zip.

``load_gtfs(path)`` reads a feed; ``default_gtfs()`` the HAVAG subset shipped in ``hub/data/halle/gtfs`` (MDV, CC BY
4.0), loaded once on first use. Bad files raise ``ConfigError`` naming the file and line.
"""

from __future__ import annotations

import csv
import io
import math
import os
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType

from hub.errors import ConfigError

__all__ = ["Agency", "GtfsStatic", "Route", "Stop", "default_gtfs", "load_gtfs"]

#: Stops of these location types have a position a vehicle can be at: stop/platform, station, entrance.
#: Generic nodes (3) and boarding areas (4) need no coordinates in GTFS and are left out on purpose.
_PLACE_TYPES = frozenset({0, 1, 2})


@dataclass(frozen=True)
class Agency:
    """One ``agency.txt`` row; ``agency_id`` is "" when the feed has a single agency and leaves it out."""

    agency_id: str
    name: str
    url: str
    timezone: str


@dataclass(frozen=True)
class Stop:
    """One stop, station or entrance; in German feeds ``stop_id`` is the DHID (e.g. ``de:15002:5232``)."""

    stop_id: str
    name: str
    lat: float
    lon: float
    location_type: int = 0
    parent_station: str | None = None


@dataclass(frozen=True)
class Route:
    """One ``routes.txt`` row. ``route_type`` may be an extended type (715 = on-demand service)."""

    route_id: str
    short_name: str
    long_name: str
    route_type: int
    agency_id: str = ""

    @property
    def name(self) -> str:
        """The public line name: the short name, or the long name when the feed has no short one."""
        return self.short_name or self.long_name


@dataclass(frozen=True)
class GtfsStatic:
    """The parts of a GTFS feed the hub uses. Read-only mappings: one loaded feed is shared by every user."""

    agencies: Mapping[str, Agency]
    stops: Mapping[str, Stop]
    routes: Mapping[str, Route]
    feed_version: str | None = None
    publisher: str | None = None


class _Table:
    """Rows of one GTFS file as dicts, with the physical line number of each row for error messages."""

    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self._reader = csv.reader(io.StringIO(text, newline=""))
        try:
            self.columns = [column.strip() for column in next(self._reader)]
        except StopIteration:
            raise ConfigError(f"{name} line 1: the file is empty, expected a header row") from None
        except csv.Error as exc:
            raise ConfigError(f"{name} line 1: {exc}") from exc
        self.line = 1

    def require(self, *columns: str) -> None:
        missing = [column for column in columns if column not in self.columns]
        if missing:
            raise ConfigError(f"{self.name} line 1: missing column(s) {', '.join(missing)}")

    def rows(self) -> Iterator[dict[str, str]]:
        width = len(self.columns)
        try:
            for values in self._reader:
                self.line = self._reader.line_num
                if not any(value.strip() for value in values):
                    continue  # blank lines are common at the end of hand-edited files
                if len(values) != width:
                    raise self.error(f"{len(values)} fields, the header has {width}")
                yield {column: value.strip() for column, value in zip(self.columns, values, strict=True)}
        except csv.Error as exc:
            raise ConfigError(f"{self.name} line {self._reader.line_num}: {exc}") from exc

    def error(self, message: str) -> ConfigError:
        return ConfigError(f"{self.name} line {self.line}: {message}")

    def integer(self, row: dict[str, str], column: str) -> int:
        try:
            return int(row[column])
        except ValueError:
            raise self.error(f"{column} {row[column]!r} is not an integer") from None

    def number(self, row: dict[str, str], column: str) -> float:
        try:
            value = float(row[column])
        except ValueError:
            raise self.error(f"{column} {row[column]!r} is not a number") from None
        if not math.isfinite(value):
            raise self.error(f"{column} {row[column]!r} is not a finite number")
        return value


def _read(root: Traversable, name: str) -> _Table | None:
    """The table ``name`` of the feed, or None when the feed has no such file."""
    entry = root.joinpath(name)
    if not entry.is_file():
        return None
    try:
        # utf-8-sig: many GTFS exports (Excel, some MDV tools) start each file with a byte order mark.
        text = entry.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{name}: not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    return _Table(name, text)


def _require(root: Traversable, where: str, name: str) -> _Table:
    table = _read(root, name)
    if table is None:
        raise ConfigError(f"GTFS feed {where}: {name} is missing")
    return table


def _agencies(table: _Table) -> dict[str, Agency]:
    table.require("agency_name", "agency_url", "agency_timezone")
    agencies: dict[str, Agency] = {}
    for row in table.rows():
        agency = Agency(row.get("agency_id", ""), row["agency_name"], row["agency_url"], row["agency_timezone"])
        if agency.agency_id in agencies:
            raise table.error(f"agency_id {agency.agency_id!r} appears twice")
        agencies[agency.agency_id] = agency
    if not agencies:
        raise ConfigError(f"{table.name}: no agency")
    return agencies


def _stops(table: _Table) -> dict[str, Stop]:
    table.require("stop_id", "stop_lat", "stop_lon")
    stops: dict[str, Stop] = {}
    for row in table.rows():
        stop_id = row["stop_id"]
        if not stop_id:
            raise table.error("stop_id is empty")
        location_type = table.integer(row, "location_type") if row.get("location_type") else 0
        if location_type not in _PLACE_TYPES:
            continue
        if stop_id in stops:
            raise table.error(f"stop_id {stop_id!r} appears twice")
        lat, lon = table.number(row, "stop_lat"), table.number(row, "stop_lon")
        if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
            raise table.error(f"stop {stop_id!r}: position {lat},{lon} is outside WGS84 range")
        parent = row.get("parent_station") or None
        stops[stop_id] = Stop(stop_id, row.get("stop_name", ""), lat, lon, location_type, parent)
    return stops


def _routes(table: _Table) -> dict[str, Route]:
    table.require("route_id", "route_type")
    if "route_short_name" not in table.columns and "route_long_name" not in table.columns:
        raise ConfigError(f"{table.name} line 1: missing column(s) route_short_name or route_long_name")
    routes: dict[str, Route] = {}
    for row in table.rows():
        route_id = row["route_id"]
        if not route_id:
            raise table.error("route_id is empty")
        if route_id in routes:
            raise table.error(f"route_id {route_id!r} appears twice")
        short, long = row.get("route_short_name", ""), row.get("route_long_name", "")
        if not short and not long:
            raise table.error(f"route {route_id!r} has neither route_short_name nor route_long_name")
        route_type = table.integer(row, "route_type")
        routes[route_id] = Route(route_id, short, long, route_type, row.get("agency_id", ""))
    return routes


def _feed_info(table: _Table | None) -> tuple[str | None, str | None]:
    if table is None:
        return None, None
    for row in table.rows():
        return row.get("feed_version") or None, row.get("feed_publisher_name") or None
    return None, None


def _load(root: Traversable, where: str) -> GtfsStatic:
    agencies = _agencies(_require(root, where, "agency.txt"))
    stops = _stops(_require(root, where, "stops.txt"))
    routes = _routes(_require(root, where, "routes.txt"))
    version, publisher = _feed_info(_read(root, "feed_info.txt"))
    return GtfsStatic(
        agencies=MappingProxyType(agencies),
        stops=MappingProxyType(stops),
        routes=MappingProxyType(routes),
        feed_version=version,
        publisher=publisher,
    )


def load_gtfs(path: str | os.PathLike[str] | Traversable) -> GtfsStatic:
    """Agencies, stops and routes of the GTFS feed in ``path`` (a folder, a zip file, or a package resource)."""
    if not isinstance(path, str | os.PathLike):
        return _load(path, str(path))
    where = os.fspath(path)
    if os.path.isdir(where):
        return _load(Path(where), where)
    if zipfile.is_zipfile(where):
        with zipfile.ZipFile(where) as archive:
            return _load(zipfile.Path(archive), where)
    raise ConfigError(f"GTFS feed {where}: not a folder or zip file")


@cache
def default_gtfs() -> GtfsStatic:
    """The HAVAG subset of the MDV feed shipped with the hub ("Mitteldeutscher Verkehrsverbund GmbH (MDV), GTFS,
    Stand 2025-06-06", CC BY 4.0), loaded on first call and shared afterwards."""
    return load_gtfs(resources.files("hub.data").joinpath("halle").joinpath("gtfs"))
