"""``ScreenCache`` answers what ``screen_units`` answers for the same units, at every later time, while screening
only when a unit's outcome can have changed (issue 13: the screening was a fifth of the router's time per position)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.router.intercept import DEFAULT_PARAMS, ScreenCache, recommend, screen_units
from hub.router.model import InterceptParams, PlaceIncident, UnitState

NOW = 1_780_000_000.0

units_strategy = st.lists(
    st.builds(
        UnitState,
        unit_id=st.sampled_from([f"U-{i}" for i in range(12)]),
        agency=st.sampled_from(["polizei", "ordnungsamt"]),
        unit_type=st.just("police_car"),
        lat=st.floats(51.45, 51.52),
        lon=st.floats(11.93, 12.02),
        fix_at_s=st.floats(NOW - 400, NOW + 200),
        status_code=st.integers(0, 9),
        last_dispatched_at_s=st.none() | st.floats(NOW - 1200, NOW + 200),
    ),
    max_size=12,
).map(tuple)

params_strategy = st.sampled_from(
    [
        DEFAULT_PARAMS,
        InterceptParams(max_position_age_s=30.0, recent_dispatch_s=60.0),
        InterceptParams(max_position_age_s=1_000.0, recent_dispatch_s=50.0),  # dispatches end before fixes go stale
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    units=units_strategy,
    params=params_strategy,
    steps=st.lists(st.floats(-5.0, 150.0), min_size=1, max_size=30),
    others=st.lists(st.booleans(), min_size=30, max_size=30),
)
def test_cached_screening_equals_a_fresh_one(
    units: tuple[UnitState, ...], params: InterceptParams, steps: list[float], others: list[bool]
) -> None:
    """Times going forward (and now and then back), the same or other units: the cache always answers what a
    fresh screening answers, including which units are left out and why."""
    cache = ScreenCache()
    now = NOW - 300
    current = units
    for step, swap in zip(steps, others, strict=False):
        now += step
        if swap:
            current = tuple(reversed(current))  # another tuple: screened afresh
        cached = cache.screen(current, now, params)
        assert cached == screen_units(current, now, params)


def test_a_screening_is_reused_until_a_position_goes_stale() -> None:
    """The same units later: the kept answer is reused (the eligible list a copy the caller may change) until the
    oldest fresh fix passes ``max_position_age_s``; then the stale unit is left out."""
    params = DEFAULT_PARAMS
    units = (
        UnitState("POL-1", "polizei", "police_car", 51.48, 11.97, NOW - 100, 1, None),
        UnitState("POL-2", "polizei", "police_car", 51.49, 11.96, NOW, 1, None),
    )
    cache = ScreenCache()
    first, _ = cache.screen(units, NOW, params)
    first.clear()
    again, excluded = cache.screen(units, NOW + params.max_position_age_s - 100, params)
    assert [u.unit_id for u in again] == ["POL-1", "POL-2"]
    assert excluded == ()
    later, excluded = cache.screen(units, NOW + params.max_position_age_s - 99, params)
    assert [u.unit_id for u in later] == ["POL-2"]
    assert [(e.unit_id, e.reason) for e in excluded] == [("POL-1", "stale_position")]


def test_a_recent_dispatch_stops_counting_at_its_limit() -> None:
    """A unit proposed a moment ago is left out, and eligible again once ``recent_dispatch_s`` has passed, with
    the cache as without it."""
    params = InterceptParams(max_position_age_s=10_000.0, recent_dispatch_s=600.0)
    units = (UnitState("POL-1", "polizei", "police_car", 51.48, 11.97, NOW, 1, NOW),)
    cache = ScreenCache()
    assert cache.screen(units, NOW + 10, params)[0] == []
    assert cache.screen(units, NOW + 599, params)[0] == []
    assert [u.unit_id for u in cache.screen(units, NOW + 600, params)[0]] == ["POL-1"]


def test_recommend_with_the_cache_equals_recommend_without() -> None:
    """``recommend(screen=...)`` ranks the same units the same way."""
    units = tuple(
        UnitState(f"POL-{i}", "polizei", "police_car", 51.47 + 0.003 * i, 11.96, NOW - 5 * i, 1, None) for i in range(8)
    )
    where = PlaceIncident("E1", 51.48, 11.97)
    cache = ScreenCache()
    for t in (NOW, NOW + 1, NOW + 50):
        assert recommend(where, units, t, DEFAULT_PARAMS, screen=cache) == recommend(where, units, t, DEFAULT_PARAMS)
