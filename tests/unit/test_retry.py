"""Retrying: exponential backoff with full jitter (bounds, cap, reset) and the retry helper around it."""

from __future__ import annotations

import asyncio
import random

import pytest

from hub.retry import Backoff, retry


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


def test_retry_tries_until_success_and_reports_each_failure() -> None:
    """``retry`` awaits the attempt again after each retryable failure, tells ``on_retry`` the error and the delay
    from the backoff, sleeps that delay, and returns the first success."""
    failures = [ConnectionError("down"), ConnectionError("still down")]
    seen: list[tuple[str, float]] = []
    slept: list[float] = []

    async def attempt() -> str:
        if failures:
            raise failures.pop(0)
        return "stored"

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    backoff = Backoff(base_s=1.0, cap_s=8.0, uniform=lambda a, b: b)
    result = asyncio.run(
        retry(
            attempt,
            retry_on=ConnectionError,
            on_retry=lambda exc, delay: seen.append((str(exc), delay)),
            backoff=backoff,
            sleep=sleep,
        )
    )
    assert result == "stored"
    assert seen == [("down", 1.0), ("still down", 2.0)]
    assert slept == [1.0, 2.0]


def test_retry_raises_other_errors_at_once() -> None:
    """An exception that is not of the retryable class ends ``retry`` with that exception, untried again."""
    calls = 0

    async def attempt() -> None:
        nonlocal calls
        calls += 1
        raise ValueError("a bad row, not an outage")

    async def sleep(seconds: float) -> None:
        raise AssertionError("must not wait")

    with pytest.raises(ValueError, match="bad row"):
        asyncio.run(retry(attempt, retry_on=ConnectionError, on_retry=lambda e, d: None, sleep=sleep))
    assert calls == 1


def test_retry_raises_at_once_what_the_transient_predicate_refuses() -> None:
    """Of the retryable class, only failures ``transient`` accepts are retried; a permanent one is raised after one
    attempt, never waited on, so it cannot hold the caller for ever."""
    failures: list[Exception] = [ConnectionError("down"), ConnectionError("refused for good")]
    seen: list[str] = []

    async def attempt() -> None:
        raise failures.pop(0)

    async def sleep(seconds: float) -> None:
        return None

    with pytest.raises(ConnectionError, match="for good"):
        asyncio.run(
            retry(
                attempt,
                retry_on=ConnectionError,
                transient=lambda exc: "for good" not in str(exc),
                on_retry=lambda exc, delay: seen.append(str(exc)),
                sleep=sleep,
            )
        )
    assert seen == ["down"]
    assert failures == []
