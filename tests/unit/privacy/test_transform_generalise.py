"""Generalisation helpers: the fixed grid, house-number removal, time buckets and the nearest-stop index."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.privacy.transform import StopIndex, bucket_time, snap_to_grid, strip_house_numbers

_M_PER_DEG = 111_320.0

halle_lat = st.floats(min_value=51.35, max_value=51.60)
halle_lon = st.floats(min_value=11.80, max_value=12.10)


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    dy = (a[0] - b[0]) * _M_PER_DEG
    dx = (a[1] - b[1]) * _M_PER_DEG * math.cos(math.radians((a[0] + b[0]) / 2))
    return math.hypot(dx, dy)


@given(halle_lat, halle_lon, st.sampled_from([100, 250, 500, 1000]))
def test_grid_centre_is_within_half_a_cell_diagonal(lat: float, lon: float, metres: int) -> None:
    """The snapped point is the centre of the point's cell: no farther than half the cell diagonal."""
    centre = snap_to_grid(lat, lon, metres)
    assert _metres((lat, lon), centre) <= metres * math.sqrt(2) / 2 + 1.0


@given(halle_lat, halle_lon)
def test_grid_is_idempotent_and_fixed(lat: float, lon: float) -> None:
    """Snapping a centre gives the same centre: the cells are one fixed geography, not centred on the data."""
    centre = snap_to_grid(lat, lon, 250)
    assert snap_to_grid(*centre, 250) == centre


def test_grid_cells_are_the_given_size() -> None:
    """Rows are 250 m apart; within a row, neighbouring cells are 250 m apart (rows are offset, like bricks)."""
    a = snap_to_grid(51.4800, 11.9700, 250)
    north = snap_to_grid(a[0] + 250 / _M_PER_DEG, a[1], 250)
    east = snap_to_grid(a[0], a[1] + 250 / (_M_PER_DEG * math.cos(math.radians(a[0]))), 250)
    assert (north[0] - a[0]) * _M_PER_DEG == pytest.approx(250, abs=0.2)
    assert _metres(a, east) == pytest.approx(250, abs=1)


def test_grid_stays_on_the_globe() -> None:
    """Cells at the poles and the date line give valid coordinates."""
    lat, lon = snap_to_grid(90.0, 180.0, 1000)
    assert -90.0 <= lat <= 90.0
    assert -180.0 <= lon <= 180.0


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("Leipziger Straße 12a, Halle (Saale)", "Leipziger Straße, Halle (Saale)"),
        ("Große Ulrichstraße 7, 06108 Halle", "Große Ulrichstraße, 06108 Halle"),
        ("Hansering 12-14", "Hansering"),
        ("Geiststraße 3 b", "Geiststraße"),
        ("Reilstraße 120/1, Halle", "Reilstraße, Halle"),
        ("Am Steintor", "Am Steintor"),
        ("12", None),
    ],
)
def test_house_numbers_removed_postcodes_kept(address: str, expected: str | None) -> None:
    """House numbers (with letters and ranges) go; street, five-digit postcode and town stay."""
    assert strip_house_numbers(address) == expected


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)))
def test_time_bucket_floors(moment: datetime) -> None:
    """A bucket starts at or before the moment, less than one bucket earlier, on a whole bucket boundary."""
    bucket = bucket_time(moment, 60)
    assert bucket <= moment < bucket + timedelta(minutes=60)
    assert bucket.minute == bucket.second == bucket.microsecond == 0


@dataclass(frozen=True)
class _Stop:
    stop_id: str
    lat: float
    lon: float


_GRID_STOPS = [_Stop(f"s{n}", 51.40 + (n % 17) * 0.011, 11.85 + (n // 17) * 0.013) for n in range(17 * 17)]


@given(halle_lat, halle_lon, st.sampled_from([100, 400, 1000, 2500]))
def test_stop_index_agrees_with_brute_force(lat: float, lon: float, max_m: int) -> None:
    """The cell-bucketed look-up finds the same nearest stop as checking every stop."""
    index = StopIndex(_GRID_STOPS)
    found = index.nearest(lat, lon, max_m)
    candidates = [(s, _metres((lat, lon), (s.lat, s.lon))) for s in _GRID_STOPS]
    within = [c for c in candidates if c[1] <= max_m - 1.0]  # keep away from the rounding edge
    if within:
        assert found is not None
        best = min(within, key=lambda c: c[1])
        assert found.distance_m == pytest.approx(best[1], abs=1.0)
    elif found is not None:
        assert found.distance_m <= max_m


def test_stop_index_needs_stops() -> None:
    """An empty stop table is a configuration mistake, not a silent "no stop near"."""
    with pytest.raises(ValueError, match="at least one stop"):
        StopIndex([])
    assert len(StopIndex(_GRID_STOPS)) == len(_GRID_STOPS)
