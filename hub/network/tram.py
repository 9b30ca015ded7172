"""The Halle tram network: each line as an ordered stop sequence per direction, with distances along the line.

Read from the files shipped in ``hub/data/halle/tram/`` (derived from OpenStreetMap by ``hub.network.build``);
``snap`` places a position onto a line-direction. Geometry is straight lines between stops.
"""

from __future__ import annotations

import csv
import functools
import io
import itertools
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Literal, NamedTuple

from hub.errors import NetworkDataError, SnapError, UnknownLineError

__all__ = [
    "DEFAULT_MAX_SNAP_M",
    "EARTH_RADIUS_M",
    "LINES_FILE",
    "META_FILE",
    "Direction",
    "LineDirection",
    "LineStop",
    "Snap",
    "TramLine",
    "TramNetwork",
    "haversine_m",
    "load_tram_network",
    "network_from_texts",
    "read_tram_network",
]

#: GTFS-style direction id. 0 runs the way the source data lists the line first (see docs/network.md), 1 back.
Direction = Literal[0, 1]

#: Mean Earth radius (IUGG); the one radius every distance in the hub uses.
EARTH_RADIUS_M = 6_371_008.8

#: A position further than this from every segment of a line-direction is refused by ``snap``. Generous because
#: the model's segments are chords between stops, and real track curves away from them (up to a few hundred metres
#: on the long segments).
DEFAULT_MAX_SNAP_M = 500.0

#: Among segments whose distance to the point is within this of the nearest one, ``snap`` prefers the one closest
#: to the caller's hint (where a line passes near itself, e.g. out and back through one street).
_HINT_TOLERANCE_M = 30.0

LINES_FILE = "tram_lines.csv"
META_FILE = "tram_network.json"
LINES_COLUMNS = ("line", "direction", "seq", "stop_id", "stop_name", "lat", "lon", "distance_m", "osm_node_ids")


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two WGS84 points (degrees)."""
    p1 = math.radians(lat1)
    p2 = math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True, slots=True)
class LineStop:
    """One stop of a line-direction: the MDV stop it maps to, where trams stop, how far along the line it is."""

    stop_id: str  # station-level DHID, joins to the GTFS stops.txt
    name: str
    lat: float  # the OSM tram stop position(s), not the MDV station centroid
    lon: float
    distance_m: float  # along this line-direction from its first stop
    osm_node_ids: tuple[int, ...]


class Snap(NamedTuple):
    """Where a position lies on a line-direction: between stop ``last_stop_index`` and the next one."""

    last_stop_index: int
    fraction: float  # 0 at the last passed stop, 1 at the next
    distance_m: float  # along the line-direction from its first stop
    offset_m: float  # from the position to the line


class LineDirection:
    """One direction of a line: its stops in running order, with the projection ``snap`` needs precomputed."""

    __slots__ = ("_ax", "_ay", "_dx", "_dy", "_index", "_k", "_len2", "_seg_m", "direction", "line", "stops")

    def __init__(self, line: str, direction: Direction, stops: Sequence[LineStop]) -> None:
        if len(stops) < 2:
            raise NetworkDataError(f"line {line} direction {direction} has {len(stops)} stop(s); at least 2 needed")
        self.line = line
        self.direction: Direction = direction
        self.stops: tuple[LineStop, ...] = tuple(stops)
        self._index = {stop.stop_id: i for i, stop in enumerate(self.stops)}
        # A local equirectangular projection (metres) is exact enough over one line (<0.5 % scale error across
        # the 25 km of line 5) and turns snapping into plain 2-D point-to-segment arithmetic.
        lat0 = math.radians(sum(stop.lat for stop in self.stops) / len(self.stops))
        self._k = (EARTH_RADIUS_M * math.cos(lat0) * math.pi / 180.0, EARTH_RADIUS_M * math.pi / 180.0)
        kx, ky = self._k
        xs = [stop.lon * kx for stop in self.stops]
        ys = [stop.lat * ky for stop in self.stops]
        self._ax = xs[:-1]
        self._ay = ys[:-1]
        self._dx = [b - a for a, b in itertools.pairwise(xs)]
        self._dy = [b - a for a, b in itertools.pairwise(ys)]
        self._len2 = [dx * dx + dy * dy for dx, dy in zip(self._dx, self._dy, strict=True)]
        self._seg_m = [b.distance_m - a.distance_m for a, b in itertools.pairwise(self.stops)]

    def __repr__(self) -> str:
        return f"LineDirection({self.line!r}, {self.direction}, {self.origin.name!r} -> {self.destination.name!r})"

    def __contains__(self, stop_id: object) -> bool:
        return stop_id in self._index

    @property
    def origin(self) -> LineStop:
        return self.stops[0]

    @property
    def destination(self) -> LineStop:
        return self.stops[-1]

    @property
    def length_m(self) -> float:
        return self.stops[-1].distance_m

    def index_of(self, stop_id: str) -> int:
        """Position of a stop (by DHID) in this direction's sequence."""
        try:
            return self._index[stop_id]
        except KeyError:
            raise UnknownLineError(f"stop {stop_id} is not on line {self.line} direction {self.direction}") from None

    def point_at(self, distance_m: float) -> tuple[float, float]:
        """(lat, lon) of the point ``distance_m`` along the line (clamped to its ends), on the straight segments."""
        stops = self.stops
        if distance_m <= 0.0:
            return stops[0].lat, stops[0].lon
        if distance_m >= stops[-1].distance_m:
            return stops[-1].lat, stops[-1].lon
        lo, hi = 0, len(stops) - 1
        while hi - lo > 1:  # bisect on the cumulative distances
            mid = (lo + hi) // 2
            if stops[mid].distance_m <= distance_m:
                lo = mid
            else:
                hi = mid
        a, b = stops[lo], stops[hi]
        span = b.distance_m - a.distance_m
        f = (distance_m - a.distance_m) / span if span > 0 else 0.0
        return a.lat + f * (b.lat - a.lat), a.lon + f * (b.lon - a.lon)

    def snap(
        self, lat: float, lon: float, *, max_distance_m: float = DEFAULT_MAX_SNAP_M, hint_m: float | None = None
    ) -> Snap:
        """Project a position onto the nearest segment of this line-direction.

        ``hint_m`` (e.g. the vehicle's previous distance along the line) decides between segments that are about
        equally near, where the line passes close to itself. Raises ``SnapError`` beyond ``max_distance_m``.
        """
        kx, ky = self._k
        px = lon * kx
        py = lat * ky
        ax, ay, dx, dy, len2 = self._ax, self._ay, self._dx, self._dy, self._len2
        best_i = 0
        best_t = 0.0
        best_d2 = math.inf
        near: list[tuple[int, float, float]] | None = [] if hint_m is not None else None
        for i in range(len(len2)):
            rx = px - ax[i]
            ry = py - ay[i]
            seg2 = len2[i]
            t = (rx * dx[i] + ry * dy[i]) / seg2 if seg2 > 0.0 else 0.0
            if t < 0.0:
                t = 0.0
            elif t > 1.0:
                t = 1.0
            ex = rx - t * dx[i]
            ey = ry - t * dy[i]
            d2 = ex * ex + ey * ey
            if near is not None:
                near.append((i, t, d2))
            if d2 < best_d2:
                best_i, best_t, best_d2 = i, t, d2
        offset = math.sqrt(best_d2)
        if offset > max_distance_m:
            raise SnapError(
                f"position {lat:.6f},{lon:.6f} is {offset:.0f} m from line {self.line} direction {self.direction} "
                f"(limit {max_distance_m:.0f} m)",
                offset,
            )
        if near is not None and hint_m is not None:
            limit2 = (offset + _HINT_TOLERANCE_M) ** 2
            candidates = [(i, t, d2) for i, t, d2 in near if d2 <= limit2]
            best_i, best_t, best_d2 = min(
                candidates, key=lambda c: abs(self.stops[c[0]].distance_m + c[1] * self._seg_m[c[0]] - hint_m)
            )
            offset = math.sqrt(best_d2)
        return self._snap_result(best_i, best_t, offset)

    def _snap_result(self, i: int, t: float, offset: float) -> Snap:
        # A point exactly on a stop has passed it: report it as that stop with fraction 0, except at the last stop.
        if t >= 1.0 and i + 1 < len(self._seg_m):
            i, t = i + 1, 0.0
        return Snap(i, t, self.stops[i].distance_m + t * self._seg_m[i], offset)


@dataclass(frozen=True, slots=True)
class TramLine:
    """A tram line: both directions (each the reverse of the other) and the line's colour."""

    name: str
    color: str
    directions: tuple[LineDirection, LineDirection]

    @property
    def length_m(self) -> float:
        return self.directions[0].length_m


class TramNetwork:
    """All tram lines of the network, found by name (variant names such as ``7E`` resolve to their parent line)."""

    def __init__(self, lines: Iterable[TramLine], aliases: Mapping[str, str] | None = None) -> None:
        self.lines: dict[str, TramLine] = {line.name: line for line in lines}
        self.aliases: dict[str, str] = dict(aliases or {})
        for alias, parent in self.aliases.items():
            if parent not in self.lines:
                raise NetworkDataError(f"variant {alias} points to line {parent}, which the network does not have")

    def __repr__(self) -> str:
        return f"TramNetwork({len(self.lines)} lines: {', '.join(self.lines)})"

    def line(self, name: str) -> TramLine:
        """The line of that name, or its parent for a variant (``3E`` -> ``3``)."""
        line = self.lines.get(self.aliases.get(name, name))
        if line is None:
            raise UnknownLineError(f"no tram line {name!r}; known: {', '.join(self.lines)}")
        return line

    def direction(self, line: str, direction: Direction) -> LineDirection:
        if direction not in (0, 1):
            raise UnknownLineError(f"direction must be 0 or 1, not {direction!r}")
        return self.line(line).directions[direction]

    def direction_towards(self, line: str, stop_id: str) -> LineDirection:
        """The direction of ``line`` that ends at ``stop_id`` (e.g. a trip's last stop or destination sign)."""
        for candidate in self.line(line).directions:
            if candidate.destination.stop_id == stop_id:
                return candidate
        raise UnknownLineError(f"line {line} does not end at stop {stop_id}")

    def snap(
        self,
        lat: float,
        lon: float,
        line: str,
        direction: Direction,
        *,
        max_distance_m: float = DEFAULT_MAX_SNAP_M,
        hint_m: float | None = None,
    ) -> Snap:
        """Place a position on a line-direction: (index of last passed stop, fraction to the next, distance along,
        offset). Raises ``SnapError`` when the position is further than ``max_distance_m`` from the line."""
        return self.direction(line, direction).snap(lat, lon, max_distance_m=max_distance_m, hint_m=hint_m)

    def lines_at(self, stop_id: str) -> list[str]:
        """Names of the lines that serve a stop."""
        return [name for name, line in self.lines.items() if stop_id in line.directions[0]]

    def stops(self) -> dict[str, LineStop]:
        """Every stop of the network once, by DHID (position from the first line that serves it)."""
        found: dict[str, LineStop] = {}
        for line in self.lines.values():
            for stop in line.directions[0].stops:
                found.setdefault(stop.stop_id, stop)
        return found


def read_tram_network(root: str | Path | Traversable) -> TramNetwork:
    """Read a network from a folder holding ``tram_lines.csv`` and ``tram_network.json`` (as ``build`` writes)."""
    folder: Traversable = Path(root) if isinstance(root, str | Path) else root
    try:
        meta = json.loads(folder.joinpath(META_FILE).read_text(encoding="utf-8"))
        rows_text = folder.joinpath(LINES_FILE).read_text(encoding="utf-8")
    except (OSError, ValueError) as exc:
        raise NetworkDataError(f"cannot read the tram network in {folder}: {exc}") from exc
    return network_from_texts(meta, rows_text, str(folder))


def network_from_texts(meta: Any, rows_text: str, where: str) -> TramNetwork:
    """A network from the parsed ``tram_network.json`` and the text of ``tram_lines.csv``; ``where`` names them."""
    reader = csv.DictReader(io.StringIO(rows_text))
    if tuple(reader.fieldnames or ()) != LINES_COLUMNS:
        raise NetworkDataError(f"{where}/{LINES_FILE}: columns {reader.fieldnames}, expected {list(LINES_COLUMNS)}")
    by_direction: dict[tuple[str, int], list[LineStop]] = {}
    try:
        for row in reader:
            key = (row["line"], int(row["direction"]))
            stops = by_direction.setdefault(key, [])
            if int(row["seq"]) != len(stops):
                raise NetworkDataError(f"{where}/{LINES_FILE}: line {key[0]} direction {key[1]} out of sequence")
            stops.append(
                LineStop(
                    stop_id=row["stop_id"],
                    name=row["stop_name"],
                    lat=float(row["lat"]),
                    lon=float(row["lon"]),
                    distance_m=float(row["distance_m"]),
                    osm_node_ids=tuple(int(node) for node in row["osm_node_ids"].split()),
                )
            )
        lines = []
        for name, info in meta["lines"].items():
            there = LineDirection(name, 0, by_direction.pop((name, 0)))
            back = LineDirection(name, 1, by_direction.pop((name, 1)))
            if [s.stop_id for s in there.stops] != [s.stop_id for s in reversed(back.stops)]:
                raise NetworkDataError(f"{where}: line {name}: direction 1 is not direction 0 reversed")
            if abs(there.length_m - float(info["length_m"])) > 0.05:
                raise NetworkDataError(f"{where}: line {name}: length differs between {LINES_FILE} and {META_FILE}")
            lines.append(TramLine(name=name, color=str(info["color"]), directions=(there, back)))
        aliases = {str(k): str(v) for k, v in meta.get("variants", {}).items()}
    except (KeyError, ValueError, TypeError) as exc:
        raise NetworkDataError(f"{where}: malformed tram network ({exc!r})") from exc
    if by_direction:
        raise NetworkDataError(f"{where}/{LINES_FILE}: rows for lines not in {META_FILE}: {sorted(by_direction)}")
    return TramNetwork(lines, aliases)


@functools.cache
def load_tram_network() -> TramNetwork:
    """The Halle tram network shipped with the hub (read once, then cached)."""
    return read_tram_network(files("hub").joinpath("data", "halle", "tram"))
