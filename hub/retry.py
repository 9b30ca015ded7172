"""Retrying after a transient failure: ``Backoff`` (exponential, full jitter) for loops that decide themselves
when to try again, and ``retry`` for the common case of one awaitable tried until it succeeds, where the caller
says which failures are transient (``hub.store.errors.error_kind`` does for the database).

Full jitter (a uniform draw between 0 and the capped exponential bound) spreads the retries of many workers or
connectors that failed together, so a recovering server is not hit by all of them at once.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")


@dataclass
class Backoff:
    """Delays for consecutive failures: the n-th (from 0) is uniform in ``[0, min(cap_s, base_s * 2**n)]``.

    ``reset()`` after a success starts again from ``base_s``. ``uniform`` is injectable for tests.
    """

    base_s: float = 0.5
    cap_s: float = 60.0
    uniform: Callable[[float, float], float] = field(default=random.uniform, repr=False)
    failures: int = 0

    def __post_init__(self) -> None:
        if self.base_s <= 0 or self.cap_s < self.base_s:
            raise ValueError(f"need 0 < base_s <= cap_s, got base_s={self.base_s} cap_s={self.cap_s}")

    def bound(self, failures: int) -> float:
        """The upper bound of the delay after ``failures + 1`` consecutive failures."""
        # min() before the power would overflow for long outages; 2**64 already exceeds any cap.
        return min(self.cap_s, self.base_s * 2.0 ** min(failures, 64))

    def next_delay(self) -> float:
        """The delay before the next try; counts one more failure."""
        delay = self.uniform(0.0, self.bound(self.failures))
        self.failures += 1
        return delay

    def reset(self) -> None:
        self.failures = 0


async def retry(
    attempt: Callable[[], Awaitable[T]],
    *,
    retry_on: type[BaseException] | tuple[type[BaseException], ...],
    on_retry: Callable[[BaseException, float], None],
    transient: Callable[[BaseException], bool] | None = None,
    backoff: Backoff | None = None,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> T:
    """``await attempt()`` until it returns; after each failure of class ``retry_on`` that ``transient`` (if given)
    accepts, ``on_retry(error, delay)`` (to log and count it) and wait ``delay`` from ``backoff`` (default: 0.5 s
    doubling up to 10 s, full jitter). Any other exception, a permanent one among them, is raised at once: retrying
    what can never succeed would hold the caller for ever."""
    backoff = backoff if backoff is not None else Backoff(base_s=0.5, cap_s=10.0)
    while True:
        try:
            return await attempt()
        except retry_on as exc:
            if transient is not None and not transient(exc):
                raise
            delay = backoff.next_delay()
            on_retry(exc, delay)
            await sleep(delay)
