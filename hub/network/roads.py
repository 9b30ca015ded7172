"""Road travel times on Halle's street graph: the ``RoadRouter`` the recommendation and the evaluation use when they
route cars on real streets instead of straight lines times a detour factor.

The graph is built at build time (tools/build_roads.py) from OpenStreetMap ways (ODbL, hub/data/roads/PROVENANCE.md)
and shipped as ``hub/data/roads/halle_roads.npz``: node positions, and two-way edges with their length and road
class. Nothing is read at import time; ``load_road_graph`` reads the file once on first use.

How a car's time is counted (docs/intercept.md, "Routing on Halle's streets"): from its position to the nearest graph
node as ``StraightLineRouter`` counts it (the straight line times the detour factor over the unit type's average
speed: the last metres from a yard, or the way in from outside the area the graph covers), along the fastest path
(each edge at its class speed times the unit type's factor, e.g. blue lights for police cars), then from the node
nearest the destination the same way. An end more than ``OFF_GRAPH_M`` from the graph (Merseburg, Leuna and Bad
Dürrenberg on line 5 lie outside the area the data covers) may take the straight-line model for the whole trip
instead, whichever is faster. No part is faster in straight-line distance than ``RoadSpeeds.max_kmh`` for
that type, so straight-line distance over that speed is a lower bound of every route: the recommendation's pruning
stays exact with ``crow_speed_kmh`` set to it (``RoadGraphRouter.crow_speed_kmh``).
Foot patrols do not use the car graph: they keep the straight-line profile.

Fast: the fastest-path times to a destination node are one Dijkstra run on the whole graph (scipy), kept per node
in a bounded cache, so a router call is two cached nearest-node look-ups and an array read.
"""

from __future__ import annotations

import itertools
import math
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final

from hub.errors import NetworkDataError
from hub.network.tram import EARTH_RADIUS_M, haversine_m
from hub.network.travel import DEFAULT_ROAD_PROFILES, RoadProfile, StraightLineRouter, UnitType

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = [
    "CAR_TYPE_FACTORS",
    "CLASS_SPEEDS_KMH",
    "ROAD_CLASSES",
    "RoadGraph",
    "RoadGraphRouter",
    "RoadSpeeds",
    "classify_way",
    "default_road_router",
    "load_road_graph",
]

#: Road classes of the car graph, in the order their codes (0, 1, ...) are stored in the data file.
ROAD_CLASSES: Final = ("motorway", "motorway_link", "expressway", "arterial", "main", "local", "minor", "service")

#: Assumed free-flow average speed per road class, km/h, for a car without special rights, counting the slowing at
#: junctions and signals along the way (the data has no maxspeed tag; German urban limits are 50, most residential
#: streets in Halle are Tempo-30 zones). Assumptions, not measurements: the evaluation's sensitivity table varies them.
CLASS_SPEEDS_KMH: Final[Mapping[str, float]] = MappingProxyType(
    {
        "motorway": 100.0,  # A14, A143 (advisory speed, no limit; a city car rarely sustains more)
        "motorway_link": 50.0,
        "expressway": 65.0,  # roads closed to bicycles: Europachaussee, Berliner Chaussee, Magistrale (B80, B100)
        "arterial": 45.0,  # busy main roads and main roads with cycle tracks or lanes (Merseburger Straße)
        "main": 38.0,
        "local": 28.0,  # Tempo-30 residential streets
        "minor": 20.0,  # quiet residential streets, living streets (Schrittgeschwindigkeit stretches)
        "service": 15.0,  # yards, access and emergency lanes
    }
)

#: Speed factor per car type over the class speeds: police drive with blue lights and siren (§§ 35, 38 StVO), which
#: buys about a quarter over ordinary traffic in a city; the Ordnungsamt drives without special rights.
CAR_TYPE_FACTORS: Final[Mapping[UnitType, float]] = MappingProxyType({"police_car": 1.25, "ordnungsamt_car": 1.0})

#: Farther than this from the nearest node, a position counts as outside the graph's area (metres).
OFF_GRAPH_M: Final = 300.0

_MOTOR_ROADS: Final = frozenset({100, 10, 11, 8})  # stressmap quality codes of roads shared with motor traffic
_WITH_CYCLE_WAY: Final = frozenset({201, 202, 301, 302})  # main roads with cycle lanes (2xx) or tracks (3xx)


def classify_way(quality: int | None, lts: int | None) -> str | None:
    """The road class of an OSM way from the stressmap ``quality`` code and ``lts`` level, None when no car drives
    it (footways 9, paths 501-503, cycleways 700, pedestrian and park ways 402, steps and unknown 5, 6, ferries and
    unclassified None). The mapping is inferred from the street names in each code (hub/data/roads/PROVENANCE.md)."""
    if quality == 3:
        return "motorway"
    if quality == 4:
        return "motorway_link"
    if quality == 1:  # no cycling allowed: expressways and trunk roads
        return "expressway"
    if quality == 2:
        return "service"
    if quality in _WITH_CYCLE_WAY:
        return "arterial"
    if quality in _MOTOR_ROADS:
        if lts == 4:
            return "arterial"
        if lts == 3:
            return "main"
        if lts == 2:
            return "local"
        return "minor"
    return None


@dataclass(frozen=True, slots=True)
class RoadSpeeds:
    """The speed assumptions of a ``RoadGraphRouter``: per road class, per car type on the graph, and off it (the
    straight-line profiles; a car type needs one)."""

    class_kmh: Mapping[str, float] = field(default_factory=lambda: CLASS_SPEEDS_KMH)
    type_factor: Mapping[UnitType, float] = field(default_factory=lambda: CAR_TYPE_FACTORS)
    off_graph: Mapping[UnitType, RoadProfile] = field(default_factory=lambda: DEFAULT_ROAD_PROFILES)

    def __post_init__(self) -> None:
        missing = set(ROAD_CLASSES) - set(self.class_kmh)
        if missing:
            raise ValueError(f"no speed for road classes {sorted(missing)}")
        if set(self.type_factor) - set(self.off_graph):
            raise ValueError("every car type needs an off-graph profile")
        if any(not s > 0 for s in [*self.class_kmh.values(), *self.type_factor.values()]):
            raise ValueError("road speeds and factors must be positive")

    def scaled(self, factor: float) -> RoadSpeeds:
        """Every class speed and off-graph speed times ``factor`` (the sensitivity runs)."""
        return RoadSpeeds(
            MappingProxyType({k: v * factor for k, v in self.class_kmh.items()}),
            self.type_factor,
            MappingProxyType(
                {k: RoadProfile(p.speed_kmh * factor, p.detour_factor) for k, p in self.off_graph.items()}
            ),
        )

    def off_graph_s_per_m(self, unit_type: UnitType) -> float:
        """Seconds per straight-line metre off the graph for ``unit_type``."""
        profile = self.off_graph[unit_type]
        return profile.detour_factor * 3.6 / profile.speed_kmh

    def max_kmh(self, unit_type: UnitType) -> float:
        """The fastest a car of ``unit_type`` covers straight-line distance on any part of a route, km/h."""
        on_graph = max(self.class_kmh.values()) * self.type_factor[unit_type]
        return max(on_graph, 3.6 / self.off_graph_s_per_m(unit_type))


class RoadGraph:
    """Halle's car graph: node positions (degrees) and two-way edges (node, node, metres, class code).

    Immutable after construction; the derived structures (sparse matrix, nearest-node tree) are built here once.
    """

    def __init__(
        self,
        lat: npt.NDArray[np.float64],
        lon: npt.NDArray[np.float64],
        edge_u: npt.NDArray[np.int32],
        edge_v: npt.NDArray[np.int32],
        edge_m: npt.NDArray[np.float32],
        edge_class: npt.NDArray[np.uint8],
    ) -> None:
        import numpy as np
        from scipy.spatial import cKDTree

        n = len(lat)
        if not (len(lon) == n and len(edge_u) == len(edge_v) == len(edge_m) == len(edge_class)):
            raise NetworkDataError("road graph arrays have mismatched lengths")
        if n == 0 or len(edge_u) == 0:
            raise NetworkDataError("road graph is empty")
        if int(max(edge_u.max(), edge_v.max())) >= n or int(edge_class.max()) >= len(ROAD_CLASSES):
            raise NetworkDataError("road graph refers to a node or road class it does not have")
        self.lat = lat
        self.lon = lon
        self.edge_u = edge_u
        self.edge_v = edge_v
        self.edge_m = edge_m
        self.edge_class = edge_class
        # A local metric projection for nearest-node search (a few hundred metres' error would not matter here:
        # the snap leg is counted by its haversine length).
        self._lat0 = float(np.mean(lat))
        self._kx = EARTH_RADIUS_M * math.pi / 180.0 * math.cos(math.radians(self._lat0))
        self._ky = EARTH_RADIUS_M * math.pi / 180.0
        self._tree = cKDTree(np.column_stack((lon * self._kx, lat * self._ky)))

    @property
    def nodes(self) -> int:
        return len(self.lat)

    def nearest(self, lat: float, lon: float) -> tuple[int, float]:
        """(index of the nearest node, haversine metres to it)."""
        _, index = self._tree.query((lon * self._kx, lat * self._ky))
        node = int(index)
        return node, haversine_m(lat, lon, float(self.lat[node]), float(self.lon[node]))

    def edge_seconds(self, class_kmh: Mapping[str, float]) -> npt.NDArray[np.float64]:
        """Each edge's driving time in seconds at ``class_kmh``."""
        import numpy as np

        per_class = np.array([3.6 / class_kmh[name] for name in ROAD_CLASSES])
        seconds: npt.NDArray[np.float64] = self.edge_m.astype(np.float64) * per_class[self.edge_class]
        return seconds


def read_road_graph(path: Any) -> RoadGraph:
    """A ``RoadGraph`` from an npz file written by tools/build_roads.py (a path or an importlib Traversable)."""
    import numpy as np

    try:
        with path.open("rb") as fh, np.load(fh) as data:
            lat = data["lat_e7"].astype(np.float64) / 1e7
            lon = data["lon_e7"].astype(np.float64) / 1e7
            return RoadGraph(lat, lon, data["edge_u"], data["edge_v"], data["edge_m"], data["edge_class"])
    except (OSError, KeyError, ValueError) as exc:
        raise NetworkDataError(f"cannot read road graph {path}: {exc}") from exc


@cache
def load_road_graph() -> RoadGraph:
    """The shipped Halle road graph, read once (about 0.2 s) and cached."""
    return read_road_graph(files("hub").joinpath("data", "roads", "halle_roads.npz"))


class RoadGraphRouter:
    """``RoadRouter`` on the street graph for cars, straight lines for foot patrols (see the module docstring).

    Thread-safe for the caches it keeps: nearest nodes of positions seen, and fastest-path times to up to
    ``tree_cache`` destination nodes, the oldest computed dropped first (one float32 array over all nodes each,
    0.2 MB; the tram stops need about 110).
    """

    def __init__(
        self,
        graph: RoadGraph | None = None,
        speeds: RoadSpeeds | None = None,
        *,
        foot: Mapping[UnitType, RoadProfile] = DEFAULT_ROAD_PROFILES,
        tree_cache: int = 1024,
        snap_cache: int = 200_000,
    ) -> None:
        from scipy.sparse import coo_matrix

        self.graph = graph or load_road_graph()
        self.speeds = speeds or RoadSpeeds()
        self._foot = StraightLineRouter({"on_foot": foot["on_foot"]}) if "on_foot" in foot else None
        g = self.graph
        seconds = g.edge_seconds(self.speeds.class_kmh)
        # Two-way edges (the data has no oneway tag); parallel edges: csgraph keeps the sum on conversion, so the
        # build tool merges them into the shortest beforehand.
        self._matrix = coo_matrix((seconds, (g.edge_u, g.edge_v)), shape=(g.nodes, g.nodes)).tocsr()
        self._off_s_per_m = {kind: self.speeds.off_graph_s_per_m(kind) for kind in self.speeds.type_factor}
        self._trees: dict[int, npt.NDArray[np.float32]] = {}
        self._snaps: dict[tuple[float, float], tuple[int, float]] = {}
        self._tree_cache = tree_cache
        self._snap_cache = snap_cache
        self._lock = threading.Lock()

    def crow_speed_kmh(self) -> dict[UnitType, float]:
        """Per unit type, a speed no route beats in straight-line distance: for ``InterceptParams.crow_speed_kmh``,
        so the recommendation prunes exactly with this router."""
        speeds: dict[UnitType, float] = {kind: self.speeds.max_kmh(kind) for kind in self.speeds.type_factor}
        if self._foot is not None:
            profile = self._foot.profiles["on_foot"]
            speeds["on_foot"] = profile.speed_kmh / profile.detour_factor
        return speeds

    def travel_time_s(
        self, from_lat: float, from_lon: float, to_lat: float, to_lon: float, unit_type: UnitType
    ) -> float:
        factor = self.speeds.type_factor.get(unit_type)
        if factor is None:
            if unit_type == "on_foot" and self._foot is not None:
                return self._foot.travel_time_s(from_lat, from_lon, to_lat, to_lon, unit_type)
            raise ValueError(f"no road speed for unit type {unit_type!r}")
        off_s_per_m = self._off_s_per_m[unit_type]
        source, source_m = self._snap(from_lat, from_lon)
        target, target_m = self._snap(to_lat, to_lon)
        if source == target:
            # Both ends at one node: the straight line between them (never more than the two legs via the node).
            return min(haversine_m(from_lat, from_lon, to_lat, to_lon), source_m + target_m) * off_s_per_m
        road_s = float(self.times_to(target)[source])
        if math.isinf(road_s):  # the build keeps one connected piece, so this means a broken file
            raise NetworkDataError(f"road graph: node {source} cannot reach node {target}")
        routed = (source_m + target_m) * off_s_per_m + road_s / factor
        if source_m > OFF_GRAPH_M or target_m > OFF_GRAPH_M:
            return min(routed, haversine_m(from_lat, from_lon, to_lat, to_lon) * off_s_per_m)
        return routed

    def route_m(self, from_lat: float, from_lon: float, to_lat: float, to_lon: float) -> tuple[float, list[int]]:
        """(length in metres of the fastest car route, its node indices from start to end), for tests and maps."""
        from scipy.sparse.csgraph import dijkstra

        source, source_m = self._snap(from_lat, from_lon)
        target, target_m = self._snap(to_lat, to_lon)
        _, pred = dijkstra(self._matrix, directed=False, indices=target, return_predecessors=True)
        path = [source]
        while path[-1] != target:
            path.append(int(pred[path[-1]]))
            if path[-1] < 0:
                raise NetworkDataError(f"road graph: node {source} cannot reach node {target}")
        g = self.graph
        metres = source_m + target_m
        for a, b in itertools.pairwise(path):
            metres += haversine_m(float(g.lat[a]), float(g.lon[a]), float(g.lat[b]), float(g.lon[b]))
        return metres, path

    def warm(self, points: Iterable[tuple[float, float]]) -> None:
        """Compute the fastest-path times to the nodes nearest ``points`` now (e.g. every tram stop), not on the
        first call that needs them."""
        for lat, lon in points:
            self.times_to(self._snap(lat, lon)[0])

    def times_to(self, target: int) -> npt.NDArray[np.float32]:
        """Seconds (class speeds, no type factor) from every node to ``target`` along the fastest path."""
        cached = self._trees.get(target)  # a dict read is atomic: no lock on the hot path
        if cached is not None:
            return cached
        from scipy.sparse.csgraph import dijkstra

        tree: npt.NDArray[np.float32] = dijkstra(self._matrix, directed=False, indices=target).astype("float32")
        with self._lock:
            self._trees[target] = tree
            while len(self._trees) > self._tree_cache:
                del self._trees[next(iter(self._trees))]
        return tree

    def _snap(self, lat: float, lon: float) -> tuple[int, float]:
        key = (lat, lon)
        found = self._snaps.get(key)
        if found is None:
            found = self.graph.nearest(lat, lon)
            if len(self._snaps) >= self._snap_cache:
                self._snaps.clear()
            self._snaps[key] = found
        return found


def default_road_router() -> RoadGraphRouter:
    """One ``RoadGraphRouter`` on the shipped graph with the default speeds, shared (its caches fill once)."""
    return _default_router()


@cache
def _default_router() -> RoadGraphRouter:
    return RoadGraphRouter()
