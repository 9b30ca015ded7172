"""The car router on Halle's street graph: which ways it keeps, hand-checked routes across the Saale, the lower bound
the recommendation prunes with, and the small graphs its edge cases need."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hub.errors import NetworkDataError
from hub.network.roads import (
    CAR_TYPE_FACTORS,
    CLASS_SPEEDS_KMH,
    ROAD_CLASSES,
    RoadGraph,
    RoadGraphRouter,
    RoadSpeeds,
    classify_way,
    default_road_router,
    load_road_graph,
)
from hub.network.tram import haversine_m, load_tram_network
from hub.network.travel import DEFAULT_ROAD_PROFILES, StraightLineRouter

ROUTER = default_road_router()

# Hand-checked places (OpenStreetMap): Halle-Neustadt's centre west of the Saale, the Marktplatz in the old town
# east of it; the Magistrale crosses the Saale arms at the Rennbahnkreuz interchange. Kröllwitz (west bank) and
# Giebichenstein (east bank) are joined by the Kröllwitzer Brücke.
NEUSTADT = (51.4815, 11.9180)
MARKTPLATZ = (51.4826, 11.9700)
RENNBAHNKREUZ = (51.4813, 11.9455)
KROELLWITZ = (51.5040, 11.9420)
GIEBICHENSTEIN = (51.5030, 11.9620)
KROELLWITZER_BRUECKE = (51.5040, 11.9522)


def _passes_near(path: list[int], point: tuple[float, float], within_m: float) -> bool:
    g = ROUTER.graph
    return any(haversine_m(float(g.lat[i]), float(g.lon[i]), *point) <= within_m for i in path)


def test_only_car_ways_are_kept() -> None:
    """Footways, paths, cycleways, park ways and ferries are no car roads; the rest get a class by code and LTS."""
    for quality in (9, 501, 502, 503, 700, 402, 5, 6, None):
        assert classify_way(quality, 1) is None
    assert classify_way(3, 0) == "motorway"
    assert classify_way(4, 0) == "motorway_link"
    assert classify_way(1, 0) == "expressway"
    assert classify_way(301, 1) == "arterial"  # Merseburger Straße: a main road with a cycle track
    assert [classify_way(100, lts) for lts in (4, 3, 2, 1)] == ["arterial", "main", "local", "minor"]
    assert set(CLASS_SPEEDS_KMH) == set(ROAD_CLASSES)


def test_shipped_graph_is_one_connected_piece_over_halle() -> None:
    graph = load_road_graph()
    assert 40_000 < graph.nodes < 100_000
    assert set(np.unique(graph.edge_class)) <= set(range(len(ROAD_CLASSES)))
    times = ROUTER.times_to(0)
    assert np.isfinite(times).all()  # the build keeps the largest connected piece only
    assert 51.40 < graph.lat.min() < graph.lat.max() < 51.57
    assert 11.85 < graph.lon.min() < graph.lon.max() < 12.13


def test_neustadt_to_the_marktplatz_crosses_the_saale_at_the_rennbahnkreuz() -> None:
    metres, path = ROUTER.route_m(*NEUSTADT, *MARKTPLATZ)
    crow = haversine_m(*NEUSTADT, *MARKTPLATZ)
    assert crow * 1.1 < metres < crow * 1.5
    assert _passes_near(path, RENNBAHNKREUZ, 150.0)
    police = ROUTER.travel_time_s(*NEUSTADT, *MARKTPLATZ, "police_car")
    ordnungsamt = ROUTER.travel_time_s(*NEUSTADT, *MARKTPLATZ, "ordnungsamt_car")
    assert ordnungsamt == pytest.approx(police * CAR_TYPE_FACTORS["police_car"], rel=0.02)  # blue lights
    # Plausible city driving: between 20 and 60 km/h on average over the road distance.
    assert metres * 3.6 / 60 < police < metres * 3.6 / 20


def test_kroellwitz_to_giebichenstein_takes_the_kroellwitzer_bruecke() -> None:
    """Banks apart by 1.4 km in a straight line: the road goes round to the bridge."""
    metres, path = ROUTER.route_m(*KROELLWITZ, *GIEBICHENSTEIN)
    assert metres > 1.4 * haversine_m(*KROELLWITZ, *GIEBICHENSTEIN)
    assert _passes_near(path, KROELLWITZER_BRUECKE, 80.0)


def test_routes_are_symmetric_and_zero_in_place() -> None:
    there = ROUTER.travel_time_s(*NEUSTADT, *MARKTPLATZ, "police_car")
    back = ROUTER.travel_time_s(*MARKTPLATZ, *NEUSTADT, "police_car")
    assert there == pytest.approx(back, rel=1e-5)  # two-way edges: the data has no oneway tag
    assert ROUTER.travel_time_s(*MARKTPLATZ, *MARKTPLATZ, "police_car") == 0.0


def test_the_crow_speed_bounds_every_route() -> None:
    """Straight-line distance over ``crow_speed_kmh`` is never more than the routed time (what keeps the pruning
    exact), from a spread of points to every tram stop, inside and outside the graph's area."""
    stops = list(load_tram_network().stops().values())[::6]
    crow = ROUTER.crow_speed_kmh()
    rng = np.random.default_rng(3)
    points = [(51.48 + rng.uniform(-0.08, 0.08), 11.97 + rng.uniform(-0.14, 0.14)) for _ in range(30)]
    for kind in ("police_car", "ordnungsamt_car", "on_foot"):
        for lat, lon in points:
            for stop in stops:
                drive = ROUTER.travel_time_s(lat, lon, stop.lat, stop.lon, kind)
                assert haversine_m(lat, lon, stop.lat, stop.lon) * 3.6 / crow[kind] <= drive + 1e-6


def test_foot_patrols_keep_the_straight_line_profile() -> None:
    walk = ROUTER.travel_time_s(*NEUSTADT, *MARKTPLATZ, "on_foot")
    assert walk == StraightLineRouter().travel_time_s(*NEUSTADT, *MARKTPLATZ, "on_foot")
    with pytest.raises(ValueError, match="no road speed"):
        RoadGraphRouter(foot={}).travel_time_s(*NEUSTADT, *MARKTPLATZ, "on_foot")


def test_far_outside_the_graph_the_straight_line_model_applies() -> None:
    """Merseburg lies outside the data's area: the trip there is no slower than the straight-line model."""
    merseburg = (51.3550, 11.9930)
    drive = ROUTER.travel_time_s(*MARKTPLATZ, *merseburg, "police_car")
    straight = StraightLineRouter().travel_time_s(*MARKTPLATZ, *merseburg, "police_car")
    assert drive <= straight


def _toy_graph() -> RoadGraph:
    """Three nodes 1 km apart due east on one latitude, a local road then a motorway."""
    lat = np.full(3, 51.48)
    lon = np.array([11.90, 11.90 + 1000 / 69_400, 11.90 + 2000 / 69_400])
    return RoadGraph(
        lat,
        lon,
        np.array([0, 1], dtype=np.int32),
        np.array([1, 2], dtype=np.int32),
        np.array([1000.0, 1000.0], dtype=np.float32),
        np.array([ROAD_CLASSES.index("local"), ROAD_CLASSES.index("motorway")], dtype=np.uint8),
    )


def test_time_is_the_sum_of_edges_at_their_class_speed() -> None:
    graph = _toy_graph()
    router = RoadGraphRouter(graph)
    lat, lon = graph.lat, graph.lon
    expected = 1000 * 3.6 / CLASS_SPEEDS_KMH["local"] + 1000 * 3.6 / CLASS_SPEEDS_KMH["motorway"]
    got = router.travel_time_s(lat[0], lon[0], lat[2], lon[2], "ordnungsamt_car")
    assert got == pytest.approx(expected, rel=1e-5)
    police = router.travel_time_s(lat[0], lon[0], lat[2], lon[2], "police_car")
    assert police == pytest.approx(expected / CAR_TYPE_FACTORS["police_car"], rel=1e-5)
    slower = RoadGraphRouter(graph, RoadSpeeds().scaled(0.8))
    assert slower.travel_time_s(lat[0], lon[0], lat[2], lon[2], "ordnungsamt_car") == pytest.approx(got / 0.8)


def test_the_leg_off_the_graph_counts_as_the_straight_line_model() -> None:
    graph = _toy_graph()
    router = RoadGraphRouter(graph)
    north = 51.48 + 100 / 111_195  # 100 m north of node 0
    on_node = router.travel_time_s(graph.lat[0], graph.lon[0], graph.lat[1], graph.lon[1], "police_car")
    off = router.travel_time_s(north, graph.lon[0], graph.lat[1], graph.lon[1], "police_car")
    profile = DEFAULT_ROAD_PROFILES["police_car"]
    assert off - on_node == pytest.approx(100 * profile.detour_factor * 3.6 / profile.speed_kmh, rel=1e-3)


def test_bad_graphs_and_speeds_are_refused() -> None:
    graph = _toy_graph()
    with pytest.raises(NetworkDataError, match="mismatched"):
        RoadGraph(graph.lat, graph.lon[:2], graph.edge_u, graph.edge_v, graph.edge_m, graph.edge_class)
    with pytest.raises(NetworkDataError, match="node or road class"):
        RoadGraph(graph.lat, graph.lon, graph.edge_u + 5, graph.edge_v, graph.edge_m, graph.edge_class)
    with pytest.raises(ValueError, match="no speed for road classes"):
        RoadSpeeds(class_kmh={"motorway": 100.0})
    with pytest.raises(ValueError, match="positive"):
        RoadSpeeds(class_kmh={name: 0.0 if name == "local" else 30.0 for name in ROAD_CLASSES})
    assert math.isfinite(RoadSpeeds().max_kmh("police_car"))
