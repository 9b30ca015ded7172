"""The router worker times units' drives on the street graph by default (what `hub eval intercept` measures), with
the speed bound that keeps the recommendation's search exact, and on straight lines when told."""

from __future__ import annotations

from hub.config import Settings
from hub.network.roads import RoadGraphRouter
from hub.network.tram import load_tram_network
from hub.router.intercept import DEFAULT_PARAMS
from hub.workers.router import intercept_params

# Marktplatz and a point in Neustadt, west of the Saale: by car the river is crossed on a bridge.
MARKT = (51.4825, 11.9695)
NEUSTADT = (51.4790, 11.9150)


def test_the_worker_routes_cars_on_the_streets_by_default() -> None:
    network = load_tram_network()
    params = intercept_params(Settings().router_roads, network)
    assert isinstance(params.router, RoadGraphRouter)
    assert params.crow_speed_kmh == params.router.crow_speed_kmh()
    straight = DEFAULT_PARAMS.router.travel_time_s(*NEUSTADT, *MARKT, "police_car")
    streets = params.router.travel_time_s(*NEUSTADT, *MARKT, "police_car")
    assert streets != straight
    # every stop's tree was worked out at start: a stop's drive needs no new search
    trees = len(params.router._trees)
    stop = network.lines["2"].directions[0].stops[3]
    params.router.travel_time_s(*NEUSTADT, stop.lat, stop.lon, "police_car")
    assert len(params.router._trees) == trees


def test_straight_lines_when_told() -> None:
    assert intercept_params("straight", load_tram_network()) is DEFAULT_PARAMS
