"""The intercept recommendation with cars routed on Halle's street graph: the pruned search still equals the brute
force, because the road router's straight-line bound (``crow_speed_kmh``) never overstates a route's speed."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.eval.scenarios import road_params
from hub.network.roads import default_road_router
from hub.router import InterceptParams, PlaceIncident, recommend
from hub.router.reference import recommend_brute_force
from tests.unit.router.test_intercept import NOW, halle_case

ROUTER = default_road_router()

road_case_params = st.builds(
    lambda **kw: road_params(ROUTER, **kw),
    max_hold_s=st.sampled_from([0.0, 30.0, 120.0, 300.0]),
    runners_up=st.integers(0, 5),
    turnout_s=st.sampled_from([0.0, 30.0]),
    margin_s=st.sampled_from([0.0, 15.0, 60.0]),
    min_hold_saving_s=st.sampled_from([0.0, 30.0, 90.0, 600.0]),
)


def test_road_params_bound_the_pruning() -> None:
    params = road_params(ROUTER)
    assert set(params.crow_speed_mps) == {"police_car", "ordnungsamt_car", "on_foot"}
    assert params.crow_speed_mps["police_car"] > params.crow_speed_mps["ordnungsamt_car"]
    assert InterceptParams(router=ROUTER).crow_speed_mps == {}  # without the bound: no pruning, still exact


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32), n_units=st.integers(0, 60), params=road_case_params, wide=st.booleans())
def test_pruned_search_on_roads_equals_brute_force(
    seed: int, n_units: int, params: InterceptParams, wide: bool
) -> None:
    """On the road graph, the pruned search equals trying every unit at every stop, units city-wide or far out."""
    incident, units = halle_case(random.Random(seed), n_units, 0.5 if wide else 0.06)
    assert recommend(incident, units, NOW, params) == recommend_brute_force(incident, units, NOW, params)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32), n_units=st.integers(0, 40))
def test_place_ranking_on_roads_equals_brute_force(seed: int, n_units: int) -> None:
    rng = random.Random(seed)
    incident, units = halle_case(rng, n_units)
    place = PlaceIncident("E2", incident.lat, incident.lon)
    params = road_params(ROUTER)
    assert recommend(place, units, NOW, params) == recommend_brute_force(place, units, NOW, params)
