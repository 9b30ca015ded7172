"""Waiting for asynchronous output in tests: poll until it is there, fail with what was missing.

The timeout bounds how long a test waits for a worker, a broker or a server to produce something (so a missing
output fails instead of hanging); it is not a speed target. Speed is measured in bench/.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")
Message = str | Callable[[], str]


def wait_until(fetch: Callable[[], T], timeout_s: float, what: Message, interval_s: float = 0.3) -> T:
    """The first truthy value ``fetch`` returns, polled every ``interval_s``; AssertionError naming ``what`` (and
    the last value) when none came within ``timeout_s``. ``fetch`` may itself assert (a process still alive);
    ``what`` may be a function, to say at the end what was last seen."""
    for value in _attempts(fetch, timeout_s, what):
        if value:
            break
        time.sleep(interval_s)
    return value


async def wait_until_async(fetch: Callable[[], T], timeout_s: float, what: Message, interval_s: float = 0.05) -> T:
    """``wait_until`` for a test that runs on an event loop: the loop keeps running (``asyncio.sleep``) between
    polls, so the tasks that produce the awaited output make progress."""
    for value in _attempts(fetch, timeout_s, what):
        if value:
            break
        await asyncio.sleep(interval_s)
    return value


def _attempts(fetch: Callable[[], T], timeout_s: float, what: Message) -> Iterator[T]:
    """Each value ``fetch`` returns, until the caller has a truthy one; AssertionError naming ``what`` and the last
    value instead of a falsy one fetched after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = fetch()
        if not value and time.monotonic() > deadline:
            shown = what() if callable(what) else what
            raise AssertionError(f"{shown} (waited {timeout_s:g} s; last: {value!r})")
        yield value
