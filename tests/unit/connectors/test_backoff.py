"""Exponential backoff with full jitter: bounds, cap, reset."""

from __future__ import annotations

import random

import pytest

from hub.connectors.backoff import Backoff


def test_delays_are_drawn_between_zero_and_the_doubling_bound() -> None:
    """The n-th consecutive failure draws uniformly from [0, base * 2**n]."""
    calls: list[tuple[float, float]] = []
    backoff = Backoff(base_s=0.5, cap_s=100.0, uniform=lambda a, b: calls.append((a, b)) or b)
    delays = [backoff.next_delay() for _ in range(5)]
    assert calls == [(0.0, 0.5), (0.0, 1.0), (0.0, 2.0), (0.0, 4.0), (0.0, 8.0)]
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0]


def test_bound_stops_at_the_cap_even_after_a_long_outage() -> None:
    """The bound never exceeds cap_s, also after thousands of failures (no overflow)."""
    backoff = Backoff(base_s=1.0, cap_s=30.0)
    assert backoff.bound(4) == 16.0
    assert backoff.bound(5) == 30.0
    assert backoff.bound(10_000) == 30.0


def test_real_jitter_stays_within_bounds_and_varies() -> None:
    """With the real random source every delay is within its bound and the delays are not all the same."""
    rng = random.Random(7)
    delays = []
    for _ in range(200):
        backoff = Backoff(base_s=0.1, cap_s=2.0, uniform=rng.uniform)
        for n in range(8):
            d = backoff.next_delay()
            assert 0.0 <= d <= min(2.0, 0.1 * 2**n)
            delays.append(d)
    assert len(set(delays)) > 100


def test_reset_starts_again_from_the_base() -> None:
    """After a success the next failure waits at most base_s again."""
    backoff = Backoff(base_s=0.5, cap_s=60.0, uniform=lambda a, b: b)
    for _ in range(6):
        backoff.next_delay()
    backoff.reset()
    assert backoff.next_delay() == 0.5


@pytest.mark.parametrize(("base", "cap"), [(0.0, 1.0), (2.0, 1.0), (-1.0, 5.0)])
def test_nonsense_parameters_are_refused(base: float, cap: float) -> None:
    """A zero or negative base, or a cap below the base, is a ValueError."""
    with pytest.raises(ValueError, match="base_s"):
        Backoff(base_s=base, cap_s=cap)
