"""Waiting for asynchronous output in tests: poll until it is there, fail with what was missing.

The timeout bounds how long a test waits for a worker, a broker or a server to produce something (so a missing
output fails instead of hanging); it is not a speed target. Speed is measured in bench/.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
Message = str | Callable[[], str]


def wait_until(fetch: Callable[[], T], timeout_s: float, what: Message, interval_s: float = 0.3) -> T:
    """The first truthy value ``fetch`` returns, polled every ``interval_s``; AssertionError naming ``what`` (and
    the last value) when none came within ``timeout_s``. ``fetch`` may itself assert (a process still alive);
    ``what`` may be a function, to say at the end what was last seen."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = fetch()
        if value:
            return value
        if time.monotonic() > deadline:
            raise _timed_out(what, timeout_s, value)
        time.sleep(interval_s)


async def wait_until_async(fetch: Callable[[], T], timeout_s: float, what: Message, interval_s: float = 0.05) -> T:
    """``wait_until`` for a test that runs on an event loop: the loop keeps running (``asyncio.sleep``) between
    polls, so the tasks that produce the awaited output make progress."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = fetch()
        if value:
            return value
        if time.monotonic() > deadline:
            raise _timed_out(what, timeout_s, value)
        await asyncio.sleep(interval_s)


def _timed_out(what: Message, timeout_s: float, last: object) -> AssertionError:
    """The failure of a wait: what was awaited, how long, and the last value fetched."""
    return AssertionError(f"{what() if callable(what) else what} (waited {timeout_s:g} s; last: {last!r})")
