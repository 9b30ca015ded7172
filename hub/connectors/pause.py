"""The waits of a connector instance (between polls, before a retry), cut short when the instance is asked to stop;
or, for tests and the conformance helper, an injected sleep (a fake clock's).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable


class Pause:
    """A stop flag and a wait that it ends early."""

    def __init__(self, sleep: Callable[[float], Awaitable[object]] | None = None) -> None:
        self._sleep = sleep
        self._stop = asyncio.Event()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def request_stop(self) -> None:
        self._stop.set()

    async def wait(self, seconds: float) -> None:
        """Sleep ``seconds`` (on the injected sleep, if any), waking early when asked to stop."""
        if self._sleep is not None:
            await self._sleep(seconds)
            return
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), timeout=seconds)
