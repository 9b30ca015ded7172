"""The shared position check: a usable WGS84 pair passes unchanged; every placeholder and out-of-range value is
refused naming the field as the caller calls it."""

from __future__ import annotations

import pytest

from hub.errors import InvalidEventError
from hub.formats.position import check_position


@pytest.mark.parametrize(("lat", "lon"), [(51.4825, 11.9695), (-33.86, 151.2), (89.99, -179.99), (-0.001, 0.001)])
def test_real_positions_pass_unchanged(lat: float, lon: float) -> None:
    assert check_position(lat, lon, "lat", "lon") == (lat, lon)


@pytest.mark.parametrize(
    ("lat", "lon", "reason"),
    [
        (90.0, 180.0, "lat is 90, the edge of its range"),
        (-90.0, 11.9, "lat is -90, the edge of its range"),
        (51.4, 180.0, "lon is 180, the edge of its range"),
        (0.0, 0.0, "lat is exactly 0, the value feeds send for a position without a fix"),
        (51.4, 0.0, "lon is exactly 0"),
        (90.5, 11.9, "lat is out of range (-90 to 90)"),
        (51.4, -180.5, "lon is out of range (-180 to 180)"),
        (float("inf"), 11.9, "lat is not a finite number"),
        (51.4, float("nan"), "lon is not a finite number"),
    ],
)
def test_placeholders_and_impossible_values_are_refused_with_the_reason(lat: float, lon: float, reason: str) -> None:
    with pytest.raises(InvalidEventError) as info:
        check_position(lat, lon, "lat", "lon")
    assert info.value.code == "schema_violation"
    assert info.value.reason.startswith(reason)
